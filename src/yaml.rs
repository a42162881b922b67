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
            Some(loc) => {
                let (line, column) = line_and_column(text, loc.index());
                (Some(line + first_line - 1), Some(column))
            }
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

/// The line and column (both from 1) of a byte index into `text`, with lines counted at `\n` as
/// editors, `grep -n` and the rest of oproep count them. YAML also starts a new line at a lone
/// CR, U+0085, U+2028 and U+2029, so its own line numbers can point past the end of the file.
/// An error at the end of the text points at the end of its last line that is not empty.
fn line_and_column(text: &str, index: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut index = index.min(bytes.len());
    if index == bytes.len() {
        while index > 0 && matches!(bytes[index - 1], b'\n' | b'\r') {
            index -= 1;
        }
    }
    let before = &bytes[..index];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    // Characters, not bytes: UTF-8 continuation bytes do not start a character.
    let column = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    (line, column)
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::error::Error;
    use crate::model::{ExampleMeta, PageMeta};

    fn location<T: DeserializeOwned + std::fmt::Debug>(
        text: &str,
        first_line: usize,
    ) -> (Option<usize>, Option<usize>) {
        match parse::<T>(text, Path::new("x.md"), first_line) {
            Err(Error::Content { location, .. }) => (location.line, location.column),
            other => panic!("expected a content error, got {other:?}"),
        }
    }

    #[test]
    fn lines_and_columns_are_counted_as_editors_count_them() {
        assert_eq!(
            location::<PageMeta>("title: x\nbad: y\n", 2),
            (Some(3), Some(1))
        );
        assert_eq!(location::<PageMeta>("title: x\n  é: : y\n", 1).0, Some(2));
        // Found by fuzzing (fuzz/fuzz_targets/front_matter.rs): a lone CR is a line break to
        // YAML, so the error was reported on line 6 of a file of 3 lines.
        let text = "title: x\nplace: a\r\r\r\r\ntnemes: [a]\n";
        assert_eq!(location::<ExampleMeta>(text, 1), (Some(3), Some(1)));
        // Found by fuzzing (fuzz/fuzz_targets/signatories.rs): an error at the end of a text
        // that ends with a newline pointed at the line after the last one.
        let text = "title: \"x\ndescription: y\n";
        assert_eq!(location::<PageMeta>(text, 1).0, Some(2));
        let text = "title: [a,\n\n\n";
        assert_eq!(location::<PageMeta>(text, 1).0, Some(1));
    }
}
