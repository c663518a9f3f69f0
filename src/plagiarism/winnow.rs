//! The pre-filter: which pairs of submissions are worth tiling at all.
//!
//! Each submission is reduced to a set of fingerprints by winnowing (Schleimer, Wilkerson and
//! Aiken, 2003): hash every k-gram of its tokens, slide a window over `w` consecutive k-gram
//! hashes and keep the smallest hash of every window. Two streams that share a run of at least
//! `k + w - 1` tokens share a whole window of k-grams, so both keep its smallest hash: with
//! `k + w - 1 <= min_match`, every pair that has a tile shares a fingerprint. An inverted index
//! from fingerprint to submissions then names the pairs that share one.

use std::collections::HashMap;

use super::tiling::{BASE, code};

/// Consecutive k-grams per winnowing window.
pub const WINDOW: usize = 4;

/// The k-gram length for a minimum tile length: the longest that keeps the guarantee
/// (`k + WINDOW - 1 <= min_match`), at least 1.
#[must_use]
pub fn kgram_len(min_match: usize) -> usize {
    (min_match + 1).saturating_sub(WINDOW).max(1)
}

/// The winnowed fingerprints of `tokens`, sorted and without repeats. k-grams that contain a
/// blocked token (a file end, base code) are left out, as are windows containing such a k-gram.
#[must_use]
pub fn fingerprints(tokens: &[u32], blocked: &[bool], k: usize) -> Vec<u64> {
    let k = k.max(1);
    let hashes = kgram_hashes(tokens, blocked, k);
    let mut kept: Vec<u64> = hashes
        .windows(WINDOW)
        .filter_map(|window| {
            window
                .iter()
                .try_fold(u64::MAX, |least, hash| hash.map(|hash| hash.min(least)))
        })
        .collect();
    kept.sort_unstable();
    kept.dedup();
    kept
}

/// The hash of every k-gram, `None` where it contains a blocked token.
fn kgram_hashes(tokens: &[u32], blocked: &[bool], k: usize) -> Vec<Option<u64>> {
    let mut highest = 1u64;
    for _ in 1..k {
        highest = highest.wrapping_mul(BASE);
    }
    let mut hashes = Vec::with_capacity(tokens.len());
    let mut hash = 0u64;
    let mut blocked_inside = 0;
    for (at, &token) in tokens.iter().enumerate() {
        if at >= k {
            hash = hash.wrapping_sub(highest.wrapping_mul(code(tokens[at - k])));
            blocked_inside -= usize::from(blocked[at - k]);
        }
        hash = hash.wrapping_mul(BASE).wrapping_add(code(token));
        blocked_inside += usize::from(blocked[at]);
        if at + 1 >= k {
            hashes.push((blocked_inside == 0).then(|| mix(hash)));
        }
    }
    hashes
}

/// Spreads a polynomial hash over all 64 bits, so the smallest one of a window is any of them
/// with equal chance (the finaliser of splitmix64).
fn mix(mut hash: u64) -> u64 {
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The pairs `(i, j)`, `i < j`, of submissions (by index) worth comparing in full, in order:
/// those sharing a fingerprint that is not common, and those sharing at least half the
/// fingerprints of the smaller one however common they are. A fingerprint found in more than
/// `common_share` of all submissions (and in more than two) is code nearly everyone writes the
/// same way and does not make a pair by itself; the second rule keeps a large group of copies,
/// whose fingerprints are all common, from getting lost that way.
#[must_use]
pub fn candidate_pairs(fingerprints: &[Vec<u64>], common_share: f64) -> Vec<(usize, usize)> {
    let count = fingerprints.len();
    let mut holders: HashMap<u64, Vec<usize>> = HashMap::new();
    for (submission, prints) in fingerprints.iter().enumerate() {
        for &print in prints {
            holders.entry(print).or_default().push(submission);
        }
    }
    // The share of a few hundred or thousand submissions: far inside f64's exact integers.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "counts of submissions are small"
    )]
    let common = ((common_share * count as f64).floor() as usize).max(2);
    let pairs = Triangle(count);
    let mut shared = vec![0u16; pairs.len()];
    let mut rare = vec![false; pairs.len()];
    for submissions in holders.values() {
        for (at, &i) in submissions.iter().enumerate() {
            for &j in &submissions[at + 1..] {
                let pair = pairs.index(i, j);
                shared[pair] = shared[pair].saturating_add(1);
                rare[pair] |= submissions.len() <= common;
            }
        }
    }
    (0..count)
        .flat_map(|i| (i + 1..count).map(move |j| (i, j)))
        .filter(|&(i, j)| {
            let pair = pairs.index(i, j);
            let smaller = fingerprints[i].len().min(fingerprints[j].len());
            rare[pair] || (shared[pair] > 0 && 2 * usize::from(shared[pair]) >= smaller)
        })
        .collect()
}

/// The pairs `i < j` of `n` submissions laid out one after the other.
struct Triangle(usize);

impl Triangle {
    fn len(&self) -> usize {
        self.0 * self.0.saturating_sub(1) / 2
    }

    /// Row `i` holds the pairs `(i, i+1) … (i, n-1)`, after the `i` rows before it.
    fn index(&self, i: usize, j: usize) -> usize {
        debug_assert!(i < j && j < self.0);
        i * self.0 - i * (i + 1) / 2 + (j - i - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prints(tokens: &[u32], k: usize) -> Vec<u64> {
        fingerprints(tokens, &vec![false; tokens.len()], k)
    }

    #[test]
    fn a_shared_run_of_k_plus_w_minus_1_tokens_shares_a_fingerprint() {
        let k = kgram_len(12);
        assert_eq!(k + WINDOW - 1, 12);
        let run: Vec<u32> = (100..112).collect();
        for prefix in 0..20 {
            let mut a: Vec<u32> = (0..prefix).collect();
            a.extend(&run);
            let mut b = run.clone();
            b.extend(200..230);
            let (a, b) = (prints(&a, k), prints(&b, k));
            assert!(a.iter().any(|print| b.contains(print)), "prefix {prefix}");
        }
    }

    #[test]
    fn blocked_tokens_leave_no_fingerprints() {
        let tokens: Vec<u32> = (0..30).collect();
        assert!(fingerprints(&tokens, &[true; 30], 5).is_empty());
        assert!(!prints(&tokens, 5).is_empty());
    }

    #[test]
    fn pairs_come_from_shared_rare_fingerprints() {
        let sets = vec![
            vec![1, 2, 3, 20, 21, 22],
            vec![1, 2, 3, 23, 24, 25],
            vec![1, 4, 5, 6, 26, 27],
            vec![1, 2, 7, 10, 28, 29],
            vec![6, 11, 12, 13, 30, 31],
        ];
        // 1 and 2 are common at a share of 0.5 (in more than 2 of 5); 3 and 6 are not.
        assert_eq!(candidate_pairs(&sets, 0.5), [(0, 1), (2, 4)]);
        assert_eq!(candidate_pairs(&sets, 1.0).len(), 7);
    }

    #[test]
    fn a_large_group_of_copies_stays_a_candidate() {
        let copy = vec![1, 2, 3, 4];
        let sets = vec![copy.clone(), copy.clone(), vec![5, 6, 7, 8], copy];
        assert_eq!(candidate_pairs(&sets, 0.5), [(0, 1), (0, 3), (1, 3)]);
    }

    #[test]
    fn the_triangle_numbers_every_pair_once() {
        let pairs = Triangle(5);
        let indexes: Vec<usize> = (0..5)
            .flat_map(|i| (i + 1..5).map(move |j| (i, j)))
            .map(|(i, j)| pairs.index(i, j))
            .collect();
        assert_eq!(indexes, (0..10).collect::<Vec<_>>());
        assert_eq!(pairs.len(), 10);
    }
}
