// Staff's whole way through a course in one browser session (issue 17), on PostgreSQL and Redis:
// trigger an import from the admin area and follow its record, see the broken task reported, open
// a student's solution and check it again, read the statistics, run a plagiarism check and open
// the pair, export grades.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { handInAs, original, renamed } from './lib/solutions.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';

// A good task, and one whose meta.json is not JSON.
const taskFiles = {
  ...helloShellTask,
  'broken/task.md': '# Broken\n\nThis task has a broken meta.json.\n',
  'broken/meta.json': '{"title": "Broken", "category": "Basics",',
};

test('staff import, see a broken task, re-run a check, and read statistics, plagiarism and grades', { timeout: 300_000 }, async () => {
  const repo = await taskRepository(taskFiles);
  const students = { ada: original, ben: renamed, cyd: 'echo "Hello, world!"\n' };
  const server = await startServer({
    production: true,
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['settings', 'set', 'git_url', repo.url]);
      await inloop(['createuser', '--username', 'teacher', '--email', 'teacher@example.org', '--staff', '--password-stdin'], `${PASSWORD}\n`);
      for (const name of Object.keys(students)) {
        await inloop(['createuser', '--username', name, '--email', `${name}@example.org`, '--password-stdin'], `${PASSWORD}\n`);
      }
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'teacher', PASSWORD);

    // The import, started from the admin area; its record fills in as it runs.
    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Task imports' }).click();
    await page.getByRole('button', { name: 'Import now' }).click();
    const run = page.getByRole('row', { name: /#1/ });
    for (const deadline = Date.now() + 120_000; !(await run.locator('td.status-succeeded').count());) {
      assert.ok(Date.now() < deadline, `the import did not succeed: ${await run.textContent()}`);
      await page.waitForTimeout(500);
      await page.reload();
    }
    assert.match(await run.textContent(), /admin[\s\S]*succeeded[\s\S]*built/);
    await run.getByRole('link', { name: '#1' }).click();
    await page.getByRole('heading', { name: 'Import run 1' }).waitFor();
    const results = page.getByRole('table', { name: 'What happened to each task directory' });
    assert.equal((await results.getByRole('row', { name: /^hello/ }).locator('td').first().textContent()).trim(), 'added');
    const broken = results.getByRole('row', { name: /^broken/ });
    assert.equal((await broken.locator('td').first().textContent()).trim(), 'invalid');
    assert.match(await broken.locator('td').nth(1).textContent(), /meta\.json/);

    // Two students hand in the same script, one of them with its names changed; a third their own.
    for (const [name, script] of Object.entries(students)) {
      await handInAs(b, server, name, PASSWORD, script);
    }

    // A student's solution, from the admin list, checked again on the staff lane.
    await page.goto('/admin/solutions/');
    await page.getByRole('row', { name: /ada/ }).getByRole('link', { name: 'Hello Shell #1' }).click();
    await page.getByRole('heading', { name: 'Hello Shell #1 of ada' }).waitFor();
    await page.getByRole('link', { name: 'Open the result page' }).click();
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.locator('#progress.status-passed').waitFor({ timeout: 120_000 });
    await page.goto('/admin/solutions/');
    await page.getByRole('row', { name: /ada/ }).getByRole('link', { name: 'Hello Shell #1' }).click();
    const checks = page.locator('section.check');
    assert.equal(await checks.count(), 2, 'the first check and the re-run');
    assert.match(await checks.first().textContent(), /staff \(a re-run\)[\s\S]*passed|passed[\s\S]*staff \(a re-run\)/);

    // Statistics: three students attempted and solved the task.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('navigation', { name: 'Statistics' }).getByRole('link', { name: 'Tasks' }).click();
    const row = page.getByRole('row', { name: /Hello Shell/ });
    const cells = (await row.locator('td').allTextContents()).map((text) => text.trim());
    assert.deepEqual(cells.slice(0, 4), ['Basics', '3', '3', '100.0']);

    // Plagiarism: the pair is found and opens side by side.
    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Plagiarism' }).click();
    await page.getByLabel('Task or category').selectOption({ label: 'Hello Shell' });
    await page.getByLabel('Minimum similarity (%)').fill('90');
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.locator('#plagiarism-status', { hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    const pair = page.locator('tbody tr');
    assert.equal(await pair.count(), 1);
    await pair.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Hello Shell: ada and ben' }).waitFor();
    assert.ok(await page.locator('mark.match').count() >= 2, 'regions are marked on both sides');

    // Grades: a point for the own solution; the detected pair earns nothing until staff dismiss
    // the detection. The CSV export says the same.
    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Grades', exact: true }).click();
    await page.getByLabel('Category').selectOption('Basics');
    await page.getByLabel('Counted from (first day)').fill('2020-01-01');
    await page.getByLabel('CSV starts with the column names').check();
    await page.getByRole('button', { name: 'Show' }).click();
    const csvLink = page.getByRole('link', { name: 'Download the points as CSV' });
    const csv = await (await page.request.get(await csvLink.getAttribute('href'))).text();
    assert.match(csv, /^last_name,first_name,username,email,matriculation_number,course_of_study,points\r\n,,cyd,cyd@example\.org,,,1\r\n$/);
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
