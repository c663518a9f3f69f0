//! Keyset pages of the admin lists: newest first by id, `before=<id>` for the next older page
//! (no OFFSET, no COUNT), and their CSV downloads, read the same way in batches.

use std::future::Future;

use futures_util::Stream;
use rocket::response::stream::ByteStream;

/// Rows read at once for a CSV download.
const CSV_BATCH: i64 = 500;

/// A row of a list paged by its id.
pub trait Keyed {
    /// The id the list is ordered and paged by.
    fn key(&self) -> i64;
}

/// A page from a read of one row more than `size`: its rows, and the position of the next
/// older page when there is one.
pub fn page<T: Keyed>(mut rows: Vec<T>, size: i64) -> (Vec<T>, Option<i64>) {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let more = rows.len() > size;
    rows.truncate(size);
    let older = rows.last().filter(|_| more).map(Keyed::key);
    (rows, older)
}

/// Every row of a list as a streamed CSV download ([`super::csv::batched`]): `read(before,
/// limit)` reads up to `limit` rows older than `before` (`None`: the newest), newest first.
pub fn csv<T, R, Fut, L>(
    header: &[&str],
    what: &'static str,
    read: R,
    line: L,
) -> ByteStream<impl Stream<Item = Vec<u8>>>
where
    T: Keyed,
    R: Fn(Option<i64>, i64) -> Fut,
    Fut: Future<Output = Result<Vec<T>, sqlx::Error>>,
    L: Fn(T) -> Vec<u8>,
{
    let next = move |before| {
        let rows = read(before, CSV_BATCH);
        async move {
            let rows = rows.await?;
            let after = rows.last().map(Keyed::key);
            Ok((rows, after))
        }
    };
    super::csv::batched(header, what, CSV_BATCH, next, line)
}
