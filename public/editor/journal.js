// Files the server has not confirmed yet, kept in this browser (localStorage) until it does.
// Each tab keeps its own journal, so a tab whose save went through never clears another tab's
// unsent work; a reload finds its tab's journal again (the tab's id lives in sessionStorage).

const prefix = (user, slug) => `inloop.editor.journal.${user}.${slug}.`;

function tabId() {
  let id = sessionStorage.getItem("inloop.editor.tab");
  if (!id) {
    id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    sessionStorage.setItem("inloop.editor.tab", id);
  }
  return id;
}

function parse(text) {
  try {
    return JSON.parse(text || "null");
  } catch {
    return null;
  }
}

/**
 * The unsent journal of this user and task, `{base, files, at}`, or null: this tab's own, else
 * the newest one another tab left (which this tab takes over).
 */
export function readJournal(user, slug) {
  const own = prefix(user, slug) + tabId();
  const mine = parse(localStorage.getItem(own));
  if (mine) return mine;
  let newest = null;
  let newestKey = null;
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (!key.startsWith(prefix(user, slug))) continue;
    const journal = parse(localStorage.getItem(key));
    if (journal && (!newest || journal.at > newest.at)) [newest, newestKey] = [journal, key];
  }
  if (newest) {
    localStorage.setItem(own, JSON.stringify(newest));
    localStorage.removeItem(newestKey);
  }
  return newest;
}

/** Keeps `files` (started from version `base`) until the server confirms them. */
export function writeJournal(user, slug, base, files) {
  try {
    localStorage.setItem(prefix(user, slug) + tabId(), JSON.stringify({ base, files, at: Date.now() }));
    return true;
  } catch {
    return false; // Storage full or disabled: the status says the work is not kept.
  }
}

export function clearJournal(user, slug) {
  localStorage.removeItem(prefix(user, slug) + tabId());
}
