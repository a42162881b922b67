//! All YAML parsing goes through here, so that the archived `serde_yaml` can be swapped for a
//! maintained fork without touching the rest.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Location};

/// Parses `text` from `path`; `first_line` is the file line the text starts on (front matter
/// starts on line 2, after `---`), so that errors point at the right line.
pub fn parse<T: DeserializeOwned>(text: &str, path: &Path, first_line: usize) -> Result<T, Error> {
    // An empty document is an empty mapping, so that all-optional structs load from it.
    let text = if text.trim().is_empty() { "{}" } else { text };
    serde_yaml::from_str(text).map_err(|err| {
        let (line, column) = match err.location() {
            Some(loc) => (Some(loc.line() + first_line - 1), Some(loc.column())),
            None => (None, None),
        };
        let message = strip_location(&err.to_string());
        let hint = hint_for(&message);
        Error::content(
            Location {
                path: path.to_path_buf(),
                line,
                column,
            },
            message,
            hint,
        )
    })
}

/// serde_yaml appends " at line L column C", which our own location already says.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn hint_for(message: &str) -> String {
    // serde_yaml puts the path of the value first (`calls[1]: unknown field ...`).
    if let Some(at) = message.find("missing field `") {
        let field = message[at + 15..].split('`').next().unwrap_or_default();
        format!("add `{field}: ...` here (see the campaigners' guide, docs/handleiding.md)")
    } else if message.contains("unknown field") {
        "check the spelling of the field name; the allowed names are listed after `expected`".into()
    } else if message.contains("duplicate field") {
        "a field appears twice; keep one of them".into()
    } else if message.starts_with("date:")
        || message.contains("premature end of input")
        || message.contains("input contains invalid characters")
        || message.contains("input is out of range")
        || message.contains("trailing input")
    {
        "write dates as YYYY-MM-DD, e.g. 2020-12-21".into()
    } else if message.contains("expected a sequence") {
        "write a list as [a, b] or as lines starting with `- `".into()
    } else {
        "check the indentation, and put values that contain `:` or `#` in quotes".into()
    }
}
