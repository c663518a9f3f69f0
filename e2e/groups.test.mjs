// Groups in a real browser: staff create a group, are told when a name is taken, add members by
// username (an unknown one is named and nothing is lost), take one out after a confirmation, and
// add ticked users from the user list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser, logIn } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Kompass-Laterne-Nordsee-42';

test('staff create a group, add members by username and take one out', { timeout: 120_000 }, async () => {
  const server = await startServer({
    prepare: async (inloop) => {
      await inloop(['createuser', '--username', 'teacher', '--email', 'teacher@example.org', '--staff', '--password-stdin'], `${PASSWORD}\n`);
      for (const name of ['ada', 'grace']) {
        await inloop(['createuser', '--username', name, '--email', `${name}@example.org`, '--password-stdin'], `${PASSWORD}\n`);
      }
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'teacher', PASSWORD);
    await page.goto('/admin/');
    await page.getByRole('link', { name: 'Groups' }).click();

    await page.getByLabel('Name of the new group').fill('Lab 1');
    await page.getByRole('button', { name: 'Create the group' }).click();
    await page.getByText('Created the group Lab 1.').waitFor();

    // An unknown username is named; what was typed stays in the field.
    const usernames = page.getByLabel(/^Usernames or e-mail addresses/);
    await usernames.fill('ada, nobody');
    await page.getByRole('button', { name: 'Add to Lab 1' }).click();
    await page.getByText('Nobody was added: there is no user nobody.').waitFor();
    assert.equal(await usernames.inputValue(), 'ada, nobody');
    await usernames.fill('ada grace');
    await page.getByRole('button', { name: 'Add to Lab 1' }).click();
    await page.getByText('Added to Lab 1: ada, grace.').waitFor();
    const members = page.getByRole('table', { name: 'Members of Lab 1' });
    await members.getByRole('link', { name: 'ada' }).waitFor();
    await members.getByRole('link', { name: 'grace' }).waitFor();

    await page.getByLabel('Select grace').check();
    await page.getByRole('button', { name: 'Take the selected members out…' }).click();
    await page.getByRole('heading', { name: 'Take 1 member out of Lab 1?' }).waitFor();
    await page.getByRole('button', { name: 'Yes, take them out' }).click();
    await page.getByText('Took out of Lab 1: grace.').waitFor();
    assert.equal(await members.getByRole('link', { name: 'grace' }).count(), 0);

    await page.getByRole('link', { name: 'Groups' }).click();
    const row = page.getByRole('row', { name: /Lab 1/ });
    assert.match((await row.textContent()).replace(/\s+/g, ' '), /Lab 1 1/);

    // From the user list: tick grace, add her to the group again after the confirmation.
    await page.goto('/admin/users/');
    await page.getByLabel('Select grace').check();
    await page.getByLabel('With the selected users').selectOption('add_to_group');
    await page.getByLabel('Group (for adding or taking out)').selectOption({ label: 'Lab 1' });
    await page.getByRole('button', { name: 'Continue…' }).click();
    await page.getByRole('heading', { name: 'Add 1 user to Lab 1?' }).waitFor();
    await page.getByRole('button', { name: 'Yes, add them' }).click();
    await page.getByText('Added 1 of 1 users to Lab 1.').waitFor();
    await page.goto('/admin/groups/');
    assert.match((await page.getByRole('row', { name: /Lab 1/ }).textContent()).replace(/\s+/g, ' '), /Lab 1 2/);
    // The refused form is answered 422 on purpose; nothing else may go wrong.
    assert.deepEqual(b.problems.filter((line) => !line.includes('422')), []);
  });
});
