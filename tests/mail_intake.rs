//! Reading signing mails as mail programs write them: the fixtures in `tests/fixtures/mail/` are
//! real-looking exports (Thunderbird, Apple Mail, Gmail, Outlook, maildir), read through the
//! public API exactly as `oproep sign import` does.

use std::path::PathBuf;

use chrono::NaiveDate;
use oproep::signing::mail::{
    Field, MailError, MailKind, RawMail, Rejection, SignatureFields, SigningMail, parse_mail,
    read_exports,
};

fn fixture(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mail")
        .join(relative)
}

fn read(relative: &str) -> Vec<RawMail> {
    read_exports(&[fixture(relative)]).unwrap_or_else(|e| panic!("reading {relative} failed: {e}"))
}

/// Reads a fixture that holds exactly one mail and parses it.
fn one(relative: &str) -> Result<SigningMail, Rejection> {
    let mails = read(relative);
    assert_eq!(mails.len(), 1, "{relative} should hold one mail");
    parse_mail(&mails[0])
}

fn signed(relative: &str) -> (SigningMail, SignatureFields) {
    let mail = one(relative).unwrap_or_else(|r| panic!("{relative} rejected: {r}"));
    match mail.kind.clone() {
        MailKind::Sign(fields) => (mail, fields),
        MailKind::Withdraw => panic!("{relative} read as a withdrawal"),
    }
}

fn fields(
    name: &str,
    function: Option<&str>,
    organisation: Option<&str>,
    place: Option<&str>,
    consent: Option<bool>,
) -> SignatureFields {
    SignatureFields {
        name: name.to_owned(),
        function: function.map(str::to_owned),
        organisation: organisation.map(str::to_owned),
        place: place.map(str::to_owned),
        consent,
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn plain_utf8_thunderbird_mail() {
    let (mail, got) = signed("plain_utf8.eml");
    assert_eq!(mail.sender, "anna.devries@example.nl");
    assert_eq!(mail.date, date(2025, 3, 3));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("5c1e2a7b-9f1d-4c2e-8a7d-1b2c3d4e5f60@example.nl")
    );
    assert!(mail.origin.ends_with("plain_utf8.eml"), "{}", mail.origin);
    assert_eq!(
        got,
        fields(
            "Anna de Vries",
            Some("Opbouwwerker & coördinator"),
            Some("Stichting Buurtkracht"),
            Some("Utrecht"),
            Some(true),
        )
    );
}

#[test]
fn quoted_printable_with_soft_line_break() {
    let (mail, got) = signed("quoted_printable.eml");
    assert_eq!(mail.sender, "renee.vandenheuvel@example.nl");
    assert_eq!(
        got,
        fields(
            "Renée van den Heuvel",
            Some("Beleidsadviseur sociaal domein"),
            Some(
                "Gemeente 's-Hertogenbosch, afdeling Maatschappelijke Ontwikkeling en \
                 Wijkgericht Werken"
            ),
            Some("'s-Hertogenbosch"),
            Some(true),
        )
    );
}

#[test]
fn base64_body_with_crlf() {
    let (mail, got) = signed("base64.eml");
    assert_eq!(mail.sender, "f.elamrani@example.com");
    assert_eq!(
        got,
        fields(
            "Fatima El Amrani",
            Some("Sociaal werker (jeugd & gezin)"),
            Some("Wijkteam Feijenoord"),
            Some("Rotterdam"),
            Some(true),
        )
    );
}

#[test]
fn multipart_alternative_uses_the_text_part() {
    let (mail, got) = signed("multipart_alternative.eml");
    assert_eq!(mail.sender, "danielle.jansen@gmail.com");
    assert_eq!(mail.date, date(2025, 3, 4));
    assert_eq!(
        got,
        fields(
            "Daniëlle Jansen",
            Some("Docent sociaal werk"),
            Some("Hogeschool Utrecht"),
            Some("Utrecht"),
            Some(true),
        )
    );
}

#[test]
fn html_only_mail_keeps_one_field_per_line() {
    let (mail, got) = signed("html_only.eml");
    assert_eq!(mail.sender, "marielle.visser@outlook.com");
    // The <b> of the HTML body is gone; each <div> stays its own line.
    assert_eq!(
        got,
        fields(
            "Mariëlle Visser",
            Some("Wijkcoach"),
            Some("Welzijn Medemblik"),
            Some("Medemblik"),
            Some(true),
        )
    );
}

#[test]
fn rfc2047_headers_and_iso_8859_1_body() {
    let (mail, got) = signed("rfc2047_latin1.eml");
    assert_eq!(mail.sender, "rene.lefevre@example.be");
    assert_eq!(mail.date, date(2025, 3, 5));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("20250305113000.4711@mail.example.be")
    );
    assert_eq!(
        got,
        fields(
            "René Lefèvre",
            Some("Coördinator buurtwerk"),
            Some("Maison de Quartier Saint-Gilles"),
            Some("Brussel"),
            Some(true),
        )
    );
}

#[test]
fn reply_ignores_the_quoted_original() {
    // The quoted first mail has a function, organisation, place and "nee": none of it counts.
    let (mail, got) = signed("reply_quoted.eml");
    assert_eq!(mail.sender, "sanne.mulder@example.nl");
    assert_eq!(got, fields("Sanne Mulder", None, None, None, Some(true)));
}

#[test]
fn outlook_reply_ignores_the_original_below_its_header_block() {
    let (mail, got) = signed("reply_outlook.eml");
    assert_eq!(mail.sender, "k.hoekstra@example.nl");
    assert_eq!(
        got,
        fields("Kees Hoekstra", None, None, Some("Schiedam"), None)
    );
}

#[test]
fn label_variants_in_another_order() {
    let (mail, got) = signed("label_variants.eml");
    assert_eq!(mail.sender, "jan@deboer.example");
    assert_eq!(
        got,
        fields(
            "Jan de Boer",
            Some("wijkcoach"),
            Some("Stichting Welzijn Zwolle"),
            Some("Zwolle"),
            Some(true),
        )
    );
}

#[test]
fn english_labels() {
    let (_, got) = signed("english_labels.eml");
    assert_eq!(
        got,
        fields(
            "Emma Clarke",
            Some("Community organiser"),
            Some("Amsterdam Community Foundation"),
            Some("Amsterdam"),
            Some(false),
        )
    );
}

#[test]
fn rewrapped_lines_rejoin_their_field() {
    let (_, got) = signed("rewrapped.eml");
    assert_eq!(
        got,
        fields(
            "Maria Gonzalez Rodriguez",
            Some("Senior beleidsmedewerker maatschappelijke ondersteuning en participatie"),
            Some("Vereniging van Nederlandse Gemeenten, programma Versterking Sociaal Domein"),
            Some("Den Haag"),
            Some(true),
        )
    );
}

#[test]
fn withdrawal_in_the_body_despite_quoted_signature() {
    let mail = one("withdrawal.eml").unwrap();
    assert_eq!(mail.sender, "karin.smit@example.nl");
    assert_eq!(mail.date, date(2025, 3, 15));
    assert_eq!(mail.kind, MailKind::Withdraw);
}

#[test]
fn withdrawal_in_an_encoded_subject() {
    // Subject "Afmelden s.v.p. (Joël)" in base64 ISO-8859-1: only visible once decoded.
    let mail = one("withdrawal_subject.eml").unwrap();
    assert_eq!(mail.sender, "joel.peeters@example.be");
    assert_eq!(mail.kind, MailKind::Withdraw);
}

#[test]
fn empty_name_is_rejected_without_falling_back_to_the_display_name() {
    let rejection = one("no_name.eml").unwrap_err();
    assert_eq!(rejection, Rejection::NameEmpty);
    let reason = rejection.to_string();
    assert!(reason.contains("'Naam:'"), "{reason}");
    assert!(reason.contains("ask the sender"), "{reason}");
}

#[test]
fn markup_in_a_text_mail_survives_as_literal_text() {
    let (_, got) = signed("script_name.eml");
    assert_eq!(
        got,
        fields(
            "<script>alert(1)</script>",
            Some("<img src=x onerror=alert(2)>"),
            Some("Bakker & Zn <b>BV</b>"),
            Some("\"Den Bosch\" 'oost'"),
            Some(true),
        )
    );
}

#[test]
fn thunderbird_mbox_with_escaped_from_line() {
    let mails = read("thunderbird.mbox");
    assert_eq!(mails.len(), 3);
    for (i, mail) in mails.iter().enumerate() {
        let expected = format!("thunderbird.mbox, message {}", i + 1);
        assert!(mail.origin.ends_with(&expected), "{}", mail.origin);
    }
    // The body line was stored as ">From Dublin"; the reader gives it back as written.
    let second = String::from_utf8_lossy(&mails[1].bytes);
    assert!(second.contains("\nFrom Dublin to Amsterdam"), "{second}");
    assert!(!second.contains(">From Dublin"), "{second}");
    // The separator line itself is not part of the message.
    assert!(second.starts_with("X-Mozilla-Status"), "{second}");

    let parsed: Vec<SigningMail> = mails.iter().map(|m| parse_mail(m).unwrap()).collect();
    assert_eq!(parsed[0].sender, "bram.willems@example.nl");
    assert_eq!(
        parsed[0].kind,
        MailKind::Sign(fields(
            "Bram Willems",
            Some("Wijkagent"),
            Some("Politie Midden-Nederland"),
            Some("Amersfoort"),
            Some(true),
        ))
    );
    assert_eq!(
        parsed[1].kind,
        MailKind::Sign(fields(
            "Liam O'Brien",
            Some("Community worker"),
            Some("Ru Pate Community"),
            Some("Amsterdam"),
            Some(true),
        ))
    );
    assert_eq!(parsed[2].sender, "bram.willems@example.nl");
    assert_eq!(parsed[2].kind, MailKind::Withdraw);
    assert_eq!(parsed[2].date, date(2025, 3, 4));
}

#[test]
fn apple_mail_export_folder() {
    // Given the folder that holds Export.mbox/, and given Export.mbox/ itself.
    for path in ["apple", "apple/Export.mbox"] {
        let mails = read(path);
        assert_eq!(mails.len(), 2, "{path}");
        assert!(
            mails[1].origin.ends_with("Export.mbox/mbox, message 2"),
            "{}",
            mails[1].origin
        );
        let first = parse_mail(&mails[0]).unwrap();
        assert_eq!(first.sender, "lotte.dekker@example.nl");
        assert_eq!(
            first.kind,
            MailKind::Sign(fields(
                "Lotte Dekker",
                Some("Ouder"),
                Some("Ouders van Betekenis"),
                Some("Utrecht"),
                Some(true),
            ))
        );
        // iPhone Mail: every answer typed on the line below its label.
        let second = parse_mail(&mails[1]).unwrap();
        assert_eq!(
            second.kind,
            MailKind::Sign(fields(
                "Noah Vermeulen",
                None,
                None,
                Some("Amersfoort"),
                Some(true)
            ))
        );
    }
}

#[test]
fn maildir_reads_cur_and_new_but_not_tmp() {
    let mails = read("maildir");
    assert_eq!(mails.len(), 2);
    assert!(mails[0].origin.contains("cur"), "{}", mails[0].origin);
    assert!(mails[1].origin.contains("new"), "{}", mails[1].origin);
    let parsed: Vec<SigningMail> = mails.iter().map(|m| parse_mail(m).unwrap()).collect();
    assert_eq!(parsed[0].sender, "eva.jacobs@example.nl");
    assert_eq!(
        parsed[0].kind,
        MailKind::Sign(fields(
            "Eva Jacobs",
            Some("Opbouwwerker"),
            Some("Wijkteam Schiedam"),
            Some("Schiedam"),
            Some(false),
        ))
    );
    assert_eq!(parsed[1].sender, "sem.bakker@example.nl");
    assert_eq!(parsed[1].date, date(2025, 3, 6));
}

#[test]
fn gmail_takeout_mbox() {
    let mails = read("gmail_takeout.mbox");
    assert_eq!(mails.len(), 2);
    let raw = String::from_utf8_lossy(&mails[0].bytes);
    assert!(raw.starts_with("X-GM-THRID: 1825912345678901234"), "{raw}");

    let signing = parse_mail(&mails[0]).unwrap();
    assert_eq!(signing.sender, "yara.haddad@example.nl");
    assert_eq!(
        signing.message_id.as_deref(),
        Some("CAKx7yara0001abc@mail.gmail.com")
    );
    assert_eq!(
        signing.kind,
        MailKind::Sign(fields(
            "Yara Haddad",
            Some("Buurtbemiddelaar"),
            Some("Sociaal team Zuidplas"),
            Some("Zuidplas"),
            Some(true),
        ))
    );
    // A newsletter saying "uitschrijven" is no withdrawal.
    assert_eq!(parse_mail(&mails[1]), Err(Rejection::Automated));
}

#[test]
fn outlook_crlf_windows_1252() {
    let (mail, got) = signed("outlook_1252_crlf.eml");
    assert_eq!(mail.sender, "j.dhondt@rocmondriaan.example");
    assert_eq!(mail.date, date(2025, 3, 7));
    // ’ and – only exist in windows-1252, not in ISO-8859-1.
    assert_eq!(
        got,
        fields(
            "Joëlle d\u{2019}Hondt",
            Some("Coördinator \u{2013} MBO-opleiding Sociaal Werk"),
            Some("ROC Mondriaan"),
            Some("Den Haag"),
            Some(true),
        )
    );
}

#[test]
fn outlook_msg_is_refused_with_advice() {
    let err = read_exports(&[fixture("outlook.msg")]).unwrap_err();
    assert!(matches!(err, MailError::OutlookMsg { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("outlook.msg"), "{message}");
    assert!(message.contains(".eml"), "{message}");
}

#[test]
fn plain_folder_is_read_recursively_and_sorted() {
    let mails = read("folder");
    let origins: Vec<&str> = mails.iter().map(|m| m.origin.as_str()).collect();
    assert_eq!(origins.len(), 2, "{origins:?}");
    assert!(origins[0].ends_with("folder/2025-03/a.eml"), "{origins:?}");
    assert!(origins[1].ends_with("folder/b.eml"), "{origins:?}");
}

#[test]
fn order_of_paths_does_not_matter_and_nothing_is_read_twice() {
    let a = read_exports(&[fixture("folder"), fixture("plain_utf8.eml")]).unwrap();
    let b = read_exports(&[
        fixture("plain_utf8.eml"),
        fixture("folder/b.eml"),
        fixture("folder"),
    ])
    .unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(a, b);
}

#[test]
fn missing_path_is_an_error_naming_it() {
    let err = read_exports(&[fixture("does-not-exist.mbox")]).unwrap_err();
    assert!(matches!(err, MailError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("does-not-exist.mbox"), "{err}");
}

#[test]
fn unusable_mails_are_rejected_with_reasons() {
    let mail = |text: &str| RawMail {
        origin: "test".into(),
        bytes: text.as_bytes().to_vec(),
    };
    assert_eq!(parse_mail(&mail("")), Err(Rejection::Unparseable));
    assert_eq!(
        parse_mail(&mail("Subject: hoi\n\nNaam: Jan\n")),
        Err(Rejection::NoSender)
    );
    assert_eq!(
        parse_mail(&mail("From: jan\n\nNaam: Jan\n")),
        Err(Rejection::InvalidSender("jan".into()))
    );
    assert_eq!(
        parse_mail(&mail("From: a@example.nl\n\nHoi, hoe gaat het?\n")),
        Err(Rejection::NotASigningMail)
    );
    assert_eq!(
        parse_mail(&mail(
            "From: a@example.nl\nSubject: Fwd: Ik onderteken\n\n\
             ---------- Forwarded message ---------\nVan: Jan <jan@example.nl>\n\nNaam: Jan\n"
        )),
        Err(Rejection::Forwarded)
    );
    assert_eq!(
        parse_mail(&mail("From: a@example.nl\n\nPlaats: Utrecht\n")),
        Err(Rejection::NameMissing)
    );
    // Auto-replies repeat the subject, which may ask to withdraw; only a person withdraws.
    assert_eq!(
        parse_mail(&mail(
            "From: b@example.nl\nAuto-Submitted: auto-replied\n\
             Subject: Automatisch antwoord: Handtekening intrekken\n\nIk ben afwezig.\n"
        )),
        Err(Rejection::Automated)
    );
    assert_eq!(
        parse_mail(&mail(
            "From: b@example.nl\nPrecedence: bulk\nSubject: Afmelden\n\nNieuws.\n"
        )),
        Err(Rejection::Automated)
    );
    // The same subject from a person does withdraw.
    assert_eq!(
        parse_mail(&mail(
            "From: b@example.nl\nSubject: Handtekening intrekken\n\nGroet\n"
        ))
        .map(|m| m.kind),
        Ok(MailKind::Withdraw)
    );
    let long = "x".repeat(201);
    assert_eq!(
        parse_mail(&mail(&format!("From: a@example.nl\n\nNaam: {long}\n"))),
        Err(Rejection::NameTooLong { chars: 201 })
    );
    let exactly = "y".repeat(200);
    assert!(parse_mail(&mail(&format!("From: a@example.nl\n\nNaam: {exactly}\n"))).is_ok());
    assert_eq!(
        parse_mail(&mail(
            "From: a@example.nl\n\nNaam: Jan\nOrganisatie: info@stichting.example\n"
        )),
        Err(Rejection::EmailAddressInField {
            field: Field::Organisation
        })
    );
    for rejection in [
        Rejection::Unparseable,
        Rejection::NoSender,
        Rejection::NotASigningMail,
        Rejection::NameMissing,
        Rejection::NameTooLong { chars: 201 },
    ] {
        let reason = rejection.to_string();
        assert!(reason.contains("; "), "a reason and what to do: {reason}");
    }
}

#[test]
fn large_mbox_is_read_and_parsed_completely() {
    const COUNT: usize = 2_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groot.mbox");
    let mut mbox = String::new();
    for i in 0..COUNT {
        mbox.push_str(&format!(
            "From ondertekenaar{i}@example.nl Mon Mar  3 10:00:00 2025\n\
             From: Ondertekenaar {i} <Ondertekenaar{i}@Example.nl>\n\
             To: oproep@example.org\n\
             Subject: Ik onderteken de oproep\n\
             Date: Mon, 3 Mar 2025 10:00:00 +0100\n\
             Message-ID: <m{i}@example.nl>\n\
             MIME-Version: 1.0\n\
             Content-Type: text/plain; charset=UTF-8\n\
             \n\
             Ik onderteken de oproep \"Een oproep\".\n\
             \n\
             Naam: Persoon {i}\n\
             Functie:\n\
             Organisatie: Organisatie {org}\n\
             Plaats: Plaats {i}\n\
             Mijn naam mag op de website (ja/nee): {consent}\n\
             >From here on, line {i} is plain text.\n\
             \n",
            org = i % 17,
            consent = if i % 2 == 0 { "ja" } else { "nee" },
        ));
    }
    std::fs::write(&path, mbox).unwrap();

    let mails = read_exports(std::slice::from_ref(&path)).unwrap();
    assert_eq!(mails.len(), COUNT);
    for (i, raw) in mails.iter().enumerate() {
        assert!(raw.origin.ends_with(&format!("message {}", i + 1)));
        let mail = parse_mail(raw).unwrap_or_else(|r| panic!("{}: {r}", raw.origin));
        assert_eq!(mail.sender, format!("ondertekenaar{i}@example.nl"));
        assert_eq!(mail.message_id, Some(format!("m{i}@example.nl")));
        assert_eq!(
            mail.kind,
            MailKind::Sign(SignatureFields {
                name: format!("Persoon {i}"),
                function: None,
                organisation: Some(format!("Organisatie {}", i % 17)),
                place: Some(format!("Plaats {i}")),
                consent: Some(i % 2 == 0),
            })
        );
    }
}

/// Every fixture, cut short at every length and with bytes flipped, is either parsed or
/// rejected: never a panic.
#[test]
fn damaged_mails_never_panic() {
    let mut mails = Vec::new();
    for name in [
        "plain_utf8.eml",
        "multipart_alternative.eml",
        "html_only.eml",
        "outlook_1252_crlf.eml",
        "rfc2047_latin1.eml",
        "base64.eml",
    ] {
        mails.extend(read(name));
    }
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for mail in &mails {
        for end in (0..mail.bytes.len()).step_by(7) {
            let cut = RawMail {
                origin: mail.origin.clone(),
                bytes: mail.bytes[..end].to_vec(),
            };
            let _ = parse_mail(&cut);
        }
        for _ in 0..300 {
            let mut bytes = mail.bytes.clone();
            for _ in 0..1 + next() % 8 {
                let at = next() % bytes.len();
                bytes[at] = match next() % 4 {
                    0 => b'<',
                    1 => b'=',
                    2 => b'\n',
                    _ => (next() % 256) as u8,
                };
            }
            let _ = parse_mail(&RawMail {
                origin: mail.origin.clone(),
                bytes,
            });
        }
    }
}

#[test]
fn bottom_posted_reply_reads_the_answer_below_the_quote() {
    // The signature block below "-- " is not part of the answer either.
    let (mail, got) = signed("reply_bottom_posted.eml");
    assert_eq!(mail.sender, "tim.koster@example.nl");
    assert_eq!(got, fields("Tim Koster", None, None, None, Some(true)));
}
