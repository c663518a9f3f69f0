// The file-name rules of the server (src/solutions/files.rs), checked before a round trip.

/** Why `name` cannot be a file of this set, or "" when it can. */
export function nameProblem(name, names, terms, except = null) {
  if (!plainName(name)) {
    return `"${name}" is not a plain file name: use letters, digits, dots, dashes and underscores, without folders.`;
  }
  const lower = name.toLowerCase();
  if (names.some((other) => other !== except && other.toLowerCase() === lower)) {
    return `${name} exists already.`;
  }
  if (terms.extensions.length && !terms.extensions.some((ext) => lower.endsWith(ext))) {
    return `${name} has the wrong file type: allowed are ${terms.extensions.join(", ")}.`;
  }
  if (!classNameFits(name)) {
    return `${name} cannot hold a Java class: its name must start with a letter and have only letters, digits and underscores before .java.`;
  }
  return "";
}

function plainName(name) {
  return name.length > 0 && name.length <= 100 && !name.startsWith(".")
    && !/[/\\:\p{Cc}]/u.test(name) && name.trim() === name;
}

function classNameFits(name) {
  if (!name.toLowerCase().endsWith(".java")) return true;
  return /^\p{L}[\p{L}\p{N}_]*$/u.test(name.slice(0, -5));
}
