// The browser editor: files from the task's templates, autosaved checkpoints that survive a lost
// connection, files added, renamed and deleted, submitting with the live result in place, the
// submission limit, the keyboard, and a stale second tab.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inBrowser, launchBrowser, logIn } from './lib/browser.mjs';
import { helloShellTask, taskRepository } from './lib/repo.mjs';
import { startServer } from './lib/server.mjs';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
const PASSWORD = 'Tulpen-Fahrrad-Ostsee-81';
const TASK = '/solutions/editor/hello-shell/';
const CHECKPOINT = '/solutions/editor/hello-shell/checkpoint';

const taskFiles = {
  ...helloShellTask,
  'hello/templates/solution.sh': '# Greet the world here.\n',
};

/** A server with the task imported, `.sh` files allowed and the student `ada`. */
async function editorServer(settings = {}, env = {}) {
  const repo = await taskRepository(taskFiles);
  const server = await startServer({
    env,
    prepare: async (inloop) => {
      for (const [key, value] of Object.entries({ allowed_extensions: '.sh', ...settings })) {
        await inloop(['settings', 'set', key, value]);
      }
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
    },
  });
  return { repo, server };
}

async function openEditor(page) {
  await page.goto(TASK);
  await page.locator('#editor .cm-content').waitFor();
}

const editorText = (page) => page.locator('#editor .cm-content').innerText();

async function statusIs(page, text, timeout = 15_000) {
  await page.waitForFunction((want) => document.getElementById('editor-status')?.textContent === want, text, { timeout });
}

/** Types `text` at the end of the open file. */
async function typeAtEnd(page, text) {
  await page.locator('#editor .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

async function serverFiles(request) {
  const response = await request.get(CHECKPOINT);
  assert.equal(response.status(), 200);
  return (await response.json()).files;
}

test('1: the editor opens the templates, autosaves, and a reload shows the edits', { timeout: 120_000 }, async () => {
  const { repo, server } = await editorServer();
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    assert.match(await editorText(page), /# Greet the world here\./);
    await page.getByRole('tab', { name: 'solution.sh' }).waitFor();
    await page.getByText('press Esc, then Tab, to move on').waitFor();

    await typeAtEnd(page, 'echo "edited in the browser"');
    await statusIs(page, 'saved');
    // Autocompletion is off unless the runtime setting turns it on.
    await typeAtEnd(page, '\nech');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('.cm-tooltip-autocomplete').count(), 0);
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await statusIs(page, 'saved');
    await page.reload();
    await page.locator('#editor .cm-content').waitFor();
    assert.match(await editorText(page), /echo "edited in the browser"/);
    const files = await serverFiles(page.request);
    assert.match(files[0].content, /edited in the browser/);

    await mkdir(screenshots, { recursive: true });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.screenshot({ path: `${screenshots}editor-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${screenshots}editor-phone.png`, fullPage: true });
    // The view switch is remembered.
    await page.getByLabel('Task only').check();
    await page.reload();
    await page.getByLabel('Task only').waitFor();
    assert.equal(await page.getByLabel('Task only').isChecked(), true);
    assert.equal(await page.locator('#editor').isVisible(), false);
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('3: files are added, renamed and deleted; a bad name is refused with its reason', { timeout: 120_000 }, async () => {
  const { repo, server } = await editorServer();
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    const nameForm = async (button, name) => {
      await page.getByRole('button', { name: button, exact: true }).click();
      await page.getByLabel('File name').fill(name);
      await page.getByLabel('File name').press('Enter');
    };
    await nameForm('Add file', 'helper.sh');
    await page.getByRole('tab', { name: 'helper.sh' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'helper.sh' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.type('echo help');
    await nameForm('Rename', 'util.sh');
    await page.getByRole('tab', { name: 'util.sh' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'helper.sh' }).count(), 0);
    await statusIs(page, 'saved');
    let names = (await serverFiles(page.request)).map((file) => file.name);
    assert.deepEqual(names, ['solution.sh', 'util.sh']);

    for (const [bad, reason] of [
      ['../escape.sh', 'is not a plain file name'],
      ['notes.txt', 'has the wrong file type: allowed are .sh'],
      ['SOLUTION.sh', 'exists already'],
    ]) {
      await nameForm('Add file', bad);
      await page.getByRole('alert').filter({ hasText: reason }).waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
    }
    assert.equal(await page.getByRole('tab').count(), 2);

    await page.getByRole('tab', { name: 'util.sh' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForFunction(() => !document.querySelector('#editor-tabs').textContent.includes('util.sh'));
    await statusIs(page, 'saved');
    names = (await serverFiles(page.request)).map((file) => file.name);
    assert.deepEqual(names, ['solution.sh']);
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('4 and 5: submitting shows the live result in place; past the limit the button says why', { timeout: 240_000 }, async () => {
  const { repo, server } = await editorServer({ submission_limit: '1' }, { INLOOP_WORKERS: '1' });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    const submit = page.locator('#editor-submit');
    assert.equal(await submit.textContent(), 'Submit (1 of 1)');
    await typeAtEnd(page, 'echo "Hello from the editor"');
    await submit.click();
    // The verdict arrives over the result page's event stream: no reload.
    const panel = page.locator('#editor-result');
    await panel.locator('.badge-passed').waitFor({ timeout: 120_000 });
    await panel.getByText('Hello from the editor').waitFor();
    const badge = await panel.locator('.badge').first().textContent();

    await page.locator('#editor-submit[disabled]').waitFor();
    await page.getByText('Submitting is closed: You have handed in 1 solutions, as many as this task allows.').waitFor();
    // The same after a reload.
    await page.reload();
    await page.getByText('Submitting is closed: You have handed in 1 solutions').waitFor();
    assert.equal(await page.locator('#editor-submit').isDisabled(), true);

    await page.goto('/solutions/detail/hello-shell/1/');
    await page.locator('.badge-passed').waitFor();
    assert.equal(await page.locator('.badge').first().textContent(), badge);
    await page.getByText('Hello from the editor').waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('2: offline edits are kept in the browser, survive a reload and reach the server later', { timeout: 120_000 }, async () => {
  const { repo, server } = await editorServer();
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    const blockSaves = (route) => (route.request().method() === 'PUT' ? route.abort() : route.continue());
    await page.route(`**${CHECKPOINT}`, blockSaves);
    await typeAtEnd(page, 'echo "written offline"');
    await statusIs(page, 'offline — kept in this browser');

    await page.reload();
    await page.locator('#editor .cm-content').waitFor();
    assert.match(await editorText(page), /written offline/);
    await page.getByRole('alert').filter({ hasText: 'from this browser' }).waitFor();
    await statusIs(page, 'offline — kept in this browser');

    // Another browser sees nothing of it yet.
    const other = await launchBrowser({ baseURL: server.url });
    const otherPage = await other.newPage();
    await logIn(otherPage, 'ada', PASSWORD);
    assert.doesNotMatch((await serverFiles(otherPage.request))[0].content, /written offline/);

    await page.unroute(`**${CHECKPOINT}`, blockSaves);
    await statusIs(page, 'saved', 20_000);
    assert.match((await serverFiles(otherPage.request))[0].content, /written offline/);
    await other.close();
    // The blocked saves, as the browser reports them.
    const unexpected = b.problems.filter((problem) => !problem.startsWith('request failed: PUT')
      && !(problem.includes('ERR_FAILED') && problem.includes(CHECKPOINT)));
    assert.deepEqual(unexpected, []);
  }, repo.remove);
});

test('7: the keyboard reaches every control, saves and submits', { timeout: 240_000 }, async () => {
  const { repo, server } = await editorServer({}, { INLOOP_WORKERS: '1' });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    await page.locator('#view-switch input:checked').focus();
    const reached = [];
    const focused = () => page.evaluate(() => {
      let element = document.activeElement;
      while (element.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      return element.id || element.className || element.tagName;
    });
    for (let step = 0; step < 12; step += 1) {
      const here = await focused();
      reached.push(here);
      if (here === 'editor-submit') break;
      if (String(here).includes('cm-content')) {
        // CodeMirror keeps Tab for indenting; Escape, then Tab moves on.
        await page.keyboard.type('echo "typed with keys"');
        await page.keyboard.press('Control+s');
        await statusIs(page, 'saved');
        await page.keyboard.press('Escape');
      }
      await page.keyboard.press('Tab');
    }
    for (const control of ['editor-tab-0', 'editor-add', 'editor-rename', 'editor-delete', 'cm-content', 'editor-save', 'editor-submit']) {
      assert.ok(reached.some((id) => String(id).includes(control)), `${control} reached by Tab: ${reached}`);
    }
    await page.keyboard.press('Enter');
    await page.locator('#editor-result .badge-passed').waitFor({ timeout: 120_000 });
    await page.locator('#editor-result').getByText('typed with keys').waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('6: a stale tab is told so and loses nothing', { timeout: 120_000 }, async () => {
  const { repo, server } = await editorServer();
  await inBrowser(server, async (b) => {
    const first = await b.newPage();
    await logIn(first, 'ada', PASSWORD);
    await openEditor(first);
    const second = await b.newPage();
    await openEditor(second);

    await typeAtEnd(first, 'echo "from the first tab"');
    await statusIs(first, 'saved');
    await typeAtEnd(second, 'echo "from the second tab"');
    await statusIs(second, 'not saved: changed elsewhere');
    await second.getByText('saved elsewhere in the meantime').waitFor();
    assert.match(await editorText(second), /from the second tab/);

    // The first tab saving again does not drop the second tab's unsent files from the browser.
    await typeAtEnd(first, '\necho "first again"');
    await statusIs(first, 'saved');
    const journals = await second.evaluate(() => Object.keys(localStorage)
      .filter((key) => key.startsWith('inloop.editor.journal.'))
      .map((key) => localStorage.getItem(key)));
    assert.ok(journals.some((journal) => journal.includes('from the second tab')), journals.join('\n'));

    await second.getByRole('button', { name: 'Keep mine and overwrite' }).click();
    await statusIs(second, 'saved');
    assert.match((await serverFiles(second.request))[0].content, /from the second tab/);
    const unexpected = b.problems.filter((problem) => !problem.startsWith('HTTP 409')
      && !(problem.includes('409 (Conflict)') && problem.includes(CHECKPOINT)));
    assert.deepEqual(unexpected, []);
  }, repo.remove);
});

/** `moment` as meta.json writes a time (minutes; the server runs in UTC for this test). */
const metaTime = (moment) => new Date(moment).toISOString().slice(0, 16).replace('T', ' ');

test('deadlines: the header counts down, notifies at 5 and 1 minute, and submitting closes in place', { timeout: 180_000 }, async () => {
  const minute = 60_000;
  const now = Date.now();
  const thisMinute = now - (now % minute);
  const shellTask = (title, deadline) => ({
    'task.md': `# ${title}\n\nGreet the world.\n`,
    'meta.json': JSON.stringify({ title, category: 'Basics', pubdate: '2020-01-01 00:00', deadline }),
  });
  const files = { Dockerfile: taskFiles.Dockerfile, Makefile: taskFiles.Makefile };
  const tasks = {
    soon: shellTask('Soon', metaTime(thisMinute + 4 * minute)),
    closing: shellTask('Closing', metaTime(thisMinute - minute)),
    closed: shellTask('Closed', '2020-01-02 00:00'),
  };
  for (const [folder, task] of Object.entries(tasks)) {
    for (const [name, content] of Object.entries(task)) files[`${folder}/${name}`] = content;
  }
  const repo = await taskRepository(files);
  const env = { TIME_ZONE: 'UTC' };
  const server = await startServer({
    env,
    prepare: async (inloop) => {
      await inloop(['settings', 'set', 'allowed_extensions', '.sh']);
      await inloop(['load-tasks', '--url', repo.url, '--branch', 'main', '--wait']);
      await inloop(['createuser', '--username', 'ada', '--email', 'ada@example.org', '--password-stdin'], `${PASSWORD}\n`);
      // "Closing" closes about 30 seconds from now: its deadline passed, its grace has not.
      const grace = Math.ceil((Date.now() + 30_000 - (thisMinute - minute)) / 1000);
      await inloop(['settings', 'set', 'deadline_grace_seconds', String(grace)]);
    },
  });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);

    // Past the deadline and its grace: the button is disabled and says why.
    await page.goto('/solutions/editor/closed/');
    await page.locator('#editor .cm-content').waitFor();
    await page.getByText('Submitting is closed: The deadline of this task has passed.').waitFor();
    assert.equal(await page.locator('#editor-submit').isDisabled(), true);

    // Open now, closed when the grace ends, without a reload.
    await page.goto('/solutions/editor/closing/');
    await page.locator('#editor .cm-content').waitFor();
    assert.equal(await page.locator('#editor-submit').isDisabled(), false);
    await page.locator('#editor-submit[disabled]').waitFor({ timeout: 60_000 });
    await page.getByText('Submitting is closed: The deadline of this task has passed.').waitFor();

    // Notifications: the browser's API is replaced by one that records what would be shown
    // (headless Chromium shows none), and the page's clock can be moved on.
    await b.context.addInitScript(() => {
      window.shown = [];
      // Granted stays granted across reloads, as in a real browser.
      window.Notification = class {
        static get permission() { return localStorage.getItem('test.permission') || 'default'; }
        static async requestPermission() { localStorage.setItem('test.permission', 'granted'); return 'granted'; }
        constructor(title) { window.shown.push(title); }
      };
    });
    await page.clock.install();
    await page.goto('/solutions/editor/soon/');
    const countdown = page.locator('.editor-deadline [data-deadline]');
    await page.waitForFunction(() => /min \d\d s left/.test(document.querySelector('.editor-deadline [data-deadline]').textContent));
    assert.match(await countdown.getAttribute('class'), /urgent/);
    assert.equal(await page.locator('#deadline-status').textContent(), 'Less than 5 minutes left until the deadline.');
    const notify = page.getByRole('button', { name: 'Notify me 5 and 1 minute before the deadline' });
    await notify.click();
    await page.getByRole('button', { name: 'Deadline notifications on (turn off)' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Deadline notifications on/ }).getAttribute('aria-pressed'), 'true');
    await page.clock.runFor(2_000);
    assert.deepEqual(await page.evaluate(() => window.shown), ['Soon: less than 5 minutes left']);
    // 30 seconds before the deadline on the server's clock: the 1-minute notification, once.
    const left = await countdown.evaluate((element) =>
      Number(element.dataset.deadline) - Number(element.dataset.now));
    await page.clock.fastForward(left - 30_000);
    await page.clock.runFor(3_000);
    assert.deepEqual(await page.evaluate(() => window.shown),
      ['Soon: less than 5 minutes left', 'Soon: less than 1 minute left']);
    // The choice is remembered for this task in this browser.
    await page.reload();
    await page.getByRole('button', { name: 'Deadline notifications on (turn off)' }).waitFor();
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});

test('history: a saved version is previewed and restored; autocompletion when the setting is on', { timeout: 120_000 }, async () => {
  const { repo, server } = await editorServer({ editor_autocompletion: 'on' });
  await inBrowser(server, async (b) => {
    const page = await b.newPage();
    await logIn(page, 'ada', PASSWORD);
    await openEditor(page);
    await typeAtEnd(page, 'echo one');
    await statusIs(page, 'saved');
    await typeAtEnd(page, '\nprintf two');
    await statusIs(page, 'saved');

    await page.getByText('Saved versions').click();
    const first = page.locator('#editor-history-list li', { hasText: 'Version 1,' });
    await first.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('#editor-history-preview');
    await preview.getByText('echo one').waitFor();
    assert.doesNotMatch(await preview.textContent(), /printf two/);
    await first.getByRole('button', { name: 'Restore' }).click();
    await statusIs(page, 'saved: restored version 1');
    assert.doesNotMatch(await editorText(page), /printf two/);
    assert.match(await editorText(page), /echo one/);
    const files = await serverFiles(page.request);
    assert.match(files[0].content, /echo one/);
    assert.doesNotMatch(files[0].content, /printf two/);
    // The restore is a new version on top; the newer one stays in the history.
    await page.locator('#editor-history-list li', { hasText: 'Version 3,' }).waitFor();
    await page.locator('#editor-history-list li', { hasText: 'Version 2,' }).waitFor();

    // Words already in the file are offered while typing.
    await typeAtEnd(page, '\nech');
    const completions = page.locator('.cm-tooltip-autocomplete');
    await completions.getByText('echo').waitFor();
    await page.keyboard.press('Enter');
    assert.match(await editorText(page), /\necho$/);
    assert.deepEqual(b.problems, []);
  }, repo.remove);
});
