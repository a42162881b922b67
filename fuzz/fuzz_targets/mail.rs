//! Mail parsing and field extraction: `parse_mail` on the bytes as a whole mail, and on the
//! bytes as the body of a plain mail (so that the body reader sees them directly). It never
//! panics, and what it accepts is clean: a plausible sender, fields trimmed, short, free of
//! control and direction-override characters and of e-mail addresses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oproep::signing::mail::{MAX_FIELD_CHARS, MailKind, RawMail, parse_mail};

const HEADER: &[u8] = b"From: Fuzz <fuzz@example.org>\r\nSubject: Ondertekening\r\n\
Date: Mon, 21 Dec 2020 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    check(data.to_vec());
    let mut body = HEADER.to_vec();
    body.extend_from_slice(data);
    check(body);
});

fn check(bytes: Vec<u8>) {
    let raw = RawMail {
        origin: "fuzz".into(),
        bytes,
    };
    let Ok(mail) = parse_mail(&raw) else {
        return;
    };
    let sender = &mail.sender;
    assert!(sender.contains('@'), "{sender:?}");
    assert_eq!(*sender, sender.to_lowercase());
    assert!(!sender.chars().any(|c| c.is_whitespace() || c.is_control()));
    if let MailKind::Sign(fields) = &mail.kind {
        assert!(!fields.name.is_empty());
        let values = [
            Some(&fields.name),
            fields.function.as_ref(),
            fields.organisation.as_ref(),
            fields.place.as_ref(),
        ];
        for value in values.into_iter().flatten() {
            assert!(value.chars().count() <= MAX_FIELD_CHARS, "{value:?}");
            assert_eq!(value.trim(), value, "not trimmed");
            assert!(!value.contains("  "), "whitespace not collapsed: {value:?}");
            assert!(
                !value.chars().any(|c| c.is_control()
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                "control character in {value:?}"
            );
        }
    }
}
