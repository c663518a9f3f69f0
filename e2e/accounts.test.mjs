// Accounts in a real browser: sign up, activate through the mailed link, log in and out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBrowser } from './lib/browser.mjs';
import { startMailSink } from './lib/mail.mjs';
import { startServer } from './lib/server.mjs';

test('a student signs up, activates by mail, logs in and out', { timeout: 120_000 }, async () => {
  const mail = await startMailSink();
  const server = await startServer({ env: { EMAIL_URL: mail.url } });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();

    await page.goto('/');
    await page.getByRole('link', { name: 'Sign up' }).first().click();
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('E-mail address').fill('ada@example.org');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Password (again)').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    // The form comes back, keeps what was typed, and says what is wrong next to each field.
    await assert.doesNotReject(page.getByText('This password is too short').waitFor());
    assert.equal(await page.getByLabel('Username').inputValue(), 'ada');
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
    await page.getByText('Please agree to the privacy statement').waitFor();

    await page.getByLabel('Password', { exact: true }).fill('Tulpen-Fahrrad-Ostsee-81');
    await page.getByLabel('Password (again)').fill('Tulpen-Fahrrad-Ostsee-81');
    await page.getByLabel(/I have read and agree/).check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Almost done' }).waitFor();

    const link = await mail.linkTo('ada@example.org', '/account/activate/');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Account activated' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Log in' }).click();

    await page.getByLabel('Username or e-mail address').fill('ada@example.org');
    await page.getByLabel('Password').fill('Tulpen-Fahrrad-Ostsee-81');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Please complete your profile').waitFor();
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'ada' }).count(), 1);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You have been logged out.').waitFor();
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'ada' }).count(), 0);

    // The rejected sign-up is answered 422 on purpose; nothing else may go wrong.
    assert.deepEqual(b.problems.filter((p) => !/422.*\/account\/signup\//.test(p)), []);
  }, mail.stop);
});

// The release binary without EMAIL_URL: a mail is announced in the log by recipient and subject
// only, and neither its body nor the activation token reaches the log (mail or request lines).
const debugBuild = !/release|dist/.test(process.env.INLOOP_BIN || '');
test('a release server never logs mail bodies or activation tokens', {
  timeout: 120_000,
  skip: debugBuild && 'debug builds log mail bodies on purpose (just e2e runs the release binary)',
}, async () => {
  const server = await startServer();
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await page.goto('/account/signup/');
    await page.getByLabel('Username').fill('grace');
    await page.getByLabel('E-mail address').fill('grace@example.org');
    await page.getByLabel('Password', { exact: true }).fill('Tulpen-Fahrrad-Ostsee-81');
    await page.getByLabel('Password (again)').fill('Tulpen-Fahrrad-Ostsee-81');
    await page.getByLabel(/I have read and agree/).check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Almost done' }).waitFor();
    // A made-up activation key still passes through the request log.
    await page.goto('/account/activate/made-up-secret-key-1234/');

    const log = server.output();
    assert.match(log, /grace@example\.org/, 'the unsent mail is announced with its recipient');
    assert.doesNotMatch(log, /\/account\/activate\/[A-Za-z0-9_-]{8,}/, 'no activation link or key');
    assert.doesNotMatch(log, /made-up-secret-key/, 'no raw path of a request');
    assert.doesNotMatch(log, /please confirm your INLOOP account/i, 'no mail body');
  });
});
