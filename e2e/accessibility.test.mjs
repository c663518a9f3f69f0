// Accessibility: axe-core (from npm) checks every main page, logged out, as a student, as staff and
// as a superuser, at desktop and phone widths; no serious or critical violation is allowed. A
// screenshot of each page at each width goes to e2e/screenshots/ (ignored by git).
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOTS = new URL('./screenshots/', import.meta.url);

const WIDTHS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

// Who sees which pages. Each is checked at both widths.
const PAGES = {
  anonymous: ['/', '/login/', '/account/signup/', '/account/password_reset/', '/about/help/', '/about/privacy/', '/about/legal-notice/'],
  student: ['/', '/tasks/', '/tasks/category/basics/', '/solutions/editor/hello-shell/', '/solutions/detail/hello-shell/1/', '/solutions/list/hello-shell/', '/account/profile/'],
  staff: ['/admin/', '/admin/users/', '/admin/groups/', '/admin/courses/', '/admin/categories/', '/admin/tasks/', '/admin/solutions/', '/admin/checks/', '/admin/imports/', '/admin/extensions/', '/admin/regrades/', '/admin/plagiarism/', '/admin/grades/', '/statistics/', '/statistics/submissions/', '/statistics/attempts/', '/statistics/live/'],
  superuser: ['/admin/settings/', '/admin/pages/', '/admin/audit/'],
};

/** The serious and critical axe violations on `page`, one readable line each. */
async function violations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} at ${violation.nodes.map((node) => `${node.target.join(' ')} (${node.failureSummary?.split('\n').slice(1).join(' ').trim()})`).join('; ')}`);
}

test('every main page has no serious or critical accessibility violation, on a desktop and a phone', { timeout: 300_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const server = await startServer({
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createsuperuser', '--username', 'root', '--email', 'root@example.org', '--password-stdin'], `${PASSWORD}\n`);
      await inloop(['createuser', '--username', 'teacher', '--email', 'teacher@example.org', '--staff', '--password-stdin'], `${PASSWORD}\n`);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
    },
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  await inBrowser(server, async (b) => {
    const found = [];
    for (const [who, paths] of Object.entries(PAGES)) {
      const context = await b.browser.newContext({ baseURL: server.url });
      const page = await context.newPage();
      if (who !== 'anonymous') {
        await logIn(page, { student: 'ada', staff: 'teacher', superuser: 'root' }[who], PASSWORD);
      }
      if (who === 'student') {
        // A solution with a result page to look at.
        await page.goto('/solutions/editor/hello-shell/');
        await page.getByLabel('Task and upload').check();
        await page.getByLabel('Files').setInputFiles({
          name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from('echo "Hello, world!"\n'),
        });
        await page.getByRole('button', { name: 'Hand in' }).click();
        await page.locator('.badge-passed').waitFor({ timeout: 120_000 });
      }
      for (const path of paths) {
        for (const [width, viewport] of Object.entries(WIDTHS)) {
          await page.setViewportSize(viewport);
          const response = await page.goto(path);
          assert.equal(response.status(), 200, `${who} ${path}`);
          for (const line of await violations(page)) found.push(`${who} ${path} (${width}): ${line}`);
          const name = `${who}${path.replaceAll('/', '_')}-${width}.png`.replace(/_+/g, '_');
          await page.screenshot({ path: fileURLToPath(new URL(name, SCREENSHOTS)), fullPage: true });
        }
      }
      await context.close();
    }
    assert.deepEqual(found, []);
  }, repo.remove);
});
