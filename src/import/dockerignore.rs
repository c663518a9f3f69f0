//! `.dockerignore` read the way Docker reads it (its documented rules, not `.gitignore`'s).
//!
//! A line starting with `#` is a comment; the rest is trimmed, and a leading `!` makes an
//! exception. A pattern is cleaned like a path (`./a`, `/a` and `a/` all mean `a`) and uses Go's
//! `filepath.Match` syntax plus `**` for any number of directories: `*` and `?` never match `/`.
//! A path is excluded when the last pattern matching it, or one of its parent directories, is
//! not an exception. The glob matching itself is globset's.

use globset::{GlobBuilder, GlobMatcher};

/// The patterns of one `.dockerignore`, in order.
#[derive(Debug, Default)]
pub struct DockerIgnore {
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    glob: GlobMatcher,
    exception: bool,
}

impl DockerIgnore {
    /// Parses the text of a `.dockerignore`; a pattern Docker would refuse is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rules = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let exception = pattern.starts_with('!');
            if exception {
                pattern = pattern[1..].trim();
                if pattern.is_empty() {
                    return Err("illegal exclusion pattern: \"!\"".into());
                }
            }
            let cleaned = clean(pattern);
            let glob = GlobBuilder::new(&literal_braces(&cleaned))
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|error| format!("{pattern:?}: {error}"))?
                .compile_matcher();
            rules.push(Rule { glob, exception });
        }
        Ok(Self { rules })
    }

    /// Whether any pattern is an exception, which may bring back a path below an excluded folder.
    #[must_use]
    pub fn has_exceptions(&self) -> bool {
        self.rules.iter().any(|rule| rule.exception)
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out of the context.
    #[must_use]
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = path
            .match_indices('/')
            .map(|(index, _)| &path[..index])
            .collect();
        let mut excluded = false;
        for rule in &self.rules {
            // Only a rule that could change the answer needs to be tried.
            if rule.exception != excluded {
                continue;
            }
            let matches =
                rule.glob.is_match(path) || parents.iter().any(|parent| rule.glob.is_match(parent));
            if matches {
                excluded = !rule.exception;
            }
        }
        excluded
    }
}

/// `pattern` as Go's `filepath.Clean` leaves it, without a leading `/`.
fn clean(pattern: &str) -> String {
    let rooted = pattern.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return ".".into();
    }
    parts.join("/")
}

/// Braces are plain characters to Docker, alternatives to globset.
fn literal_braces(pattern: &str) -> String {
    pattern.replace('{', "[{]").replace('}', "[}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).unwrap()
    }

    #[test]
    fn names_match_only_at_the_root_unless_starred() {
        let rules = ignore("Dockerfile\n/Makefile\n*/temp*\n");
        assert!(rules.excludes("Dockerfile"));
        assert!(rules.excludes("Makefile"));
        assert!(
            !rules.excludes("task/Dockerfile"),
            "not gitignore semantics"
        );
        assert!(rules.excludes("a/temporary.txt"));
        assert!(!rules.excludes("a/b/temporary.txt"));
        assert!(!rules.excludes("temp"));
    }

    #[test]
    fn double_stars_cross_directories() {
        let rules = ignore("**/*.class\nbuild/**\n");
        assert!(rules.excludes("A.class"));
        assert!(rules.excludes("x/y/A.class"));
        assert!(rules.excludes("build/x/y"));
        assert!(!rules.excludes("src/A.java"));
    }

    #[test]
    fn a_folder_excludes_its_content_and_exceptions_bring_files_back() {
        let rules = ignore("# comment\n  docs/  \n*.md\n!README.md\n!docs/keep.txt\n");
        assert!(rules.excludes("docs/a.txt"));
        assert!(rules.excludes("docs/deep/a.txt"));
        assert!(!rules.excludes("docs/keep.txt"));
        assert!(rules.excludes("NOTES.md"));
        assert!(!rules.excludes("README.md"));
        assert!(!rules.excludes("# comment"));
        assert!(rules.has_exceptions());
    }

    #[test]
    fn go_match_syntax() {
        let rules = ignore("file?.txt\n[^a]*.log\nliteral{braces}\nescaped\\*\n./x/../cleaned\n");
        assert!(rules.excludes("file1.txt"));
        assert!(!rules.excludes("file12.txt"));
        assert!(rules.excludes("b.log"));
        assert!(!rules.excludes("a.log"));
        assert!(rules.excludes("literal{braces}"));
        assert!(rules.excludes("escaped*"));
        assert!(!rules.excludes("escapedX"));
        assert!(rules.excludes("cleaned"));
        assert!(DockerIgnore::parse("!\n").is_err());
    }
}
