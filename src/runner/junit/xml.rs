//! Safe, streaming reads of XML events: no DOCTYPE, no entities beyond XML's predefined ones.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::ReportError;

/// The text inside `start`, up to its end tag; nested elements are skipped.
pub(super) fn read_text(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart,
) -> Result<String, ReportError> {
    let mut text = String::new();
    let mut depth = 0_usize;
    loop {
        match next(reader)? {
            Event::Text(part) if depth == 0 => text.push_str(&part.xml10_content()),
            Event::CData(part) if depth == 0 => text.push_str(&part.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = resolve(&reference)?;
                if depth == 0 {
                    text.push_str(&resolved);
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(text),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(unclosed(start)),
            _ => {}
        }
    }
}

pub(super) fn skip(reader: &mut Reader<&[u8]>, start: &BytesStart) -> Result<(), ReportError> {
    read_text(reader, start).map(drop)
}

/// The next child element of the current element, or `None` at its end tag.
pub(super) fn next_child<'a>(
    reader: &mut Reader<&'a [u8]>,
    parent: &str,
) -> Result<Option<(BytesStart<'a>, bool)>, ReportError> {
    loop {
        match next(reader)? {
            Event::Start(element) => return Ok(Some((element, true))),
            Event::Empty(element) => return Ok(Some((element, false))),
            Event::End(_) => return Ok(None),
            Event::GeneralRef(reference) => drop(resolve(&reference)?),
            Event::Eof => return Err(unreadable(&format!("<{parent}> is never closed"))),
            _ => {}
        }
    }
}

/// The next event; a DOCTYPE is refused before anything in it is looked at.
pub(super) fn next<'a>(reader: &mut Reader<&'a [u8]>) -> Result<Event<'a>, ReportError> {
    match reader.read_event() {
        Ok(Event::DocType(_)) => Err(unreadable("DOCTYPE declarations are not allowed")),
        Ok(event) => Ok(event),
        Err(error) => Err(unreadable(&format!(
            "at byte {}: {error}",
            reader.error_position()
        ))),
    }
}

fn resolve(reference: &BytesRef) -> Result<String, ReportError> {
    let invalid = || unreadable(&format!("undefined entity &{};", &**reference));
    match reference.resolve_char_ref() {
        Ok(Some(character)) => Ok(character.to_string()),
        Ok(None) => resolve_predefined_entity(reference)
            .map(str::to_owned)
            .ok_or_else(invalid),
        Err(_) => Err(invalid()),
    }
}

/// An element's attributes, unescaped; only the five predefined entities are resolved.
pub(super) struct Attributes(Vec<(String, String)>);

impl Attributes {
    pub(super) fn of(element: &BytesStart) -> Result<Self, ReportError> {
        let mut pairs = Vec::new();
        for attribute in element.attributes() {
            let element_name = name(element);
            let attribute =
                attribute.map_err(|error| unreadable(&format!("in <{element_name}>: {error}")))?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| unreadable(&format!("in <{element_name}>: {error}")))?;
            let key = attribute.key.local_name().into_inner().to_owned();
            pairs.push((key, value.into_owned()));
        }
        Ok(Self(pairs))
    }

    pub(super) fn text(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    pub(super) fn count(&self, key: &str) -> u32 {
        self.text(key).trim().parse().unwrap_or(0)
    }

    /// Seconds; some writers group thousands (`1,234.5`), which is tolerated.
    pub(super) fn seconds(&self, key: &str) -> f64 {
        let text = self.text(key).trim().replace(',', "");
        text.parse::<f64>()
            .ok()
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .unwrap_or(0.0)
    }
}

pub(super) fn name<'a>(element: &'a BytesStart) -> &'a str {
    element.local_name().into_inner()
}

fn unclosed(start: &BytesStart) -> ReportError {
    unreadable(&format!("<{}> is never closed", name(start)))
}

pub(super) fn unreadable(reason: &str) -> ReportError {
    ReportError::Unreadable(reason.to_owned())
}
