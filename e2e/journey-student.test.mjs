// A student's whole way through a course in one browser session (issue 17), on PostgreSQL and
// Redis: sign up, activate from the mailed link, log in, browse to a task, write the solution in
// the editor, hand it in and watch it go from the queue to its verdict without a reload, read the
// failing test, fix it, hand it in again and pass, download the solution as a zip, and find the
// task solved on the overview.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inBrowser } from './lib/browser.mjs';
import { startMailSink } from './lib/mail.mjs';
import { taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const PASSWORD = 'Tulpen-Fahrrad-Ostsee-81';

// The checker runs the submitted script and writes a JUnit report of two tests, one of which
// compares the greeting; it takes a second, so the page shows the check running.
const check = `#!/bin/sh
sleep 1
out=$(sh /checker/input/solution.sh 2>&1)
echo "$out"
if [ "$out" = "Hello, world!" ]; then
  greets='<testcase classname="HelloTest" name="greets the world" time="0.01"/>'; failures=0
else
  greets="<testcase classname=\\"HelloTest\\" name=\\"greets the world\\" time=\\"0.01\\"><failure message=\\"expected Hello, world! but got $out\\" type=\\"AssertionError\\">at HelloTest.greets(HelloTest.java:7)</failure></testcase>"
  failures=1
fi
cat >/checker/output/storage/TEST-HelloTest.xml <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="HelloTest" tests="2" failures="$failures" errors="0" skipped="0" time="0.02">
<testcase classname="HelloTest" name="runs" time="0.01"/>
$greets
</testsuite>
EOF
exit $failures
`;

const taskFiles = {
  Dockerfile: 'FROM inloop-test/busybox:1\nCOPY check.sh /checker/check.sh\nUSER nobody\nENTRYPOINT ["/bin/sh", "/checker/check.sh"]\n',
  'check.sh': check,
  Makefile: 'all:\n\ttrue\n',
  'hello/task.md': '# Hello\n\nWrite `solution.sh` that prints `Hello, world!`.\n',
  'hello/meta.json': JSON.stringify({ title: 'Hello Shell', category: 'Basics', pubdate: '2020-01-01 00:00' }),
  'hello/templates/solution.sh': '# Greet the world here.\n',
};

/** Records the result panel's status classes as they change, in the page itself: a reload would lose them. */
async function recordStatuses(page) {
  await page.evaluate(() => {
    window.seenStatuses = [];
    const note = () => {
      const progress = document.querySelector('#editor-result #progress');
      const status = progress && [...progress.classList].find((name) => name.startsWith('status-'));
      if (status && window.seenStatuses.at(-1) !== status) window.seenStatuses.push(status.slice(7));
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
    note();
  });
}

/** Replaces the open editor file's text with `text`. */
async function replaceText(page, text) {
  await page.locator('#editor .cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

test('a student signs up, solves a task in the editor after a failed test, and downloads it', { timeout: 300_000 }, async () => {
  const mail = await startMailSink();
  const repo = await taskRepository(taskFiles);
  const server = await startServer({
    production: true,
    env: { EMAIL_URL: mail.url, INLOOP_WORKERS: '1' },
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
    },
  });
  const downloads = await mkdtemp(join(tmpdir(), 'inloop-e2e-zip-'));
  await inBrowser(server, async (b) => {
    const page = await b.newPage();

    // Sign up, activate from the mail, log in.
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign up' }).first().click();
    await page.getByLabel('Username').fill('grace');
    await page.getByLabel('E-mail address').fill('grace@example.org');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password (again)').fill(PASSWORD);
    await page.getByLabel(/I have read and agree/).check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Almost done' }).waitFor();
    await page.goto(await mail.linkTo('grace@example.org', '/account/activate/'));
    await page.getByRole('heading', { name: 'Account activated' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Username or e-mail address').fill('grace');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'grace' }).waitFor();

    // Browse: the tasks overview, the category, the task with its editor.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
    await page.getByText('0 of 1 solved').waitFor();
    await page.getByRole('link', { name: /Basics/ }).first().click();
    await page.getByRole('link', { name: 'Hello Shell' }).click();
    await page.getByRole('heading', { name: 'Hello Shell' }).waitFor();
    await page.locator('#editor .cm-content').waitFor();
    assert.match(await page.locator('#editor .cm-content').innerText(), /# Greet the world here\./);

    // A wrong greeting: the result comes in place, from the queue to the verdict, no reload.
    await replaceText(page, 'echo "Hello, World"');
    await recordStatuses(page);
    await page.locator('#editor-submit').click();
    const panel = page.locator('#editor-result');
    await panel.locator('#progress.status-failed').waitFor({ timeout: 120_000 });
    const seen = await page.evaluate(() => window.seenStatuses);
    assert.ok(seen.includes('running'), `the check was seen running: ${seen}`);
    assert.equal(seen.at(-1), 'failed', `${seen}`);
    assert.ok(['queued', 'running'].includes(seen[0]), `it starts in the queue or running: ${seen}`);
    await panel.getByText('1 of 2 tests passed').waitFor();

    // The failing test says why; its trace opens on demand.
    const failing = panel.locator('li.test-failed');
    await failing.getByText('greets the world: expected Hello, world! but got Hello, World').waitFor();
    await failing.locator('summary').click();
    await failing.getByText('at HelloTest.greets(HelloTest.java:7)').waitFor();

    // Fixed and handed in again: passed.
    await replaceText(page, 'echo "Hello, world!"');
    await page.locator('#editor-submit').click();
    await panel.locator('#progress.status-passed').waitFor({ timeout: 120_000 });
    await panel.getByText('2 of 2 tests passed').waitFor();

    // The solution page offers the handed-in files as a zip.
    await page.goto('/solutions/detail/hello-shell/2/');
    await page.locator('.badge-passed').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as zip' }).click(),
    ]);
    const zip = join(downloads, download.suggestedFilename());
    await download.saveAs(zip);
    const listed = execFileSync('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        print(name, z.read(name).decode().strip(), sep=": ")
`, zip]).toString();
    assert.match(listed, /solution\.sh: echo "Hello, world!"/);

    // The overview counts the task as solved.
    await page.goto('/tasks/');
    await page.getByText('1 of 1 solved').waitFor();
    // Chromium reports a link that turns into a download as an aborted navigation.
    assert.deepEqual(b.problems.filter((p) => !/\/download: net::ERR_ABORTED$/.test(p)), []);
  }, async () => {
    await mail.stop();
    await repo.remove();
    await rm(downloads, { recursive: true, force: true });
  });
});
