// Smoke test: the home page renders in a real browser, cleanly, with htmx served by the app itself.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inBrowser } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

test('home page renders without errors', { timeout: 120_000 }, async () => {
  const server = await startServer();
  await inBrowser(server, async (b) => {
    const page = await b.newPage();

    const res = await page.goto('/', { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.match(await page.title(), /INLOOP/);
    assert.equal(await page.getByRole('main').count(), 1, 'exactly one <main> landmark');

    // htmx comes from the app's own static files, under a content-hashed URL.
    assert.notEqual(await page.evaluate(() => typeof window.htmx), 'undefined', 'window.htmx is defined');
    const htmx = await page.evaluate(() => [...document.scripts].map((s) => s.src).filter((s) => /htmx/.test(s)));
    assert.ok(htmx.length > 0, 'a <script src> loads htmx');
    for (const src of htmx) {
      assert.ok(src.startsWith(`${server.url}/`), `htmx served by the app: ${src}`);
      assert.match(new URL(src).pathname + new URL(src).search, /[0-9a-f]{8,}/i, `hashed htmx URL: ${src}`);
    }

    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: `${screenshots}home.png`, fullPage: true });

    // Nothing went wrong, and nothing was fetched from anywhere but the app.
    assert.deepEqual(b.problems, []);
    assert.deepEqual(b.requests.filter((u) => !u.startsWith(`${server.url}/`) && !u.startsWith('data:')), []);
  });
});
