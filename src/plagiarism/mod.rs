//! Plagiarism detection: which submissions of a task share more code than chance explains, and
//! the checks staff request, run as jobs any instance may take (`runs`, `job`, `worker`).
//!
//! Every submission becomes a stream of normalised tokens (`tokens`), so renaming, reformatting,
//! new comments and changed literals do not hide a copy. Code of the task's templates (the base
//! code every student starts from) is removed first. A cheap pre-filter (`winnow`) picks the pairs
//! that share any fingerprint; only those are compared in full by Greedy String Tiling (`tiling`),
//! which finds the copied regions even when blocks were moved. A pair's similarity is JPlag's
//! average similarity: twice the tokens covered by tiles over the tokens of both submissions.

pub mod commands;
mod job;
pub mod pairs;
pub mod runs;
pub mod store;
mod tiling;
mod tokens;
mod winnow;
pub mod worker;

#[cfg(test)]
mod tests;

use std::num::NonZero;
use std::sync::atomic::{AtomicUsize, Ordering};

use rocket::fairing::AdHoc;
use rocket_db_pools::Database;

use tiling::{Prepared, Tile};
use tokens::{Token, Tokenizer};
pub use worker::Doorbell;

use crate::config::Config;
use crate::db::Db;

/// The run queue's wake-up, and the loop that runs requested checks (from liftoff to shutdown).
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Plagiarism", |rocket| async {
        rocket
            .manage(Doorbell::default())
            .attach(AdHoc::on_liftoff("Plagiarism loop", |rocket| {
                Box::pin(async move {
                    let db = Db::fetch(rocket).expect("database is attached").0.clone();
                    let config = rocket.state::<Config>().expect("config is managed");
                    let instance = config.instance_name(&rocket.config().port.to_string());
                    let doorbell = rocket
                        .state::<Doorbell>()
                        .expect("doorbell is managed")
                        .clone();
                    tokio::spawn(worker::run(db, instance, doorbell, rocket.shutdown()));
                })
            }))
    })
}

/// One file of a submission or of the base code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub content: String,
}

/// One student's solution: its id (reported back in pairs) and its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub id: i64,
    pub files: Vec<Source>,
}

/// How closely submissions are compared and which pairs are reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The shortest run of equal tokens that counts as copied (a tile); shorter runs are chance.
    pub min_match: usize,
    /// Pairs with at least this similarity (0 to 1) are reported.
    pub threshold: f64,
    /// For the pre-filter only: code found in more than this share of all submissions (idioms
    /// everyone writes alike) does not make a pair worth comparing by itself.
    pub common_share: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            min_match: 12,
            threshold: 0.9,
            common_share: 0.02,
        }
    }
}

/// The outcome of comparing a whole set of submissions.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The pairs at or above the threshold, most similar first.
    pub pairs: Vec<Pair>,
    /// How many pairs were compared in full (tiled).
    pub full_comparisons: usize,
    /// How many pairs the pre-filter let through.
    pub candidate_pairs: usize,
}

/// Two submissions (by id) that share code, with the regions they share.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub a: i64,
    pub b: i64,
    /// Twice the shared tokens over both submissions' tokens, base code left out (0 to 1).
    pub similarity: f64,
    /// The shared regions, in the order of `a`'s files and lines.
    pub matches: Vec<Match>,
}

/// One copied region: where it is in either submission (1-based, inclusive lines) and its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub file_a: String,
    pub lines_a: (u32, u32),
    pub file_b: String,
    pub lines_b: (u32, u32),
    pub tokens: usize,
}

/// A submission as the comparison sees it: where each token came from, and the stream with
/// file ends and base code blocked.
struct Reading {
    tokens: Vec<Token>,
    prepared: Prepared,
}

/// Compares every submission with every other one and reports the pairs at or above
/// `options.threshold`. `base` is the code every student was given; it counts for nobody.
/// `progress` hears (done, total) as the full comparisons finish, from any thread.
#[must_use]
pub fn compare_all(
    submissions: &[Submission],
    base: &[Source],
    options: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Report {
    let min_match = options.min_match.max(1);
    let mut tokenizer = Tokenizer::new();
    let base = read(&mut tokenizer, base, min_match).prepared;
    let streams: Vec<Reading> = submissions
        .iter()
        .map(|submission| read(&mut tokenizer, &submission.files, min_match))
        .collect();
    let readings = in_parallel(&streams, |reading| without_base(reading, &base), &|_| {});
    let kgram = winnow::kgram_len(min_match);
    let fingerprints = in_parallel(
        &readings,
        |reading| {
            winnow::fingerprints(reading.prepared.tokens(), reading.prepared.blocked(), kgram)
        },
        &|_| {},
    );
    let candidates = winnow::candidate_pairs(&fingerprints, options.common_share);
    let total = candidates.len();
    let done = AtomicUsize::new(0);
    let compared = in_parallel(
        &candidates,
        |&(i, j)| compare(&submissions[i], &readings[i], &submissions[j], &readings[j]),
        &|_| progress(done.fetch_add(1, Ordering::Relaxed) + 1, total),
    );
    let mut pairs: Vec<Pair> = compared
        .into_iter()
        .flatten()
        .filter(|pair| pair.similarity >= options.threshold)
        .collect();
    pairs.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    Report {
        pairs,
        full_comparisons: total,
        candidate_pairs: total,
    }
}

/// The token stream of `files`, one after the other, with a blocked token at each file end so
/// that no tile spans two files.
fn read(tokenizer: &mut Tokenizer, files: &[Source], min_match: usize) -> Reading {
    let mut tokens = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        tokenizer.tokenize(index, &file.name, &file.content, &mut tokens);
        tokens.push(Token {
            kind: u32::MAX,
            file: index,
            line: 0,
        });
    }
    let kinds = tokens.iter().map(|token| token.kind).collect();
    let blocked = tokens.iter().map(|token| token.kind == u32::MAX).collect();
    Reading {
        tokens,
        prepared: Prepared::new(kinds, blocked, min_match),
    }
}

/// `reading` with every tile it shares with the base code blocked.
fn without_base(reading: &Reading, base: &Prepared) -> Reading {
    let mut blocked = reading.prepared.blocked().to_vec();
    for tile in tiling::tiles(&reading.prepared, base) {
        blocked[tile.a..tile.a + tile.len].fill(true);
    }
    let min_match = reading.prepared.min_match();
    Reading {
        tokens: reading.tokens.clone(),
        prepared: Prepared::new(reading.prepared.tokens().to_vec(), blocked, min_match),
    }
}

/// Tiles two submissions; `None` when either has no tokens of its own.
fn compare(
    a: &Submission,
    reading_a: &Reading,
    b: &Submission,
    reading_b: &Reading,
) -> Option<Pair> {
    let total = reading_a.prepared.open_tokens() + reading_b.prepared.open_tokens();
    if reading_a.prepared.open_tokens() == 0 || reading_b.prepared.open_tokens() == 0 {
        return None;
    }
    let tiles = tiling::tiles(&reading_a.prepared, &reading_b.prepared);
    let shared: usize = tiles.iter().map(|tile| tile.len).sum();
    // Token counts of source files: far inside f64's exact integers.
    #[allow(clippy::cast_precision_loss, reason = "token counts are small")]
    let similarity = 2.0 * shared as f64 / total as f64;
    let mut matches: Vec<Match> = tiles
        .iter()
        .map(|tile| region(tile, a, reading_a, b, reading_b))
        .collect();
    matches.sort_by(|x, y| (&x.file_a, x.lines_a).cmp(&(&y.file_a, y.lines_a)));
    Some(Pair {
        a: a.id,
        b: b.id,
        similarity,
        matches,
    })
}

/// Where a tile lies in the two submissions' files.
fn region(
    tile: &Tile,
    a: &Submission,
    reading_a: &Reading,
    b: &Submission,
    reading_b: &Reading,
) -> Match {
    let place = |submission: &Submission, tokens: &[Token], start: usize| {
        let (first, last) = (tokens[start], tokens[start + tile.len - 1]);
        let name = submission
            .files
            .get(first.file as usize)
            .map_or_else(String::new, |file| file.name.clone());
        (name, (first.line, last.line))
    };
    let (file_a, lines_a) = place(a, &reading_a.tokens, tile.a);
    let (file_b, lines_b) = place(b, &reading_b.tokens, tile.b);
    Match {
        file_a,
        lines_a,
        file_b,
        lines_b,
        tokens: tile.len,
    }
}

/// `work` applied to every item on all cores, results in the items' order; `finished` hears
/// each item's index as it is done.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    finished: &(dyn Fn(usize) + Sync),
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            return mine;
                        };
                        mine.push((at, work(item)));
                        finished(at);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_unstable_by_key(|&(at, _)| at);
    results.into_iter().map(|(_, result)| result).collect()
}
