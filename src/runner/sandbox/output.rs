//! Console output of a check, kept up to a limit per stream.

use std::fmt::Write as _;

/// One output stream's bytes, at most `limit` of them; memory stays bounded under any flood.
#[derive(Debug)]
pub(super) struct Capture {
    bytes: Vec<u8>,
    limit: usize,
    truncated: bool,
}

impl Capture {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            bytes: Vec::new(),
            limit,
            truncated: false,
        }
    }

    /// Appends what fits; returns `false` once more arrived than the limit allows.
    pub(super) fn push(&mut self, chunk: &[u8]) -> bool {
        let room = self.limit - self.bytes.len();
        if chunk.len() > room {
            self.bytes.extend_from_slice(&chunk[..room]);
            self.truncated = true;
        } else {
            self.bytes.extend_from_slice(chunk);
        }
        !self.truncated
    }

    /// The text with invalid UTF-8 replaced, a marker line when cut, and whether it was cut.
    pub(super) fn into_text(self) -> (String, bool) {
        if !self.truncated {
            return (crate::runner::text::from_bytes(&self.bytes), false);
        }
        let kept = without_cut_character(&self.bytes);
        let mut text = crate::runner::text::from_bytes(kept);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        // Writing to a `String` cannot fail.
        let _ = write!(text, "[output truncated after {}]", size(self.limit));
        (text, true)
    }
}

/// `bytes` without a character the limit cut in half, which would show as a stray U+FFFD.
fn without_cut_character(bytes: &[u8]) -> &[u8] {
    let continuation = |byte: u8| byte & 0b1100_0000 == 0b1000_0000;
    let tail = bytes
        .iter()
        .rev()
        .take(3)
        .take_while(|&&byte| continuation(byte));
    let Some(start) = bytes.len().checked_sub(tail.count() + 1) else {
        return bytes;
    };
    let lead = bytes[start];
    let needed = match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return bytes,
    };
    if bytes.len() - start < needed {
        &bytes[..start]
    } else {
        bytes
    }
}

/// A byte count for people: `30 KiB`, or plain bytes when not a whole number of KiB.
fn size(bytes: usize) -> String {
    if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_output_within_the_limit_unmarked() {
        let mut capture = Capture::new(10);
        assert!(capture.push(b"hello "));
        assert!(capture.push(b"you!"));
        assert_eq!(capture.into_text(), ("hello you!".to_owned(), false));
    }

    #[test]
    fn cuts_at_the_limit_with_a_marker_line() {
        let mut capture = Capture::new(2048);
        assert!(capture.push(&[b'a'; 2000]));
        assert!(!capture.push(&[b'b'; 100]));
        let (text, truncated) = capture.into_text();
        assert!(truncated);
        assert_eq!(text.len(), 2048 + "\n[output truncated after 2 KiB]".len());
        assert!(text.ends_with("bbbb\n[output truncated after 2 KiB]"));
    }

    #[test]
    fn replaces_invalid_utf8() {
        let mut capture = Capture::new(100);
        capture.push(b"ok \xff\xfe end");
        assert_eq!(capture.into_text().0, "ok \u{fffd}\u{fffd} end");
    }

    #[test]
    fn replaces_nul_which_postgresql_refuses_in_text() {
        let mut capture = Capture::new(100);
        capture.push(b"a\0b");
        assert_eq!(capture.into_text().0, "a\u{fffd}b");
    }

    #[test]
    fn drops_a_character_cut_in_half() {
        let mut capture = Capture::new(5);
        capture.push("abc€".as_bytes()); // `€` is three bytes: two of them fit
        assert_eq!(
            capture.into_text().0,
            "abc\n[output truncated after 5 bytes]"
        );
    }

    #[test]
    fn keeps_a_whole_character_at_the_limit() {
        assert_eq!(without_cut_character("ab€".as_bytes()), "ab€".as_bytes());
        assert_eq!(without_cut_character(b"ab\xe2\x82"), b"ab");
        assert_eq!(without_cut_character(b""), b"");
        assert_eq!(without_cut_character(b"\x82\x82"), b"\x82\x82");
    }
}
