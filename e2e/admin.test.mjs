// The admin area in a real browser: a superuser changes a runtime setting, deactivates a user
// with the confirmation step, and finds both changes in the audit log; staff filter solutions,
// check one again and watch the dashboard follow, then find its checks in the check list and
// edit a category in place; bulk forms count the ticked rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';

test('a superuser changes a setting, deactivates a user and sees both in the audit log', { timeout: 120_000 }, async () => {
  const server = await startServer({
    prepare: async (inloop) => {
      await inloop(['createsuperuser', '--username', 'root', '--email', 'root@example.org', '--password-stdin'], `${PASSWORD}\n`);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'root', PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();

    // A bad regular expression is refused beside its field; a good change is saved.
    await page.getByRole('link', { name: 'Runtime settings' }).click();
    await page.getByLabel('email_pattern').fill('(unclosed');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#error_email_pattern').waitFor();
    assert.match(await page.locator('#error_email_pattern').textContent(), /unclosed group/);
    await page.getByLabel('email_pattern').fill('@example\\.org$');
    await page.getByLabel('signup_allowed').selectOption('false');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved 2 settings').waitFor();

    // Deactivate ada from the user list, confirming first.
    await page.goto('/admin/users/');
    await page.getByLabel('Search (username, e-mail, name)').fill('ada');
    await page.getByRole('button', { name: 'Show' }).click();
    // The bulk form counts the ticked rows as they change; one box ticks the whole page.
    const count = page.locator('[data-bulk-count]');
    assert.equal(await count.textContent(), '0 of 1 users selected');
    await page.getByLabel('Select all users on this page').check();
    assert.equal(await count.textContent(), '1 of 1 users selected');
    assert.ok(await page.getByLabel('Select ada').isChecked());
    await page.getByLabel('Select all users on this page').uncheck();
    assert.equal(await count.textContent(), '0 of 1 users selected');
    await page.getByLabel('Select ada').check();
    assert.equal(await count.textContent(), '1 of 1 users selected');
    await page.getByLabel('With the selected users').selectOption('deactivate');
    await page.getByRole('button', { name: 'Continue…' }).click();
    await page.getByRole('heading', { name: 'Deactivate 1 user?' }).waitFor();
    await page.getByRole('button', { name: 'Yes, deactivate' }).click();
    await page.getByText('Deactivated 1 of 1 users.').waitFor();

    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('tbody tr');
    const texts = await rows.allTextContents();
    const flat = texts.map((text) => text.replace(/\s+/g, ' ').trim());
    assert.ok(flat.some((row) => row.includes('user ada') && row.includes('is_active true false')), flat.join('\n'));
    assert.ok(flat.some((row) => row.includes('signup_allowed') && row.includes('true false')), flat.join('\n'));
    assert.ok(flat.some((row) => row.includes('email_pattern') && row.includes('@example\\.org$')), flat.join('\n'));

    // The setting is in effect: sign-up is closed.
    await page.goto('/account/signup/');
    await page.getByText('Sign-up is closed').waitFor();
    // The refused form is answered 422 on purpose; nothing else may go wrong.
    assert.deepEqual(b.problems.filter((line) => !line.includes('422')), []);
  });
});

test('staff filter solutions, open one, check it again and watch the dashboard follow live', { timeout: 240_000 }, async () => {
  const repo = await taskRepository(helloShellTask);
  const server = await startServer({
    env: { INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'teacher', '--email', 'teacher@example.org', '--staff', '--password-stdin'], `${PASSWORD}\n`);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
    },
  });
  await inBrowser(server, async (b) => {
    // Ada hands in, in a browser of her own.
    const studentContext = await b.browser.newContext({ baseURL: server.url });
    const student = await studentContext.newPage();
    await logIn(student, 'ada', PASSWORD);
    await student.goto('/solutions/editor/hello-shell/');
    await student.getByLabel('Task and upload').check();
    await student.getByLabel('Files').setInputFiles({
      name: 'solution.sh', mimeType: 'text/x-sh', buffer: Buffer.from('echo "Hello, world!"\n'),
    });
    await student.getByRole('button', { name: 'Hand in' }).click();
    await student.locator('.badge-passed').waitFor({ timeout: 120_000 });
    await studentContext.close();

    // The teacher keeps the dashboard open in one tab…
    const dashboard = await b.newPage();
    await logIn(dashboard, 'teacher', PASSWORD);
    await dashboard.goto('/admin/');
    const finished = dashboard.locator('#dash-finished');
    assert.equal(await finished.textContent(), '1');
    await dashboard.getByText('Database: ok').waitFor();

    // …and in another filters the solutions, opens Ada's and checks it again.
    const work = await b.newPage();
    await work.goto('/admin/solutions/');
    await work.getByLabel('Task').selectOption({ label: 'Hello Shell' });
    await work.getByLabel('Verdict').selectOption('passed');
    await work.getByLabel('Author (username)').fill('ada');
    await work.getByRole('button', { name: 'Show' }).click();
    await work.getByRole('link', { name: 'Hello Shell #1' }).click();
    await work.getByRole('heading', { name: 'Hello Shell #1 of ada' }).waitFor();
    await work.getByRole('heading', { name: /^Check \d+: passed$/ }).waitFor();
    await work.getByRole('link', { name: 'Open the result page' }).click();
    await work.getByRole('button', { name: 'Check again' }).click();
    await work.getByText('The solution is checked again.').waitFor();

    // The dashboard counts the second check without a reload.
    await dashboard.waitForFunction(() => document.getElementById('dash-finished')?.textContent === '2', null, { timeout: 120_000 });
    await work.goto('/admin/solutions/?author=ada');
    await work.getByRole('link', { name: 'Hello Shell #1' }).click();
    assert.equal(await work.getByRole('heading', { name: /^Check \d+: passed$/ }).count(), 2);

    // The check list, filtered by status; a check's page shows what the checker printed.
    await work.goto('/admin/');
    await work.getByRole('link', { name: 'Checks', exact: true }).click();
    await work.getByLabel('Status').selectOption('done');
    await work.getByRole('button', { name: 'Show' }).click();
    await work.waitForURL(/status=done/);
    const rows = work.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    await rows.first().getByRole('link').first().click();
    await work.getByRole('heading', { name: /^Check \d+: Passed$/ }).waitFor();
    await work.locator('pre.console', { hasText: 'Hello, world!' }).waitFor();

    // A category is edited in its row: htmx swaps in the answer, the page stays.
    await work.goto('/admin/categories/');
    const status = work.locator('#messages');
    await work.getByLabel('Order').fill('soon');
    await work.getByRole('button', { name: 'Save Basics' }).click();
    await work.getByText('The order must be a whole number.').waitFor();
    assert.equal(await status.textContent(), 'Nothing was saved for Basics: see its row.');
    assert.equal(await work.getByLabel('Order').getAttribute('aria-invalid'), 'true');
    await work.getByLabel('Order').fill('5');
    await work.getByLabel('Description (Markdown)').fill('The *first* steps.');
    await work.getByRole('button', { name: 'Save Basics' }).click();
    await status.getByText('Saved the category Basics.').waitFor();
    assert.equal(await work.getByText('The order must be a whole number.').count(), 0);
    assert.equal(new URL(work.url()).pathname, '/admin/categories/');
    await work.reload();
    assert.equal(await work.getByLabel('Order').inputValue(), '5');
    assert.equal(await work.getByLabel('Description (Markdown)').inputValue(), 'The *first* steps.');
    // The refused order is answered 422 on purpose; nothing else may go wrong.
    assert.deepEqual(b.problems.filter((line) => !line.includes('422')), []);
  }, repo.remove);
});
