//! A strict reader for the HTML that markdown rendering produces, shared by the property tests
//! (tests/properties.rs) and the markdown fuzz target (fuzz/fuzz_targets/markdown.rs).
//!
//! Every `<` must start one of the tags the renderer writes, with only the attributes it
//! writes; link and image targets must not have a scheme other than http(s), mailto and tel,
//! read the way a browser reads them (entities decoded, tabs and newlines removed). Text from
//! the input can therefore never become a tag, an event handler or a script URL.

/// Tags the markdown renderer writes.
const TAGS: &[&str] = &[
    "a",
    "p",
    "em",
    "strong",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "br",
    "hr",
    "img",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "div",
    "span",
    "input",
];

/// Attributes the markdown renderer writes.
const ATTRIBUTES: &[&str] = &[
    "href", "title", "src", "alt", "id", "class", "style", "start", "disabled", "type", "checked",
];

/// Checks rendered HTML; the error says what is wrong and where.
pub fn check(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        let tag = &rest[lt + 1..];
        let end = check_tag(tag).map_err(|e| {
            format!(
                "{e} at byte {}: {:?}",
                html.len() - tag.len() - 1,
                excerpt(tag)
            )
        })?;
        rest = &tag[end..];
    }
    Ok(())
}

fn excerpt(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Checks the tag after a `<`; returns the length up to and including its `>`.
fn check_tag(tag: &str) -> Result<usize, String> {
    let closing = tag.starts_with('/');
    let start = usize::from(closing);
    let name_len = tag[start..]
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let name = &tag[start..start + name_len];
    if !TAGS.contains(&name) {
        return Err(format!("a tag `{name}` that markdown does not write"));
    }
    let mut pos = start + name_len;
    if closing {
        return match tag[pos..].starts_with('>') {
            true => Ok(pos + 1),
            false => Err("a broken closing tag".into()),
        };
    }
    loop {
        let rest = &tag[pos..];
        let trimmed = rest.trim_start_matches(' ');
        let spaces = rest.len() - trimmed.len();
        pos += spaces;
        if trimmed.starts_with("/>") {
            return Ok(pos + 2);
        }
        if trimmed.starts_with('>') {
            return Ok(pos + 1);
        }
        if trimmed.is_empty() {
            return Err("a tag that is not closed".into());
        }
        if spaces == 0 {
            return Err("an attribute without a space before it".into());
        }
        let attr_len = trimmed
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'-')
            .count();
        let attr = &trimmed[..attr_len];
        if !ATTRIBUTES.contains(&attr) {
            return Err(format!(
                "an attribute `{attr}` that markdown does not write"
            ));
        }
        pos += attr_len;
        let rest = &tag[pos..];
        let Some(value_start) = rest.strip_prefix("=\"") else {
            // A boolean attribute (`disabled`).
            continue;
        };
        let Some(value_len) = value_start.find('"') else {
            return Err(format!("the value of `{attr}` is not closed"));
        };
        let value = &value_start[..value_len];
        check_value(attr, value)?;
        pos += 2 + value_len + 1;
    }
}

fn check_value(attr: &str, value: &str) -> Result<(), String> {
    let decoded = decode_entities(value);
    match attr {
        "href" | "src" => {
            // Browsers remove tabs and newlines anywhere in a URL and leading controls and spaces.
            let url: String = decoded
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect::<String>()
                .trim_start_matches(|c: char| c <= ' ')
                .to_ascii_lowercase();
            let scheme = url
                .split_once(':')
                .map(|(s, _)| s)
                .filter(|s| !s.contains(['/', '?', '#']));
            match scheme {
                None | Some("http" | "https" | "mailto" | "tel") => Ok(()),
                Some(other) => Err(format!("a link with the scheme `{other}:`")),
            }
        }
        "style" => match decoded.as_str() {
            "text-align: left" | "text-align: center" | "text-align: right" => Ok(()),
            other => Err(format!("a style `{other}`")),
        },
        _ => Ok(()),
    }
}

/// Decodes character references as a browser does in an attribute value (enough of it to
/// catch `&#58;` and `&colon;` tricks).
fn decode_entities(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 32);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_checker_catches_what_it_should() {
        assert!(check("<p>Hallo <em>wereld</em> &lt;script&gt;</p>\n").is_ok());
        assert!(
            check(r#"<p><a href="https://e.org/" title="x">a</a><img src="/a.png" alt="b" /></p>"#)
                .is_ok()
        );
        assert!(check(r#"<td style="text-align: center">x</td>"#).is_ok());
        assert!(check("<script>alert(1)</script>").is_err());
        assert!(check(r#"<p onclick="x">a</p>"#).is_err());
        assert!(check(r#"<img src="x" onerror="alert(1)" />"#).is_err());
        assert!(check(r#"<a href="javascript:alert(1)">a</a>"#).is_err());
        assert!(check(r#"<a href="java&#x09;script&#58;alert(1)">a</a>"#).is_err());
        assert!(check(r#"<a href=" JavaScript:x">a</a>"#).is_err());
        assert!(check(r#"<a href="data:text/html,x">a</a>"#).is_err());
        assert!(check(r#"<td style="background: url(x)">x</td>"#).is_err());
        assert!(check("<p>a < b</p>").is_err());
        assert!(check(r#"<a href="x>a</a>"#).is_err());
    }
}
