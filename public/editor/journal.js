// Files the server has not confirmed yet, kept in this browser (localStorage) until it does.

const key = (user, slug) => `inloop.editor.journal.${user}.${slug}`;

/** The unsent journal of this user and task: `{base, files, at}`, or null. */
export function readJournal(user, slug) {
  try {
    return JSON.parse(localStorage.getItem(key(user, slug)) || "null");
  } catch {
    return null;
  }
}

/** Keeps `files` (started from version `base`) until the server confirms them. */
export function writeJournal(user, slug, base, files) {
  try {
    localStorage.setItem(key(user, slug), JSON.stringify({ base, files, at: Date.now() }));
    return true;
  } catch {
    return false; // Storage full or disabled: the status says the work is not kept.
  }
}

export function clearJournal(user, slug) {
  localStorage.removeItem(key(user, slug));
}
