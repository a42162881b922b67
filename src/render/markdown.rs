//! Markdown to HTML with pulldown-cmark: footnotes, tables, smart punctuation, heading anchors.
//!
//! Raw HTML in markdown is shown as text, never passed through: content may be pasted from
//! anywhere, and a page must not run what someone put in it.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

/// A heading of a rendered page, for a table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
}

fn options() -> Options {
    Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
}

/// Renders a markdown document. Root-relative links (`/oproep/`) get `base_path` in front, so
/// that a site under a sub-path keeps working.
pub fn render(markdown: &str, base_path: &str) -> Rendered {
    let mut headings = Vec::new();
    let mut used_ids = HashSet::new();
    let mut events = Vec::new();
    let mut heading: Option<(HeadingLevel, Option<CowStr>, Vec<Event>)> = None;

    for event in Parser::new_ext(markdown, options()) {
        let event = make_safe(event, base_path);
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => heading = Some((level, id, Vec::new())),
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, id, inner)) = heading.take() else {
                    continue;
                };
                let text = plain_text(&inner);
                let base = match id {
                    Some(id) => id.to_string(),
                    None => slug::slugify(&text),
                };
                let id = unique_id(
                    if base.is_empty() { "kop".into() } else { base },
                    &mut used_ids,
                );
                headings.push(Heading {
                    level: level as u8,
                    id: id.clone(),
                    text,
                });
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(id.into()),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
                events.extend(inner);
                events.push(Event::End(TagEnd::Heading(level)));
            }
            other => match heading.as_mut() {
                Some((_, _, inner)) => inner.push(other),
                None => events.push(other),
            },
        }
    }
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    Rendered {
        html: out,
        headings,
    }
}

/// Renders a short piece of markdown (a recommendation, a call) without the wrapping `<p>`.
pub fn render_inline(markdown: &str, base_path: &str) -> String {
    let html = render(markdown, base_path).html;
    let trimmed = html.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

/// The text a reader sees, one paragraph (or heading, or list item) per block, separated by
/// blank lines; footnote marks and markup left out.
pub fn to_plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut in_footnote = 0usize;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => in_footnote += 1,
            Event::End(TagEnd::FootnoteDefinition) => in_footnote -= 1,
            _ if in_footnote > 0 => {}
            // Raw HTML is shown as text on the page, so it is text here too.
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                text.push_str("\n\n")
            }
            _ => {}
        }
    }
    text.trim().to_string()
}

/// Raw HTML becomes text; links and images keep only safe targets.
fn make_safe<'a>(event: Event<'a>, base_path: &str) -> Event<'a> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url, base_path),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url, base_path),
            title,
            id,
        }),
        other => other,
    }
}

/// A link target from content (front matter too) that is safe to put in an `href`, or `None`.
pub fn safe_link(url: &str, base_path: &str) -> Option<String> {
    match safe_url(CowStr::from(url.to_string()), base_path) {
        CowStr::Borrowed("#") => None,
        safe => Some(safe.to_string()),
    }
}

/// Keeps http(s), mailto, tel and relative URLs; anything else (`javascript:`, `data:`) is
/// dropped. Root-relative URLs are put under the site's base path.
fn safe_url<'a>(url: CowStr<'a>, base_path: &str) -> CowStr<'a> {
    let lower = url.trim().to_ascii_lowercase();
    if let Some(path) = url.strip_prefix('/').filter(|p| !p.starts_with('/')) {
        return format!("{base_path}{path}").into();
    }
    let scheme = lower
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None | Some("http" | "https" | "mailto" | "tel") => url,
        Some(_) => "#".into(),
    }
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text
}

fn unique_id(base: String, used: &mut HashSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchors() {
        let r = render("## Eén twee\n\n## Eén twee\n", "/");
        assert!(r.html.contains(r#"<h2 id="een-twee">"#), "{}", r.html);
        assert!(r.html.contains(r#"<h2 id="een-twee-2">"#), "{}", r.html);
        assert_eq!(r.headings.len(), 2);
        assert_eq!(r.headings[0].text, "Eén twee");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let r = render(
            "Hallo <script>alert(1)</script>\n\n<div onclick=x>blok</div>\n",
            "/",
        );
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(!r.html.contains("<div"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
    }

    #[test]
    fn dangerous_link_targets_are_dropped() {
        let r = render(
            "[a](javascript:alert(1)) [b](JavaScript:x) [c](https://e.org/) [d](#x)",
            "/",
        );
        assert!(!r.html.to_lowercase().contains("javascript:"), "{}", r.html);
        assert!(r.html.contains(r#"href="https://e.org/""#));
        assert!(r.html.contains(r##"href="#x""##));
    }

    #[test]
    fn safe_link_drops_script_targets() {
        assert_eq!(safe_link("JAVASCRIPT:alert(1)", "/"), None);
        assert_eq!(safe_link(" javascript:x", "/"), None);
        assert_eq!(safe_link("data:text/html,x", "/"), None);
        assert_eq!(
            safe_link("/oproep/", "/sub/").as_deref(),
            Some("/sub/oproep/")
        );
        assert_eq!(
            safe_link("https://e.org/", "/").as_deref(),
            Some("https://e.org/")
        );
    }

    #[test]
    fn root_relative_links_get_the_base_path() {
        let r = render("[oproep](/oproep/) [extern](//cdn.example/x)", "/sub/");
        assert!(r.html.contains(r#"href="/sub/oproep/""#), "{}", r.html);
        assert!(r.html.contains(r#"href="//cdn.example/x""#), "{}", r.html);
    }

    #[test]
    fn plain_text_keeps_blocks_and_drops_marks() {
        let text = to_plain_text("## Kop\n\nEen *zin*.[^a]\n\n- punt\n\n[^a]: Bron.\n");
        assert_eq!(text, "Kop\n\nEen zin.\n\npunt");
    }

    #[test]
    fn inline_render_drops_the_paragraph() {
        assert_eq!(
            render_inline("Een *korte* zin", "/"),
            "Een <em>korte</em> zin"
        );
    }
}
