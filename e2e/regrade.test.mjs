// Regrades with a preview in a real browser: two students pass a shell task, one of them slowly;
// staff lower the time limit, start a regrade from the task's page, watch the preview fill in
// without a reload, and publish; only then does the slow student see the time limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';

const students = { ada: 'sleep 5; echo "Hello, world!"\n', ben: 'echo "Hello, world!"\n' };

test('staff preview a regrade live and publish it', { timeout: 240_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const server = await startServer({
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'teacher', '--email', 'teacher@example.org', '--staff', '--password-stdin'], `${PASSWORD}\n`);
      for (const name of Object.keys(students)) {
        await inloop(['createuser', '--username', name, '--email', `${name}@example.org`, '--password-stdin'], `${PASSWORD}\n`);
      }
    },
  });
  await inBrowser(server, async (b) => {
    const pages = {};
    for (const [name, script] of Object.entries(students)) {
      const context = await b.browser.newContext({ baseURL: server.url });
      const student = await context.newPage();
      await logIn(student, name, PASSWORD);
      await student.goto('/solutions/editor/hello-shell/');
      await student.getByLabel('Task and upload').check();
      await student.getByLabel('Files').setInputFiles({ name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from(script) });
      await student.getByRole('button', { name: 'Hand in' }).click();
      await student.locator('.badge-passed').waitFor({ timeout: 120_000 });
      pages[name] = student;
    }

    const page = await b.newPage();
    await logIn(page, 'teacher', PASSWORD);
    await page.goto('/admin/tasks/');
    await page.getByRole('link', { name: 'Hello Shell' }).first().click();
    await page.getByLabel('Time limit (seconds)').fill('2');
    await page.getByRole('button', { name: 'Save Hello Shell' }).click();
    await page.getByRole('button', { name: 'Regrade with a preview' }).click();
    await page.getByRole('heading', { name: /^Regrade \d+: Hello Shell$/ }).waitFor();

    // The preview fills in on the open page (over server-sent events).
    const table = page.locator('table#regrade-changes');
    await table.waitFor({ timeout: 90_000 });
    assert.ok(b.requests.some((url) => url.endsWith('/events')), 'followed live');
    const rows = table.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /ada\s+#1\s+Passed\s+Time limit exceeded/);
    assert.match(await page.locator('#regrade-summary').textContent(), /1 stay the same/);

    // Students see nothing of it until it is published.
    await pages.ada.reload();
    await pages.ada.locator('.badge-passed').waitFor();
    await page.getByRole('button', { name: 'Publish the new verdicts' }).click();
    await page.locator('#regrade-status', { hasText: 'published' }).waitFor();
    await pages.ada.reload();
    await pages.ada.getByText('Time limit exceeded').first().waitFor();
    await pages.ben.reload();
    await pages.ben.locator('.badge-passed').waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
