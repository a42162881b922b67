//! `mailto:` links as RFC 6068 describes them: every part percent-encoded, line breaks as CRLF.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// In the address `@` stays as it is; anything unusual in it is still encoded.
const ADDRESS: &AsciiSet = &VALUE.remove(b'@');

/// Builds `mailto:ADDRESS?subject=...&body=...`; empty parts are left out.
pub fn mailto(address: &str, subject: &str, body: &str) -> String {
    let mut link = format!("mailto:{}", utf8_percent_encode(address.trim(), ADDRESS));
    let mut separator = '?';
    for (name, value) in [("subject", subject.to_string()), ("body", crlf(body))] {
        if !value.is_empty() {
            link.push(separator);
            link.push_str(name);
            link.push('=');
            link.extend(utf8_percent_encode(&value, VALUE));
            separator = '&';
        }
    }
    link
}

/// RFC 6068 section 5: line breaks in a body are CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters_and_line_breaks() {
        let link = mailto("a@b.nl", "Ja & nee?", "Naam:\nPlaats: Den Haag");
        assert_eq!(
            link,
            "mailto:a@b.nl?subject=Ja%20%26%20nee%3F&body=Naam%3A%0D%0APlaats%3A%20Den%20Haag"
        );
    }

    #[test]
    fn leaves_out_empty_parts() {
        assert_eq!(mailto("a@b.nl", "", ""), "mailto:a@b.nl");
        assert_eq!(mailto("", "Hoi", ""), "mailto:?subject=Hoi");
    }
}
