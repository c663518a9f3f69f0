// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with a fresh context
// that records what a test usually wants to be empty: console errors (CSP violations among them),
// uncaught page errors, failed requests and HTTP error responses.
//
//   const b = await launchBrowser({ baseURL: server.url });
//   const page = await b.context.newPage();
//   await page.goto('/');
//   assert.deepEqual(b.problems, []);
//   await b.close();
//
// Or, for a whole test: `await inBrowser(server, async (b) => { … }, repo.remove);`
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export async function launchBrowser({ baseURL, contextOptions = {} } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ baseURL, ...contextOptions });

  const problems = []; // human-readable lines, one per problem
  const requests = []; // every URL the pages requested
  context.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (at ${msg.location().url || '?'})`);
  });
  context.on('weberror', (err) => problems.push(`page error: ${err.error().message}`));
  context.on('request', (req) => requests.push(req.url()));
  context.on('requestfailed', (req) => {
    const error = req.failure()?.errorText;
    // Leaving a page closes its event stream and stops the icon the browser fetches after the
    // page loaded, which the browser reports as aborted.
    const path = new URL(req.url()).pathname;
    const left = error === 'net::ERR_ABORTED' && (path.endsWith('/events') || path.startsWith('/static/favicon.'));
    if (!left) problems.push(`request failed: ${req.method()} ${req.url()}: ${error}`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });

  return {
    browser,
    context,
    problems,
    requests,
    newPage: () => context.newPage(),
    close: () => browser.close(),
  };
}

/** Logs `page` in through the login form and waits for the page after it. */
export async function logIn(page, username, password) {
  await page.goto('/login/');
  await page.getByLabel('Username or e-mail address').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/**
 * Runs `body(b)` with a fresh browser on `server`; a failure carries the server's output. Then
 * closes the browser, stops the server and runs the `cleanups` (repository, mail sink), whatever
 * happened.
 */
export async function inBrowser(server, body, ...cleanups) {
  let b;
  try {
    b = await launchBrowser({ baseURL: server.url });
    await body(b);
  } catch (err) {
    err.message += `\n--- server output ---\n${server.output()}`;
    throw err;
  } finally {
    await b?.close();
    await server.stop();
    for (const cleanup of cleanups) await cleanup();
  }
}
