// Task pages tick in a real browser: an unpublished task opens without reload, a student who is a
// few seconds early is told to wait and then let in, and the last five minutes are announced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

// "2026-11-28 01:02:03 +0000", the way meta.json states a moment.
function metaTime(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}

// A repository with the tasks `tasks` (directory → meta.json) and a trivial checker image.
function repository(tasks) {
  const files = { Dockerfile: 'FROM inloop-test/busybox:1\n', Makefile: 'all:\n\ttrue\n' };
  for (const [name, meta] of Object.entries(tasks)) {
    files[`${name}/task.md`] = `# ${meta.title}\n\nSolve it.\n`;
    files[`${name}/meta.json`] = JSON.stringify(meta);
  }
  return taskRepository(files);
}

test('unpublished tasks open on time without reload and deadlines warn', { timeout: 240_000 }, async () => {
  const start = Date.now();
  const opensAt = start + 45_000;
  const repo = await repository({
    soon: { title: 'Soon task', category: 'Basics', pubdate: metaTime(opensAt), deadline: metaTime(start + 240_000) },
    later: { title: 'Later task', category: 'Basics', pubdate: metaTime(opensAt + 13_000) },
  });
  const server = await startServer({
    prepare: async (inloop) => {
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'],
        'Tulpen-Fahrrad-Ostsee-81\n');
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', 'Tulpen-Fahrrad-Ostsee-81');
    await page.goto('/tasks/category/basics/');
    assert.ok(Date.now() < opensAt - 5_000, 'the test reached the list well before the task opens');

    // Not yet a link; its row counts down.
    assert.equal(await page.getByRole('link', { name: 'Soon task' }).count(), 0);
    const row = page.locator('li', { hasText: 'Soon task' });
    await row.getByText(/opens in \d+ (min \d\d )?s/).waitFor();
    await page.evaluate(() => { window.stillTheSamePage = true; });

    // At its publication time it becomes a link, announced to screen readers, without reload.
    await page.getByRole('link', { name: 'Soon task' }).waitFor({ timeout: 90_000 });
    assert.ok(Date.now() >= opensAt - 2_000, 'it did not open early');
    assert.equal(await page.evaluate(() => window.stillTheSamePage), true, 'no reload happened');
    assert.equal(await page.locator('#clock-status').textContent(), 'Soon task is open now.');

    // Under five minutes to its deadline: the countdown ticks and the live region warns.
    await page.getByRole('link', { name: 'Soon task' }).click();
    await page.getByRole('heading', { name: 'Soon task' }).first().waitFor();
    const status = page.getByRole('status').filter({ hasText: 'Less than 5 minutes left until the deadline.' });
    await status.waitFor();
    // The task's countdown (the editor's header has one too).
    const clock = page.locator('.task-page [data-deadline]');
    const first = await clock.textContent();
    assert.match(first, /^\d min \d\d s left$/);
    await page.waitForFunction((before) => document.querySelector('.task-page [data-deadline]').textContent !== before, first);
    assert.match(await page.locator('.editor-deadline [data-deadline]').textContent(), /^\d min \d\d s left$/);

    // A few seconds early for the next task: a notice, then the task page by itself.
    await page.goto('/solutions/editor/later-task/');
    await page.getByText('This task starts in a few seconds').waitFor();
    await page.getByRole('heading', { name: 'Editor' }).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Later task' }).first().waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('staff order and describe categories and limit a task in the admin area', { timeout: 120_000 }, async () => {
  const repo = await repository({
    first: { title: 'First steps', category: 'Basics', pubdate: '2020-01-01 00:00' },
    hard: { title: 'Hard one', category: 'Advanced', pubdate: '2020-01-01 00:00' },
  });
  const server = await startServer({
    prepare: async (inloop) => {
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'grace', '--email', 'grace@example.org', '--staff', '--password-stdin'],
        'Kompass-Laterne-Nordsee-42\n');
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'grace', 'Kompass-Laterne-Nordsee-42');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();

    await page.getByRole('link', { name: 'Categories' }).click();
    await page.getByLabel('Order').nth(1).fill('-1'); // Advanced, listed second
    await page.getByLabel('Description (Markdown)').nth(1).fill('**Hard** ones, <script>alert(1)</script>');
    await page.getByRole('button', { name: 'Save Advanced' }).click();
    await page.getByText('Saved the category Advanced.').waitFor();
    await page.goto('/tasks/');
    const names = await page.locator('.category-list > li > a').allTextContents();
    assert.deepEqual(names, ['Advanced', 'Basics']);
    assert.equal(await page.locator('.category-list strong').textContent(), 'Hard');

    await page.goto('/admin/tasks/');
    await page.getByRole('link', { name: 'Hard one' }).click();
    // The browser itself refuses a limit below 1 (the server does too, tested over HTTP).
    await page.getByLabel('Submission limit').fill('0');
    assert.equal(await page.getByLabel('Submission limit').evaluate((input) => input.validity.valid), false);
    await page.getByLabel('Submission limit').fill('2');
    // A memory limit above the admins' maximum is refused with the reason, next to the field.
    await page.getByLabel('Memory limit (MiB)').fill('5000');
    await page.getByRole('button', { name: 'Save Hard one' }).click();
    const memory = page.getByLabel('Memory limit (MiB)');
    assert.equal(await memory.getAttribute('aria-invalid'), 'true');
    await page.getByText('A whole number from 1 to 1024').waitFor();
    await memory.fill('64');
    await page.getByRole('button', { name: 'Save Hard one' }).click();
    await page.getByText('Saved the task Hard one.').waitFor();
    assert.equal(await page.getByLabel('Submission limit').inputValue(), '2');
    await page.getByText('64 MiB', { exact: false }).first().waitFor();
    // The refused form is answered 422 on purpose; nothing else may go wrong.
    assert.deepEqual(b.problems.filter((line) => !line.includes('422')), []);
  }, repo.remove);
});
