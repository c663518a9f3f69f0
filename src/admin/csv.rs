//! CSV downloads of admin lists, streamed row by row (RFC 4180, UTF-8).

use rocket::Responder;
use rocket::http::Header;

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
