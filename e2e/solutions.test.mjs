// A student hands in a solution through the task page in a real browser and sees its result.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

test('a student hands in a solution and sees the verdict appear without reload', { timeout: 240_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const server = await startServer({
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'],
        'Tulpen-Fahrrad-Ostsee-81\n');
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', 'Tulpen-Fahrrad-Ostsee-81');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('link', { name: /Basics/ }).first().click();
    await page.getByRole('link', { name: 'Hello Shell' }).click();
    await page.getByRole('heading', { name: 'Hello Shell' }).waitFor();

    await page.getByLabel('Task and upload').check();
    await page.getByLabel('Files').setInputFiles({
      name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from('sleep 2\necho "Hello, world!"\nexit 0\n'),
    });
    await page.getByRole('button', { name: 'Hand in' }).click();
    await page.getByRole('heading', { name: 'Solution #1' }).waitFor();
    await page.getByText(/Solution #1 received at/).waitFor();

    // The page updates itself over server-sent events: no reload from here on.
    await page.locator('.badge-passed').waitFor({ timeout: 120_000 });
    await page.getByText('Hello, world!').waitFor();
    // The check's resource profile comes with the result: meters named by what they measure,
    // their numbers beside them.
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    await page.getByRole('meter', { name: 'Peak memory' }).waitFor();
    assert.match(await page.locator('#resource-memory-text').innerText(), /i?B of 256\.0 MiB \(\d+ %\)/);
    assert.match(await page.locator('#resource-wall-text').innerText(), /s of 120\.0 s/);
    await mkdir(screenshots, { recursive: true });
    await page.setViewportSize({ width: 390, height: 844 }); // a phone
    await page.screenshot({ path: `${screenshots}solution-phone.png`, fullPage: true });

    // The overview counts the task as solved, and its row says so.
    await page.goto('/tasks/');
    await page.getByText('1 of 1 solved').waitFor();
    await page.getByRole('link', { name: /Basics/ }).first().click();
    await page.locator('li', { hasText: 'Hello Shell' }).getByText('Solved').waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
