//! Text from checkers made safe to store: PostgreSQL refuses NUL in text (SQLSTATE 22021).

/// `text` with every NUL replaced by U+FFFD, as invalid UTF-8 is; unchanged (no copy) otherwise.
#[must_use]
pub fn storable(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}")
    } else {
        text
    }
}

/// Bytes a checker wrote as text: invalid UTF-8 and NUL both become U+FFFD.
#[must_use]
pub fn from_bytes(bytes: &[u8]) -> String {
    storable(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_invalid_utf8_become_replacement_characters() {
        assert_eq!(from_bytes(b"a\0b\xffc"), "a\u{fffd}b\u{fffd}c");
        assert_eq!(storable("plain €".to_owned()), "plain €");
    }
}
