// The admin area in a real browser: a superuser changes a runtime setting, deactivates a user
// with the confirmation step, and finds both changes in the audit log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
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
    await page.getByLabel('Select ada').check();
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
