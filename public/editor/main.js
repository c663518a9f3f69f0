// The browser editor of a task page: files in tabs, checkpoints saved to the server (journaled in
// this browser until it confirms them), and submitting with the live result below.

import { EditorView, fileState, followColorScheme } from "./setup.js";
import { nameProblem } from "./names.js";
import { clearJournal, readJournal, writeJournal } from "./journal.js";
import { request } from "./server.js";
import { setUpViews } from "./views.js";
import { showResult } from "./result.js";
import { setUpHistory } from "./history.js";

const AUTOSAVE_MS = 2000;
const RETRY_MS = 5000;
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit
const $ = (id) => document.getElementById(id);

const root = $("editor");
if (root) start(root);

async function start(root) {
  const { slug, user } = root.dataset;
  const url = `/solutions/editor/${slug}`;
  const layout = document.querySelector(".task-layout");
  let terms;
  let opened;
  try {
    const [termsAnswer, openAnswer] = await Promise.all([
      request("GET", `${url}/terms`), request("GET", `${url}/checkpoint`),
    ]);
    if (termsAnswer.status !== 200 || openAnswer.status !== 200) throw new Error("not available");
    terms = termsAnswer.body;
    opened = openAnswer.body;
  } catch {
    setUpViews(user, layout, false);
    return; // The upload form still works.
  }
  const editor = new Editor(url, slug, user, terms);
  const journal = readJournal(user, slug);
  if (journal) {
    editor.load(journal.files, journal.base);
    editor.notice(`Restored ${journal.files.length === 1 ? "1 file" : `${journal.files.length} files`} from this browser with changes the server had not received yet; saving them now.`);
    editor.edits = 1;
    editor.save();
  } else {
    editor.load(opened.files, opened.version);
    editor.status("saved", opened.source === "checkpoint" ? "saved" : "not saved yet: the task's start files");
  }
  root.hidden = false;
  setUpViews(user, layout, true);
  setUpHistory(url, editor);
}

class Editor {
  constructor(url, slug, user, terms) {
    Object.assign(this, { url, slug, user, terms });
    this.files = [];
    this.active = 0;
    this.version = 0;
    this.edits = 0;
    this.saving = null;
    this.again = false;
    this.conflict = null;
    this.timers = {};
    this.options = {
      autocomplete: terms.autocompletion,
      onChange: () => this.changed(),
      onSave: () => this.save(),
    };
    // In a shadow root CodeMirror adopts its styles as constructed style sheets; in the document
    // it would add <style> elements, which the Content-Security-Policy (no inline styles) refuses.
    const shadow = $("editor-area").attachShadow({ mode: "open" });
    this.view = new EditorView({ root: shadow, parent: shadow });
    followColorScheme(this.view);
    this.wire();
    this.updateSubmit();
  }

  wire() {
    $("editor-save").addEventListener("click", () => this.save());
    $("editor-submit").addEventListener("click", () => this.submit());
    $("editor-add").addEventListener("click", () => this.askName("add"));
    $("editor-rename").addEventListener("click", () => this.askName("rename"));
    $("editor-delete").addEventListener("click", () => this.remove());
    $("editor-name-cancel").addEventListener("click", () => this.closeNameForm());
    $("editor-name-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.applyName();
    });
    $("editor-name-form").addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeNameForm();
    });
    $("editor-reload").addEventListener("click", () => this.reload());
    $("editor-overwrite").addEventListener("click", () => this.overwrite());
    $("editor-tabs").addEventListener("keydown", (event) => this.tabKey(event));
    $("editor").addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        this.save();
      }
    });
    window.addEventListener("online", () => { if (this.edits) this.save(); });
    window.addEventListener("pagehide", () => { if (this.edits) this.journal(); });
  }

  // Files and tabs.

  load(files, version) {
    this.files = files.map(({ name, content }) => ({ name, state: fileState(name, content, this.options) }));
    this.version = version;
    this.select(0);
  }

  snapshot() {
    if (this.files[this.active]) this.files[this.active].state = this.view.state;
    return this.files.map(({ name, state }) => ({ name, content: state.doc.toString() }));
  }

  select(index) {
    if (this.files[this.active] && index !== this.active) this.files[this.active].state = this.view.state;
    this.active = Math.max(0, Math.min(index, this.files.length - 1));
    const file = this.files[this.active];
    this.view.dom.hidden = !file;
    if (file) this.view.setState(file.state);
    $("editor-rename").disabled = !file;
    $("editor-delete").disabled = !file;
    this.renderTabs();
  }

  renderTabs() {
    const tabs = this.files.map(({ name }, index) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.role = "tab";
      tab.id = `editor-tab-${index}`;
      tab.className = "editor-tab";
      tab.textContent = name;
      tab.setAttribute("aria-selected", String(index === this.active));
      tab.setAttribute("aria-controls", "editor-area");
      tab.tabIndex = index === this.active ? 0 : -1;
      tab.addEventListener("click", () => this.select(index));
      return tab;
    });
    $("editor-tabs").replaceChildren(...tabs);
    if (!tabs.length) $("editor-tabs").textContent = "No files yet: add one.";
  }

  tabKey(event) {
    const moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (!(event.key in moves) || !this.files.length) return;
    event.preventDefault();
    this.select((this.active + moves[event.key] + this.files.length) % this.files.length);
    $(`editor-tab-${this.active}`).focus();
  }

  askName(mode) {
    this.nameMode = mode;
    const input = $("editor-name");
    input.value = mode === "rename" ? this.files[this.active].name : "";
    $("editor-name-error").textContent = "";
    $("editor-name-form").hidden = false;
    input.focus();
  }

  closeNameForm() {
    $("editor-name-form").hidden = true;
    $(this.nameMode === "rename" ? "editor-rename" : "editor-add").focus();
  }

  applyName() {
    const name = $("editor-name").value;
    const names = this.files.map((file) => file.name);
    const renaming = this.nameMode === "rename";
    let problem = nameProblem(name, names, this.terms, renaming ? this.files[this.active].name : null);
    if (!problem && !renaming && this.files.length >= this.terms.max_files) {
      problem = `At most ${this.terms.max_files} files are allowed.`;
    }
    if (problem) {
      $("editor-name-error").textContent = problem;
      return;
    }
    const content = renaming ? this.snapshot()[this.active].content : "";
    const file = { name, state: fileState(name, content, this.options) };
    if (renaming) this.files[this.active] = file;
    else this.files.push(file);
    $("editor-name-form").hidden = true;
    this.select(renaming ? this.active : this.files.length - 1);
    this.changed();
    this.view.focus();
  }

  remove() {
    const name = this.files[this.active].name;
    this.files.splice(this.active, 1);
    this.select(this.active);
    this.changed();
    this.status("pending", `deleted ${name}; saving soon`);
    (this.files.length ? $(`editor-tab-${this.active}`) : $("editor-add")).focus();
  }

  // Saving.

  changed() {
    this.edits += 1;
    if (!this.conflict) this.status("pending", "changes not saved yet");
    clearTimeout(this.timers.journal);
    this.timers.journal = setTimeout(() => this.journal(), 300);
    clearTimeout(this.timers.save);
    this.timers.save = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  journal() {
    clearTimeout(this.timers.journal);
    this.kept = writeJournal(this.user, this.slug, this.version, this.snapshot());
  }

  /** Saves the files shown; resolves to whether the server has them. */
  save() {
    clearTimeout(this.timers.save);
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    if (this.conflict) return Promise.resolve(false);
    this.saving = this.send().finally(() => {
      this.saving = null;
      if (this.again) {
        this.again = false;
        if (this.edits) this.save();
      }
    });
    return this.saving;
  }

  async send() {
    const sent = this.edits;
    const files = this.snapshot();
    this.journal();
    this.status("saving", "saving…");
    let answer;
    try {
      answer = await request("PUT", `${this.url}/checkpoint`, { base: this.version, files });
    } catch {
      return this.offline();
    }
    const { status, body } = answer;
    if (status === 200) {
      this.version = body.version;
      if (this.edits === sent) {
        this.edits = 0;
        clearJournal(this.user, this.slug);
        this.status("saved", "saved");
      } else {
        this.journal();
        this.again = true;
      }
      return true;
    }
    if (status === 409) {
      this.conflict = body;
      $("editor-conflict-text").textContent = `Not saved: ${body.error} Your files stay here and in this browser until you choose.`;
      $("editor-conflict").hidden = false;
      this.status("conflict", "not saved: changed elsewhere");
      return false;
    }
    if (status >= 400 && status < 500 && body && body.error) {
      this.status("refused", `not saved: ${body.error}`);
      return false;
    }
    return this.offline();
  }

  offline() {
    this.status("offline", this.kept === false ? "offline — not kept: this browser's storage refused the files" : "offline — kept in this browser");
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.save(), RETRY_MS);
    return false;
  }

  async reload() {
    const { status, body } = await request("GET", `${this.url}/checkpoint`);
    if (status !== 200) return;
    this.replace(body.files, body.version, "saved: loaded the files saved elsewhere");
    $("editor-save").focus();
  }

  /** Shows files the server has as they are there (a reload or a restored version). */
  replace(files, version, text) {
    this.conflict = null;
    $("editor-conflict").hidden = true;
    this.edits = 0;
    clearJournal(this.user, this.slug);
    this.load(files, version);
    this.status("saved", text);
  }

  async overwrite() {
    // The stored version may have moved on since the refusal.
    let { version } = this.conflict;
    try {
      const { status, body } = await request("GET", `${this.url}/checkpoint`);
      if (status === 200) ({ version } = body);
    } catch { /* Offline: the save says so. */ }
    this.version = version;
    this.conflict = null;
    $("editor-conflict").hidden = true;
    this.edits = Math.max(this.edits, 1);
    $("editor-save").focus();
    return this.save();
  }

  status(kind, text) {
    const element = $("editor-status");
    element.dataset.state = kind;
    element.textContent = text;
  }

  notice(text) {
    $("editor-notice").textContent = text;
    $("editor-notice").hidden = false;
  }

  // Submitting.

  updateSubmit() {
    this.watchDeadline();
    const { closed, limit, handed_in: handedIn } = this.terms;
    const button = $("editor-submit");
    button.disabled = Boolean(closed);
    button.textContent = limit == null ? "Submit" : `Submit (${Math.min(handedIn + 1, limit)} of ${limit})`;
    $("editor-submit-reason").textContent = closed ? `Submitting is closed: ${closed}` : "";
  }

  async submit() {
    const reason = $("editor-submit-reason");
    if (this.edits || this.conflict) {
      const saved = await this.save();
      if (!saved && (this.edits || this.conflict)) {
        reason.textContent = this.conflict
          ? "Not submitted: these files were saved elsewhere in the meantime; choose which to keep first."
          : "Not submitted: the server cannot be reached. Your work is kept in this browser; submit again once you are back online.";
        return;
      }
    }
    reason.textContent = "Submitting…";
    let answer;
    try {
      answer = await request("POST", `${this.url}/submit`, { files: this.snapshot() });
    } catch {
      reason.textContent = "Not submitted: the server cannot be reached. Your work is kept; submit again once you are back online.";
      return;
    }
    const { status, body } = answer;
    if (status === 201) {
      reason.textContent = body.receipt;
      showResult(this.slug, body.number, body.url, this.terms.events);
    } else {
      reason.textContent = `Not submitted: ${body && body.error ? body.error : `the server answered ${status}.`}`;
    }
    await this.refreshTerms();
    if (status === 201 && !this.terms.closed) reason.textContent = body.receipt;
  }

  // The server's terms again (submissions left, closed or not), and the button with them.
  async refreshTerms() {
    try {
      const terms = await request("GET", `${this.url}/terms`);
      if (terms.status === 200) this.terms = terms.body;
    } catch { /* The label stays as it was. */ }
    this.updateSubmit();
  }

  // Submitting closes at the deadline (with its grace): ask the server again just after, so the
  // button says so without a reload.
  watchDeadline() {
    clearTimeout(this.timers.deadline);
    const left = this.terms.closes_in_ms;
    if (left == null || left > MAX_TIMER_MS) return;
    this.timers.deadline = setTimeout(() => this.refreshTerms(), left + 1000);
  }
}
