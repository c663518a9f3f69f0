//! Submitted files: the rules they must meet, their receipt hash, and their copy for a check.

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One submitted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub name: String,
    pub content: Vec<u8>,
}

/// The limits a submission must stay within (runtime settings).
#[derive(Clone, Debug)]
pub struct Rules {
    /// Lower-case extensions with their dot, e.g. `.java`; empty allows any.
    pub extensions: Vec<String>,
    pub max_files: usize,
    pub max_bytes: usize,
}

/// Why files are refused, in words for the student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoFiles,
    TooMany { count: usize, max: usize },
    TooLarge { max: usize },
    BadName(String),
    Duplicate(String),
    Empty(String),
    Extension { name: String, allowed: String },
    ClassName(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoFiles => write!(f, "Please choose at least one file."),
            Self::TooMany { count, max } => {
                write!(f, "You sent {count} files; at most {max} are allowed.")
            }
            Self::TooLarge { max } => write!(
                f,
                "Your files are larger than the {} KiB allowed together.",
                max / 1024
            ),
            Self::BadName(name) => write!(
                f,
                "{name:?} is not a plain file name: use letters, digits, dots, dashes and underscores, without folders."
            ),
            Self::Duplicate(name) => write!(f, "{name} was sent twice."),
            Self::Empty(name) => write!(f, "{name} is empty."),
            Self::Extension { name, allowed } => {
                write!(f, "{name} has the wrong file type: allowed are {allowed}.")
            }
            Self::ClassName(name) => write!(
                f,
                "{name} cannot hold a Java class: its name must start with a letter and have only letters, digits and underscores before .java."
            ),
        }
    }
}

/// Whether `name` is a plain file name: no folders, no `..`, no control characters, no leading dot.
#[must_use]
pub fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && !name.chars().any(char::is_control)
        && name.trim() == name
}

/// Whether a `.java` file's name can be its public class's name (a Java identifier, `$` aside);
/// other files always can.
#[must_use]
pub fn class_name_fits(name: &str) -> bool {
    let Some(stem) = name
        .len()
        .checked_sub(5)
        .filter(|at| name.is_char_boundary(*at) && name[*at..].eq_ignore_ascii_case(".java"))
        .map(|at| &name[..at])
    else {
        return true;
    };
    let mut chars = stem.chars();
    chars.next().is_some_and(char::is_alphabetic) && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Checks a submission against the rules: at least one file, none empty, and every rule of
/// [`check_draft`]; the first problem found is the answer.
pub fn check(files: &[Upload], rules: &Rules) -> Result<(), Refusal> {
    if files.is_empty() {
        return Err(Refusal::NoFiles);
    }
    check_draft(files, rules)?;
    match files.iter().find(|file| file.content.is_empty()) {
        Some(empty) => Err(Refusal::Empty(empty.name.clone())),
        None => Ok(()),
    }
}

/// Checks files being worked on (an editor checkpoint): the number, the total size, and each
/// name (plain, unique, an allowed extension, a Java class name for `.java`). Empty files and an
/// empty set are drafts, not mistakes.
pub fn check_draft(files: &[Upload], rules: &Rules) -> Result<(), Refusal> {
    if files.len() > rules.max_files {
        return Err(Refusal::TooMany {
            count: files.len(),
            max: rules.max_files,
        });
    }
    if files.iter().map(|file| file.content.len()).sum::<usize>() > rules.max_bytes {
        return Err(Refusal::TooLarge {
            max: rules.max_bytes,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for file in files {
        if !plain_name(&file.name) {
            return Err(Refusal::BadName(file.name.clone()));
        }
        if !seen.insert(file.name.to_lowercase()) {
            return Err(Refusal::Duplicate(file.name.clone()));
        }
        let lower = file.name.to_lowercase();
        if !rules.extensions.is_empty()
            && !rules
                .extensions
                .iter()
                .any(|extension| lower.ends_with(extension.as_str()))
        {
            return Err(Refusal::Extension {
                name: file.name.clone(),
                allowed: rules.extensions.join(", "),
            });
        }
        if !class_name_fits(&file.name) {
            return Err(Refusal::ClassName(file.name.clone()));
        }
    }
    Ok(())
}

/// The receipt: SHA-256 over every file's name, length and content, in name order.
#[must_use]
pub fn receipt_hash(files: &[Upload]) -> String {
    let mut sorted: Vec<_> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hash = Sha256::new();
    for file in sorted {
        hash.update(file.name.as_bytes());
        hash.update([0]);
        hash.update((file.content.len() as u64).to_be_bytes());
        hash.update(&file.content);
    }
    hex::encode(hash.finalize())
}

/// Writes the files into `folder` (which exists), for the sandbox to copy.
pub async fn write_all(folder: &Path, files: &[Upload]) -> std::io::Result<()> {
    for file in files {
        debug_assert!(plain_name(&file.name));
        tokio::fs::write(folder.join(&file.name), &file.content).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str, content: &str) -> Upload {
        Upload {
            name: name.into(),
            content: content.as_bytes().to_vec(),
        }
    }

    fn rules() -> Rules {
        Rules {
            extensions: vec![".java".into()],
            max_files: 2,
            max_bytes: 10,
        }
    }

    #[test]
    fn each_problem_has_its_own_refusal() {
        assert_eq!(check(&[], &rules()), Err(Refusal::NoFiles));
        let three = [
            upload("A.java", "a"),
            upload("B.java", "b"),
            upload("C.java", "c"),
        ];
        assert_eq!(
            check(&three, &rules()),
            Err(Refusal::TooMany { count: 3, max: 2 })
        );
        assert_eq!(
            check(&[upload("A.java", "01234567890")], &rules()),
            Err(Refusal::TooLarge { max: 10 })
        );
        for bad in [
            "../A.java",
            "dir/A.java",
            ".hidden.java",
            "a\u{7}.java",
            "C:A.java",
            " A.java",
        ] {
            assert_eq!(
                check(&[upload(bad, "x")], &rules()),
                Err(Refusal::BadName(bad.into())),
                "{bad}"
            );
        }
        let twice = [upload("A.java", "a"), upload("a.JAVA", "b")];
        assert_eq!(
            check(&twice, &rules()),
            Err(Refusal::Duplicate("a.JAVA".into()))
        );
        assert!(matches!(
            check(&[upload("A.py", "x")], &rules()),
            Err(Refusal::Extension { .. })
        ));
        assert_eq!(
            check(&[upload("A.java", "")], &rules()),
            Err(Refusal::Empty("A.java".into()))
        );
        assert_eq!(check(&[upload("Ä1_b.JAVA", "x")], &rules()), Ok(()));
        assert_eq!(
            check(&[upload("Ä-1_b.java", "x")], &rules()),
            Err(Refusal::ClassName("Ä-1_b.java".into()))
        );
        assert_eq!(
            check(&[upload("1A.java", "x")], &rules()),
            Err(Refusal::ClassName("1A.java".into()))
        );
    }

    #[test]
    fn drafts_may_be_empty() {
        assert_eq!(check_draft(&[], &rules()), Ok(()));
        assert_eq!(check_draft(&[upload("A.java", "")], &rules()), Ok(()));
        assert_eq!(
            check_draft(&[upload("A.py", "")], &rules()),
            Err(Refusal::Extension {
                name: "A.py".into(),
                allowed: ".java".into()
            })
        );
    }

    #[test]
    fn the_receipt_does_not_depend_on_the_order() {
        let one = [upload("A.java", "a"), upload("B.java", "b")];
        let other = [upload("B.java", "b"), upload("A.java", "a")];
        assert_eq!(receipt_hash(&one), receipt_hash(&other));
        assert_ne!(
            receipt_hash(&one),
            receipt_hash(&[upload("A.java", "b"), upload("B.java", "a")])
        );
    }
}
