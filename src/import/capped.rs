//! A command's output kept within a byte budget: its head and its tail, with a marker between.

use std::collections::VecDeque;

/// Bytes kept of the start of an output, and again of its end.
pub const PART: usize = 32 * 1024;

/// Output of any length held in at most `head + tail` bytes: a flood costs no memory.
#[derive(Debug)]
pub struct CappedLog {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    head_limit: usize,
    tail_limit: usize,
    total: u64,
}

impl Default for CappedLog {
    fn default() -> Self {
        Self::new(PART, PART)
    }
}

impl CappedLog {
    /// Keeps the first `head` and the last `tail` bytes.
    #[must_use]
    pub fn new(head: usize, tail: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            head_limit: head,
            tail_limit: tail,
            total: 0,
        }
    }

    /// Appends `chunk`, dropping from the middle what exceeds the budget.
    pub fn push(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        let room = self.head_limit - self.head.len();
        let (first, rest) = chunk.split_at(room.min(chunk.len()));
        self.head.extend_from_slice(first);
        if rest.len() >= self.tail_limit {
            self.tail.clear();
            self.tail.extend(&rest[rest.len() - self.tail_limit..]);
            return;
        }
        self.tail.extend(rest);
        let over = self.tail.len().saturating_sub(self.tail_limit);
        self.tail.drain(..over);
    }

    /// Bytes pushed in all.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes dropped from the middle.
    #[must_use]
    pub fn cut(&self) -> u64 {
        self.total - (self.head.len() + self.tail.len()) as u64
    }

    /// The text (invalid UTF-8 replaced), with `[… N bytes cut …]` where the middle went.
    #[must_use]
    pub fn into_text(self) -> String {
        let cut = self.cut();
        let tail: Vec<u8> = self.tail.into_iter().collect();
        if cut == 0 {
            let mut all = self.head;
            all.extend_from_slice(&tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        // Characters split by the cut would show as stray U+FFFD: drop their pieces.
        let head = without_partial_end(&self.head);
        let skip = tail
            .iter()
            .take(3)
            .take_while(|&&byte| is_continuation(byte))
            .count();
        format!(
            "{}\n[… {cut} bytes cut …]\n{}",
            String::from_utf8_lossy(head),
            String::from_utf8_lossy(&tail[skip..])
        )
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// `bytes` without a last character whose end is missing.
fn without_partial_end(bytes: &[u8]) -> &[u8] {
    let continuations = bytes
        .iter()
        .rev()
        .take(3)
        .take_while(|&&byte| is_continuation(byte))
        .count();
    let Some(start) = bytes.len().checked_sub(continuations + 1) else {
        return bytes;
    };
    let needed = match bytes[start] {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut log = CappedLog::new(4, 4);
        log.push(b"abc");
        log.push(b"defgh");
        assert_eq!(log.cut(), 0);
        assert_eq!(log.into_text(), "abcdefgh");
    }

    #[test]
    fn a_flood_keeps_head_and_tail_with_a_marker() {
        let mut log = CappedLog::new(5, 3);
        log.push(b"start");
        for _ in 0..10_000 {
            log.push(b"0123456789");
        }
        log.push(b"end");
        assert_eq!(log.total(), 100_008);
        assert_eq!(log.into_text(), "start\n[… 100000 bytes cut …]\nend");
    }

    #[test]
    fn one_large_chunk_is_split_too() {
        let mut log = CappedLog::new(2, 2);
        log.push(b"abcdefgh");
        assert_eq!(log.into_text(), "ab\n[… 4 bytes cut …]\ngh");
    }

    #[test]
    fn characters_split_by_the_cut_are_dropped() {
        let mut log = CappedLog::new(4, 5);
        log.push("ab€ and some more €€x".as_bytes());
        assert_eq!(log.into_text(), "ab\n[… 18 bytes cut …]\n€x");
    }
}
