// Statistics in a real browser: staff watch the live view update over server-sent events while a
// student hands in, then read the task table, the charts and their numbers, and the grades.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PASSWORD = 'Kompass-Laterne-Nordsee-42';

test('staff watch a submission arrive live and read the statistics and grades', { timeout: 240_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const server = await startServer({
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createsuperuser', '--username', 'root', '--email', 'root@example.org', '--password-stdin'], `${PASSWORD}\n`);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
    },
  });
  await inBrowser(server, async (b) => {
    const staff = await b.newPage();
    await logIn(staff, 'root', PASSWORD);
    await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Statistics' }).click();
    await staff.getByRole('heading', { name: 'Statistics' }).waitFor();
    await staff.getByRole('navigation', { name: 'Statistics' }).getByRole('link', { name: 'Live' }).click();
    const figures = staff.getByRole('status').filter({ hasText: 'checks waiting' });
    await figures.getByText('0 submissions in the last 3 hours').waitFor();

    // The student works in a browser of their own.
    const studentContext = await b.browser.newContext({ baseURL: server.url });
    const student = await studentContext.newPage();
    await logIn(student, 'ada', PASSWORD);
    await student.goto('/tasks/');
    await student.getByRole('link', { name: /Basics/ }).first().click();
    await student.getByRole('link', { name: 'Hello Shell' }).click();
    await student.getByLabel('Task and upload').check();
    await student.getByLabel('Files').setInputFiles({
      name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from('echo "Hello, world!"\n'),
    });
    await student.getByRole('button', { name: 'Hand in' }).click();
    await student.locator('.badge-passed').waitFor({ timeout: 120_000 });

    // The staff page was not reloaded: the event stream brought the new figures.
    await figures.getByText('1 submissions in the last 3 hours').waitFor({ timeout: 30_000 });
    const perSlice = await staff.locator('table tbody tr td:first-of-type').allTextContents();
    assert.equal(perSlice.filter((count) => count.trim() === '1').length, 1, perSlice.join(' '));

    // The task table: one student attempted and solved it with one solution.
    const sections = staff.getByRole('navigation', { name: 'Statistics' });
    await sections.getByRole('link', { name: 'Tasks' }).click();
    await staff.getByRole('img', { name: 'Solve rate per task' }).waitFor();
    const row = staff.getByRole('row', { name: /Hello Shell/ });
    const cells = (await row.locator('td').allTextContents()).map((text) => text.trim());
    assert.deepEqual(cells.slice(0, 5), ['Basics', '1', '1', '100.0', '1.0']);

    // Submissions over time, per hour; attempts until the first pass.
    await sections.getByRole('link', { name: 'Submissions over time' }).click();
    await staff.getByLabel('Granularity').selectOption('hour');
    await staff.getByRole('button', { name: 'Show' }).click();
    await staff.getByRole('img', { name: 'Submissions per hour' }).waitFor();
    await staff.getByText('1 submissions in this range').waitFor();
    await sections.getByRole('link', { name: 'Attempts until passed' }).click();
    const attempts = staff.getByRole('row', { name: /Hello Shell/ });
    assert.equal((await attempts.locator('td').first().textContent()).trim(), '1');

    await mkdir(screenshots, { recursive: true });
    await staff.setViewportSize({ width: 390, height: 844 });
    await staff.screenshot({ path: `${screenshots}statistics-phone.png`, fullPage: true });

    // Grades: a point for the solved task; the CSV says the same; the matrix shows the pass.
    await staff.goto('/admin/');
    await staff.getByRole('link', { name: 'Grades', exact: true }).click();
    await staff.getByLabel('Category').selectOption('Basics');
    await staff.getByLabel('Counted from (first day)').fill('2020-01-01');
    await staff.getByLabel('CSV starts with the column names').check();
    await staff.getByRole('button', { name: 'Show' }).click();
    const points = staff.getByRole('row', { name: /ada/ });
    assert.equal((await points.locator('td.number').textContent()).trim(), '1');
    const csvLink = staff.getByRole('link', { name: 'Download the points as CSV' });
    const csv = await (await staff.request.get(await csvLink.getAttribute('href'))).text();
    assert.match(csv, /^last_name,first_name,username,email,matriculation_number,course_of_study,points\r\n,,ada,ada@example.org,,,1\r\n$/);
    await staff.getByRole('link', { name: 'results matrix' }).click();
    await staff.getByRole('row', { name: /ada/ }).getByLabel('solved').waitFor();
    await staff.screenshot({ path: `${screenshots}grades-matrix-phone.png`, fullPage: true });
    await studentContext.close();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
