//! Rendering task texts from Markdown to sanitised HTML.

use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::Builder;
use pulldown_cmark::{Alignment, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Renders Markdown to HTML that is safe to embed in a page.
///
/// GitHub-flavoured extras are on: tables, strikethrough, task lists, smart punctuation and
/// `{#id .class}` heading attributes. Every heading gets an `id` (the author's, or a slug of
/// its text), unique within the document, so `#anchor` links work. Fenced code keeps its
/// `class="language-…"` for a front-end highlighter; table cell alignment becomes a class
/// `align-left`, `align-center` or `align-right` instead of an inline style.
///
/// The HTML is then sanitised: no scripts, styles or event handlers, links only to `http`,
/// `https` and `mailto` URLs or relative ones (`attachments/Foo.java`, `images/x.png`), and
/// every link gets `rel="noopener noreferrer"`.
#[must_use]
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut events: Vec<Event> = Parser::new_ext(markdown, options).collect();
    assign_heading_ids(&mut events);
    let events = align_table_cells_with_classes(events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    SANITIZER.clean(&html).to_string()
}

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("code", ["class"])
        .add_allowed_classes("th", ALIGN_CLASSES)
        .add_allowed_classes("td", ALIGN_CLASSES)
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("code", "class") => only_language_classes(value).map(Into::into),
            // Task list markers are checkboxes; any other input has no business in a task text.
            ("input", "type") => (value == "checkbox").then_some(value.into()),
            _ => Some(value.into()),
        });
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

const ALIGN_CLASSES: [&str; 3] = ["align-left", "align-center", "align-right"];

/// Keeps the `language-*` tokens of a class attribute, which highlighters look for.
fn only_language_classes(value: &str) -> Option<String> {
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| {
            class.strip_prefix("language-").is_some_and(|language| {
                !language.is_empty()
                    && language
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+#_.-".contains(c))
            })
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// Gives every heading a unique `id`: the author's `{#id}` or a slug of its text.
///
/// Authors' ids are reserved first, so a generated slug never takes one that appears later;
/// repeats get `-1`, `-2`, … appended, as on GitHub.
fn assign_heading_ids(events: &mut [Event]) {
    let reserved: HashSet<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut used = HashSet::new();
    for start in 0..events.len() {
        let explicit = match &events[start] {
            Event::Start(Tag::Heading { id, .. }) => id.as_ref().map(ToString::to_string),
            _ => continue,
        };
        let base = match explicit {
            Some(id) if used.insert(id.clone()) => continue,
            Some(id) => id,
            None => slug(&heading_text(&events[start + 1..])),
        };
        let mut unique = base.clone();
        for n in 1.. {
            if !used.contains(&unique) && !reserved.contains(&unique) {
                break;
            }
            unique = format!("{base}-{n}");
        }
        used.insert(unique.clone());
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
            *id = Some(CowStr::from(unique));
        }
    }
}

/// The plain text of a heading, from just after its start event.
fn heading_text(events: &[Event]) -> String {
    events
        .iter()
        .take_while(|event| !matches!(event, Event::End(TagEnd::Heading(_))))
        .filter_map(|event| match event {
            Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect()
}

/// Lowercase letters, digits and `_` of any script, words joined by single hyphens.
fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-') && !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "section".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Replaces table cells with raw `<th>`/`<td>` tags carrying an alignment class.
///
/// pulldown-cmark writes alignment as `style="text-align: …"`, which the sanitiser removes.
fn align_table_cells_with_classes(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut alignments = Vec::new();
    let mut in_head = false;
    let mut column = 0;
    events
        .into_iter()
        .map(|event| {
            let cell_tag = if in_head { "th" } else { "td" };
            match &event {
                Event::Start(Tag::Table(columns)) => alignments.clone_from(columns),
                Event::Start(Tag::TableHead) => (in_head, column) = (true, 0),
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) => column = 0,
                Event::Start(Tag::TableCell) => {
                    let class = match alignments.get(column) {
                        Some(Alignment::Left) => " class=\"align-left\"",
                        Some(Alignment::Center) => " class=\"align-center\"",
                        Some(Alignment::Right) => " class=\"align-right\"",
                        Some(Alignment::None) | None => "",
                    };
                    column += 1;
                    return Event::InlineHtml(format!("<{cell_tag}{class}>").into());
                }
                Event::End(TagEnd::TableCell) => {
                    return Event::InlineHtml(format!("</{cell_tag}>").into());
                }
                _ => {}
            }
            event
        })
        .collect()
}

#[cfg(test)]
mod tests;
