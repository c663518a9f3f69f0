//! Greedy String Tiling (Michael Wise, 1993): the copied regions two token streams share.
//!
//! A tile is a run of equal tokens in both streams. The longest runs of tokens that no tile covers
//! yet become tiles first, then the next longest, until no run of at least `min_match` tokens is
//! left; a token belongs to at most one tile on each side, so moved blocks are found in any order
//! and nothing is counted twice. Runs are found through Karp-Rabin hashes of every `min_match`
//! window (the idea of Wise's "Running Karp-Rabin" variant): a window of the first stream is only
//! compared with the windows of the second whose hash is the same.

/// A run of `len` equal tokens, at `a` in the first stream and at `b` in the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    pub a: usize,
    pub b: usize,
    pub len: usize,
}

/// A token stream ready for tiling: its tokens, those no tile may cover (file ends, base code),
/// and the hash of every window of `min_match` tokens that a tile could start with.
pub struct Prepared {
    tokens: Vec<u32>,
    blocked: Vec<bool>,
    min_match: usize,
    /// Windows that may start a tile, in stream order: (start, hash).
    starts: Vec<(usize, u64)>,
    /// The same windows ordered by hash, to find a window's partners.
    by_hash: Vec<(u64, usize)>,
}

impl Prepared {
    /// Prepares `tokens`, where tokens with `blocked` set never become part of a tile. A
    /// `min_match` of 0 counts as 1.
    #[must_use]
    pub fn new(tokens: Vec<u32>, blocked: Vec<bool>, min_match: usize) -> Self {
        debug_assert_eq!(tokens.len(), blocked.len());
        let min_match = min_match.max(1);
        let starts = window_hashes(&tokens, &blocked, min_match);
        let mut by_hash: Vec<(u64, usize)> = starts.iter().map(|&(at, hash)| (hash, at)).collect();
        by_hash.sort_unstable();
        Self {
            tokens,
            blocked,
            min_match,
            starts,
            by_hash,
        }
    }

    #[must_use]
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    #[must_use]
    pub fn blocked(&self) -> &[bool] {
        &self.blocked
    }

    #[must_use]
    pub fn min_match(&self) -> usize {
        self.min_match
    }

    /// How many tokens may be part of a tile.
    #[must_use]
    pub fn open_tokens(&self) -> usize {
        self.blocked.iter().filter(|&&blocked| !blocked).count()
    }
}

/// The tiles `a` and `b` share, longest first (in stream order of `a` among equal lengths).
/// Both must have been prepared with the same `min_match`.
#[must_use]
pub fn tiles(a: &Prepared, b: &Prepared) -> Vec<Tile> {
    debug_assert_eq!(a.min_match, b.min_match);
    let mut marked_a = a.blocked.clone();
    let mut marked_b = b.blocked.clone();
    let mut tiles = Vec::new();
    loop {
        let mut runs = maximal_runs(a, b, &marked_a, &marked_b);
        if runs.is_empty() {
            return tiles;
        }
        runs.sort_by(|x, y| y.len.cmp(&x.len).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
        // Runs of one length become tiles together. A run that overlaps a new tile may still
        // leave a shorter run beside it, which only a new search finds: after the length where
        // that happened, search again rather than tile shorter runs out of order.
        let mut occluded_at = None;
        for run in runs {
            if occluded_at.is_some_and(|len| len > run.len) {
                break;
            }
            let free = !marked_a[run.a..run.a + run.len].contains(&true)
                && !marked_b[run.b..run.b + run.len].contains(&true);
            if free {
                marked_a[run.a..run.a + run.len].fill(true);
                marked_b[run.b..run.b + run.len].fill(true);
                tiles.push(run);
            } else {
                occluded_at = Some(run.len);
            }
        }
        if occluded_at.is_none() {
            return tiles;
        }
    }
}

/// Every run of at least `min_match` equal unmarked tokens that cannot be extended to the left
/// or right (each run once, from its start).
fn maximal_runs(a: &Prepared, b: &Prepared, marked_a: &[bool], marked_b: &[bool]) -> Vec<Tile> {
    let window = a.min_match;
    let open = |at: usize, marked: &[bool], other: usize, other_marked: &[bool]| {
        !marked[at] && !other_marked[other]
    };
    let mut runs = Vec::new();
    for &(p, hash) in &a.starts {
        if marked_a[p..p + window].contains(&true) {
            continue;
        }
        let first = b.by_hash.partition_point(|&(h, _)| h < hash);
        for &(_, q) in b.by_hash[first..].iter().take_while(|&&(h, _)| h == hash) {
            // A run that extends to the left was (or will be) found from its true start.
            if p > 0
                && q > 0
                && open(p - 1, marked_a, q - 1, marked_b)
                && a.tokens[p - 1] == b.tokens[q - 1]
            {
                continue;
            }
            let mut len = 0;
            while p + len < a.tokens.len()
                && q + len < b.tokens.len()
                && open(p + len, marked_a, q + len, marked_b)
                && a.tokens[p + len] == b.tokens[q + len]
            {
                len += 1;
            }
            if len >= window {
                runs.push(Tile { a: p, b: q, len });
            }
        }
    }
    runs
}

/// Karp-Rabin hashes of every window of `window` tokens without a blocked token: (start, hash).
fn window_hashes(tokens: &[u32], blocked: &[bool], window: usize) -> Vec<(usize, u64)> {
    let mut starts = Vec::new();
    if tokens.len() < window {
        return starts;
    }
    let mut highest = 1u64;
    for _ in 1..window {
        highest = highest.wrapping_mul(BASE);
    }
    let mut hash = 0u64;
    let mut blocked_inside = 0;
    for (at, &token) in tokens.iter().enumerate() {
        if at >= window {
            let leaving = at - window;
            hash = hash.wrapping_sub(highest.wrapping_mul(code(tokens[leaving])));
            blocked_inside -= usize::from(blocked[leaving]);
        }
        hash = hash.wrapping_mul(BASE).wrapping_add(code(token));
        blocked_inside += usize::from(blocked[at]);
        if at + 1 >= window && blocked_inside == 0 {
            starts.push((at + 1 - window, hash));
        }
    }
    starts
}

/// The multiplier of the rolling hash (odd, so no token's weight vanishes modulo 2^64).
pub(super) const BASE: u64 = 0x0100_0000_01b3;

/// A token's value in the rolling hash (never 0, so leading zeros still count).
pub(super) fn code(token: u32) -> u64 {
    u64::from(token) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream without blocked tokens.
    fn open(tokens: &[u32], min_match: usize) -> Prepared {
        Prepared::new(tokens.to_vec(), vec![false; tokens.len()], min_match)
    }

    fn tile(a: &[u32], b: &[u32], min_match: usize) -> Vec<Tile> {
        tiles(&open(a, min_match), &open(b, min_match))
    }

    #[test]
    fn empty_inputs_have_no_tiles() {
        assert!(tile(&[], &[], 3).is_empty());
        assert!(tile(&[1, 2, 3], &[], 3).is_empty());
        assert!(tile(&[], &[1, 2, 3], 1).is_empty());
    }

    #[test]
    fn min_match_longer_than_the_inputs_finds_nothing() {
        assert!(tile(&[1, 2, 3], &[1, 2, 3], 4).is_empty());
        assert_eq!(
            tile(&[1, 2, 3], &[1, 2, 3], 3),
            [Tile { a: 0, b: 0, len: 3 }]
        );
        // 0 counts as 1.
        assert_eq!(tile(&[7], &[7], 0), [Tile { a: 0, b: 0, len: 1 }]);
    }

    #[test]
    fn moved_blocks_become_separate_tiles_longest_first() {
        let a = [1, 2, 3, 4, 9, 5, 6, 7];
        let b = [5, 6, 7, 8, 1, 2, 3, 4];
        assert_eq!(
            tile(&a, &b, 3),
            [Tile { a: 0, b: 4, len: 4 }, Tile { a: 5, b: 0, len: 3 }]
        );
    }

    #[test]
    fn overlapping_repeats_are_counted_once() {
        // `1 2 1 2 1 2` against one copy of `1 2 1 2`: one tile, not overlapping ones.
        let found = tile(&[1, 2, 1, 2, 1, 2], &[1, 2, 1, 2], 2);
        assert_eq!(found, [Tile { a: 0, b: 0, len: 4 }]);
        // A run repeated on both sides pairs each copy with one partner.
        let found = tile(&[3, 3, 3, 3, 3, 3], &[3, 3, 3], 2);
        assert_eq!(found.iter().map(|t| t.len).sum::<usize>(), 3);
        let found = tile(&[5, 6, 7, 5, 6, 7], &[5, 6, 7, 5, 6, 7], 3);
        assert_eq!(found, [Tile { a: 0, b: 0, len: 6 }]);
    }

    #[test]
    fn a_partly_covered_run_still_yields_its_rest() {
        // The long run [1..=6] takes 4 5 6 from the shorter [4..=9]; 7 8 9 remain a tile.
        let a = [1, 2, 3, 4, 5, 6, 0, 4, 5, 6, 7, 8, 9];
        let b = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        let found = tile(&a, &b, 3);
        assert_eq!(found[0], Tile { a: 0, b: 0, len: 6 });
        assert_eq!(
            found[1..],
            [Tile {
                a: 10,
                b: 6,
                len: 3
            }]
        );
    }

    #[test]
    fn blocked_tokens_split_runs() {
        let a = Prepared::new(
            vec![1, 2, 3, 4, 5, 6],
            vec![false, false, false, true, false, false],
            2,
        );
        let b = open(&[1, 2, 3, 4, 5, 6], 2);
        assert_eq!(
            tiles(&a, &b),
            [Tile { a: 0, b: 0, len: 3 }, Tile { a: 4, b: 4, len: 2 }]
        );
        assert_eq!(a.open_tokens(), 5);
    }
}
