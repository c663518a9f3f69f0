// Plagiarism checks in a real browser: three students hand in a shell task, two of them the
// same script with renamed variables; staff start a check, watch its progress finish without a
// reload, and open the pair side by side with the shared regions highlighted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { handInAs, original, renamed } from './lib/solutions.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';

const independent = 'echo "Hello, world!"\n';

test('staff start a check, watch it finish and compare the pair side by side', { timeout: 240_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const students = { ada: original, ben: renamed, cyd: independent };
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
    for (const [name, script] of Object.entries(students)) {
      await handInAs(b, server, name, PASSWORD, script);
    }

    const page = await b.newPage();
    await logIn(page, 'teacher', PASSWORD);
    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Plagiarism' }).click();
    await page.getByLabel('Task or category').selectOption({ label: 'Hello Shell' });
    await page.getByLabel('Minimum similarity (%)').fill('90');
    const started = Date.now();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.getByRole('heading', { name: /^Plagiarism check \d+: Hello Shell$/ }).waitFor();

    // The status changes on the open page (over server-sent events), and the pairs follow.
    await page.locator('#plagiarism-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    const live = b.requests.some((url) => url.endsWith('/events'));
    console.log(`the check finished ${Date.now() - started} ms after it was requested (followed live: ${live})`);
    assert.match(await page.locator('#plagiarism-progress').textContent(), /1 of 1 tasks/);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /ada \(#1\) and ben \(#1\)/);

    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Hello Shell: ada and ben' }).waitFor();
    assert.ok(await page.locator('mark.match').count() >= 2, 'regions are marked on both sides');
    assert.match(await page.locator('#a-m1').textContent(), /Region 1 begins/);
    await page.getByRole('list', { name: 'Shared regions' }).getByRole('link', { name: /^ben, solution\.sh/ }).first().click();
    assert.ok(await page.locator('#b-m1').evaluate((mark) => document.activeElement === mark || mark.matches(':target')));
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
