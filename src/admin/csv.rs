//! CSV downloads of admin lists, streamed row by row (RFC 4180, UTF-8).

use std::future::Future;

use futures_util::{Stream, StreamExt};
use rocket::Responder;
use rocket::http::Header;
use rocket::response::stream::ByteStream;

/// A CSV file download: `text/csv`, with a file name.
#[derive(Responder)]
#[response(content_type = "text/csv; charset=utf-8")]
pub struct Csv<R> {
    body: R,
    disposition: Header<'static>,
}

impl<R> Csv<R> {
    /// `body` offered as `name` (a fixed ASCII file name).
    pub fn new(name: &'static str, body: R) -> Self {
        Self {
            body,
            disposition: Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        }
    }
}

/// One CSV line (with CRLF) of `fields`, quoted where needed. A field that a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
#[must_use]
pub fn line<S: AsRef<str>>(fields: &[S]) -> Vec<u8> {
    let mut out = String::new();
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        let guarded = if field.starts_with(['=', '+', '-', '@']) {
            format!("'{field}")
        } else {
            field.to_owned()
        };
        if guarded.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&guarded.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&guarded);
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Every row of a list as a streamed CSV download, read `batch` rows at a time so that the list
/// is never held in memory: the `header` line, then a line per row. `next(after)` reads the
/// batch after the position `after` (`None`: from the start) and gives it with the position
/// after its last row; a shorter batch is the last. A failed read ends the file early, logged
/// with `what` the list is.
pub fn batched<T, P, N, Fut, L>(
    header: &[&str],
    what: &'static str,
    batch: i64,
    next: N,
    line_of: L,
) -> ByteStream<impl Stream<Item = Vec<u8>>>
where
    N: FnMut(Option<P>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<P>), sqlx::Error>>,
    L: Fn(T) -> Vec<u8>,
{
    let head = futures_util::stream::once(std::future::ready(line(header)));
    // The state: the reader, the line writer, and where the next batch starts (`None`: done).
    let rows = futures_util::stream::unfold(
        (next, line_of, Some(None)),
        move |(mut next, line_of, start)| async move {
            let rows = match next(start?).await {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::error!(%error, what, "reading a list for a CSV download failed");
                    return None;
                }
            };
            let (rows, after) = rows;
            let full = i64::try_from(rows.len()).is_ok_and(|read| read == batch);
            let mut lines = Vec::new();
            for row in rows {
                lines.extend(line_of(row));
            }
            Some((lines, (next, line_of, full.then_some(after))))
        },
    );
    ByteStream(head.chain(rows))
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(
            line(&["a", "b,c", "say \"hi\""]),
            b"a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(line(&["=1+1", "-2"]), b"'=1+1,'-2\r\n");
    }
}
