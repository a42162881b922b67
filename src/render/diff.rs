//! A readable word-level comparison of two versions of the appeal, made at build time.

use similar::{Algorithm, ChangeTag, TextDiff};

/// The text of a version as readers see it: the body, then the calls.
pub fn version_text(body: &str, calls: &[crate::model::Call]) -> String {
    let mut text = super::markdown::to_plain_text(body);
    for (i, call) in calls.iter().enumerate() {
        let call = super::markdown::to_plain_text(&call.text);
        text.push_str(&format!("\n\n{}. {call}", i + 1));
    }
    text
}

/// HTML paragraphs with `<del>` for removed and `<ins>` for added words; everything escaped.
pub fn word_diff_html(old: &str, new: &str) -> String {
    // Patience is much quicker than Myers on long texts and reads as well for prose.
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_words(old, new);
    let mut html = String::from("<p>");
    for change in diff.iter_all_changes() {
        let value = change.value();
        let (open, close) = match change.tag() {
            // A change of spacing alone is nothing a reader would notice.
            _ if value.trim().is_empty() => ("", ""),
            ChangeTag::Equal => ("", ""),
            ChangeTag::Delete => ("<del>", "</del>"),
            ChangeTag::Insert => ("<ins>", "</ins>"),
        };
        // Paragraph breaks inside a word run become paragraph breaks in the page.
        let mut parts = value.split("\n\n").peekable();
        while let Some(part) = parts.next() {
            if !part.is_empty() {
                html.push_str(open);
                html.push_str(&html_escape::encode_text(part));
                html.push_str(close);
            }
            if parts.peek().is_some() {
                html.push_str("</p>\n<p>");
            }
        }
    }
    html.push_str("</p>");
    html.replace("<p></p>", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_removed_and_added_words() {
        let html = word_diff_html(
            "een andere focus op het sociaal werk",
            "een andere focus op het sociaal beleid",
        );
        assert!(html.contains("<del>werk</del>"), "{html}");
        assert!(html.contains("<ins>beleid</ins>"), "{html}");
        assert!(html.contains("een andere focus"));
    }

    #[test]
    fn escapes_and_keeps_paragraphs() {
        let html = word_diff_html("a <b>\n\nc", "a <b>\n\nd");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert_eq!(html.matches("<p>").count(), 2, "{html}");
    }
}
