//! Property tests (proptest): markdown never lets text become markup, the signatory data
//! round-trips, front matter errors point inside the file, and the fields typed into a signing
//! mail come back out. The fuzz targets in `fuzz/` explore the same code with coverage guidance;
//! these run on every `cargo test`.

use std::path::Path;

use chrono::NaiveDate;
use oproep::Error;
use oproep::load::{parse_front_matter, split_front_matter};
use oproep::model::{ActorMeta, AppealMeta, ExampleMeta, NewsMeta, PageMeta, Signatory};
use oproep::render::markdown;
use oproep::signing::mail::{MailKind, RawMail, parse_mail};
use oproep::signing::store::{self, SignatoryData, Withdrawal};
use proptest::prelude::*;

#[path = "support/html_safety.rs"]
mod html_safety;

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/// Pieces that make markdown and HTML interesting: markup, raw HTML with event handlers and
/// script URLs, entities, and the characters that open and close them.
const MARKDOWN_PIECES: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">a</a>",
    "<div onclick='x'>",
    "</p><p onmouseover=x>",
    "<!-- x -->",
    "<iframe srcdoc=\"<script>x</script>\">",
    "<style>*{}</style>",
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](java&#x09;script:alert(1))",
    "[a](java\tscript:x)",
    "[a](&#106;avascript:x)",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](vbscript:x)",
    "[a](<javascript:x> \"t\")",
    "![i](javascript:x)",
    "![i](x\" onerror=\"alert(1))",
    "[a](https://e.org/\"onmouseover=\"x)",
    "[r]: javascript:x\n\n[r]",
    "<javascript:alert(1)>",
    "<https://e.org/>",
    "[^n]",
    "\n\n[^n]: note <b>x</b>\n",
    "## Kop {#id onclick=x}\n",
    "## Kop {.c onclick=x}\n",
    "| a | b |\n|:-|-:|\n| <i> | x |\n",
    "```html\n<script>x</script>\n```\n",
    "`<b>`",
    "    <script>x</script>\n",
    "> <b>quote</b>\n",
    "- <li>item\n",
    "1. x\n",
    "***",
    "\"quotes\" 'and' -- dashes...",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "&amp;",
    "\u{202E}\u{200B}\u{FEFF}",
    "\r\n",
    "\n",
    "\n\n",
    "<",
    ">",
    "\"",
    "'",
    "=",
    "&",
    "[",
    "](",
    ")",
    " on",
    "onerror=",
];

fn markdown_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(MARKDOWN_PIECES).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-zA-Z ]{1,12}",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// A raw HTML tag as someone might paste it into a paragraph.
fn html_tag() -> impl Strategy<Value = (String, String)> {
    let name = proptest::sample::select(
        &[
            "script", "img", "iframe", "svg", "b", "div", "a", "object", "style", "p",
        ][..],
    );
    let attribute = proptest::sample::select(
        &[
            "",
            " onclick=alert(1)",
            " onerror=\"alert(1)\"",
            " onload='x'",
            " href=javascript:alert(1)",
            " src=x",
        ][..],
    );
    (name, attribute)
        .prop_map(|(name, attribute)| (name.to_owned(), format!("<{name}{attribute}>")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the text, the HTML holds only the tags and attributes that markdown writes
    /// (no `<script`, no `on…=` handler) and no link with a script scheme.
    #[test]
    fn markdown_never_turns_text_into_markup(text in markdown_text()) {
        for base in ["/", "/sub/"] {
            let html = markdown::render(&text, base).html;
            prop_assert!(html_safety::check(&html).is_ok(), "{:?}\nin {html}", html_safety::check(&html));
            let lower = html.to_lowercase();
            prop_assert!(!lower.contains("<script"), "{html}");
            let inline = markdown::render_inline(&text, base);
            prop_assert!(html_safety::check(&inline).is_ok(), "{:?}\nin {inline}", html_safety::check(&inline));
        }
    }

    /// Raw HTML in a paragraph is shown as text: the tag arrives escaped, with its attributes.
    #[test]
    fn raw_html_shows_as_text(
        before in "[a-zA-Z]{1,10}",
        (name, tag) in html_tag(),
        after in "[a-zA-Z ]{0,10}",
        block in any::<bool>(),
    ) {
        let text = if block {
            format!("{before}\n\n{tag}{after}\n")
        } else {
            format!("{before} {tag}{after}\n")
        };
        let html = markdown::render(&text, "/").html;
        let escaped = tag.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let escaped_quotes = escaped.replace('"', "&quot;");
        prop_assert!(
            html.contains(&escaped) || html.contains(&escaped_quotes),
            "{tag} is not shown as text in {html}"
        );
        let opening = format!("<{name}");
        prop_assert!(!html.contains(&opening) || name == "p", "{html}");
        prop_assert!(html_safety::check(&html).is_ok(), "{html}");
    }
}

// ---------------------------------------------------------------------------------------------
// Signatory data
// ---------------------------------------------------------------------------------------------

/// Text as it may reach the data: any unicode, quotes, backslashes, newlines, YAML and JSON
/// syntax, markup.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\PC\"'\\\\\n\r\t:#{}\\[\\],&*!|>%@`-]{0,40}",
        proptest::sample::select(
            &[
                "Zoë \"Z\" <b>",
                "O'Brien",
                "null",
                "~",
                "yes",
                "- a",
                "{name: x}",
                "a: b",
                "# comment",
                "\u{2028}\u{0085}\u{FEFF}",
                "2021-01-01",
                "",
                " ",
            ][..]
        )
        .prop_map(str::to_owned),
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..=2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn signatory() -> impl Strategy<Value = Signatory> {
    (
        // `load` refuses an empty name, so a name has something besides whitespace.
        (field_text(), "[\\p{L}\\p{N}\"'<>&]{1,3}").prop_map(|(a, b)| format!("{a}{b}")),
        proptest::option::of(field_text()),
        proptest::option::of(field_text()),
        proptest::option::of(field_text()),
        date(),
        proptest::option::of(field_text()),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[0-9a-f]{32}"),
    )
        .prop_map(
            |(name, function, organisation, place, date, category, publish, highlight, sender)| {
                Signatory {
                    name,
                    function,
                    organisation,
                    place,
                    date,
                    category,
                    publish,
                    highlight,
                    sender,
                }
            },
        )
}

fn signatory_data() -> impl Strategy<Value = SignatoryData> {
    (
        proptest::collection::vec(signatory(), 0..8),
        proptest::collection::vec(
            ("[0-9a-f]{32}", date()).prop_map(|(sender, date)| Withdrawal { sender, date }),
            0..3,
        ),
    )
        .prop_map(|(signatories, withdrawn)| SignatoryData {
            signatories,
            withdrawn,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// What `save` writes, `load` reads back exactly.
    #[test]
    fn signatory_data_round_trips(data in signatory_data()) {
        let dir = tempfile::tempdir().unwrap();
        store::save(dir.path(), &data).unwrap();
        let loaded = store::load(dir.path()).unwrap();
        prop_assert_eq!(loaded, data);
    }
}

// ---------------------------------------------------------------------------------------------
// Front matter
// ---------------------------------------------------------------------------------------------

const FRONT_MATTER_LINES: &[&str] = &[
    "---",
    "--- ",
    "title: Een titel",
    "title: \"niet gesloten",
    "title: 'x'",
    "date: 2020-12-21",
    "date: 2020-13-45",
    "calls:",
    "  - id: a",
    "    title: A",
    "    text: T",
    "actors: [a, b",
    "actors: [a, b]",
    "place: Ede",
    "tnemes: [x]",
    "description: >",
    "  gevouwen",
    "\ttab: x",
    "key: : y",
    "- lijst",
    "&anker x",
    "*anker",
    "{",
    "\u{feff}",
    "\r",
    "\u{2028}",
    "\u{0085}",
    "",
    "tekst",
];

fn front_matter_file() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => proptest::sample::select(FRONT_MATTER_LINES).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let ending = proptest::sample::select(&["\n", "\r\n", "\r", "\r\r\n"][..]);
    (
        any::<bool>(),
        proptest::collection::vec((line, ending), 0..16),
        any::<bool>(),
    )
        .prop_map(|(opened, lines, final_newline)| {
            let mut text = if opened {
                "---\n".to_owned()
            } else {
                String::new()
            };
            for (line, ending) in lines {
                text.push_str(&line);
                text.push_str(ending);
            }
            if !final_newline {
                text.pop();
            }
            text
        })
}

/// The line of a content error must be one of the file's lines.
fn assert_line_inside(err: &Error, text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1);
    match err {
        Error::Content { location, .. } => {
            if let Some(line) = location.line {
                prop_assert!((1..=lines).contains(&line), "line {line} of {lines}: {err}");
            }
            Ok(())
        }
        other => Err(TestCaseError::fail(format!("not a content error: {other}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Splitting never panics; every error, of the split or of the YAML in any front matter
    /// type, names a line inside the file.
    #[test]
    fn front_matter_errors_name_a_line_inside_the_file(text in front_matter_file()) {
        let file = Path::new("content/x.md");
        let (front_matter, body) = match split_front_matter(&text, file) {
            Ok(parts) => parts,
            Err(err) => return assert_line_inside(&err, &text),
        };
        prop_assert!(text.ends_with(body));
        prop_assert!(front_matter.len() + body.len() < text.len());
        let results = [
            parse_front_matter::<PageMeta>(front_matter, file).err(),
            parse_front_matter::<AppealMeta>(front_matter, file).err(),
            parse_front_matter::<ActorMeta>(front_matter, file).err(),
            parse_front_matter::<ExampleMeta>(front_matter, file).err(),
            parse_front_matter::<NewsMeta>(front_matter, file).err(),
        ];
        for err in results.iter().flatten() {
            assert_line_inside(err, &text)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signing mails
// ---------------------------------------------------------------------------------------------

/// A word of a name or place: letters from several scripts, at least four between any two
/// punctuation marks, so that no value is a yes/no placeholder ("j/n", "N-Y") by chance.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-zà-ÿ]{3,10}",
        "[A-ZÀ-Þ][a-zà-ÿ]{3,8}(-[A-Za-zà-ÿ]{4,8}|'[a-z]{4,8})?",
        "[α-ω]{4,8}",
        "[а-я]{4,8}",
        "\\p{L}{4,8}",
    ]
}

fn words(max: usize) -> impl Strategy<Value = String> {
    let particle = proptest::sample::select(&["", "van ", "de ", "van der ", "ter ", "d'"][..]);
    (word(), particle, proptest::collection::vec(word(), 0..max)).prop_map(
        |(first, particle, rest)| {
            let mut out = first;
            if !rest.is_empty() {
                out.push(' ');
                out.push_str(particle);
                out.push_str(&rest.join(" "));
            }
            out
        },
    )
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (j, &b)| n | u32::from(b) << (16 - 8 * j));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if i % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

#[derive(Debug, Clone)]
struct MailShape {
    name_label: &'static str,
    place_label: &'static str,
    separator: &'static str,
    line_ending: &'static str,
    base64: bool,
    html: bool,
    greeting: bool,
    function: Option<String>,
}

fn mail_shape() -> impl Strategy<Value = MailShape> {
    (
        proptest::sample::select(
            &[
                "Naam",
                "naam",
                "Name",
                "Volledige naam",
                "Voor- en achternaam",
                "Full name",
            ][..],
        ),
        proptest::sample::select(&["Plaats", "Woonplaats", "Place", "City", "Gemeente"][..]),
        proptest::sample::select(&[": ", ":", " : ", ":  ", " - ", " = "][..]),
        proptest::sample::select(&["\n", "\r\n"][..]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(words(2)),
    )
        .prop_map(
            |(
                name_label,
                place_label,
                separator,
                line_ending,
                base64,
                html,
                greeting,
                function,
            )| MailShape {
                name_label,
                place_label,
                separator,
                line_ending,
                base64,
                html,
                greeting,
                function,
            },
        )
}

fn signing_mail(name: &str, place: &str, shape: &MailShape) -> Vec<u8> {
    let sep = shape.separator;
    let mut lines = vec![
        "Ik onderteken de oproep Meer ruimte voor community building.".to_owned(),
        String::new(),
        format!("{}{sep}{name}", shape.name_label),
    ];
    if let Some(function) = &shape.function {
        lines.push(format!("Functie{sep}{function}"));
    }
    lines.push(format!("Organisatie{sep}"));
    lines.push(format!("{}{sep}{place}", shape.place_label));
    lines.push("Mijn naam mag op de website (ja/nee): ja".to_owned());
    if shape.greeting {
        lines.extend([
            String::new(),
            "Met vriendelijke groet,".to_owned(),
            name.to_owned(),
        ]);
    }
    let (content_type, body) = if shape.html {
        let escape = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let divs: String = lines
            .iter()
            .map(|l| {
                if l.is_empty() {
                    "<div><br></div>".to_owned()
                } else {
                    format!("<div>{}</div>", escape(l))
                }
            })
            .collect();
        ("text/html", format!("<html><body>{divs}</body></html>"))
    } else {
        ("text/plain", lines.join(shape.line_ending))
    };
    let (encoding, body) = if shape.base64 {
        ("base64", base64(body.as_bytes()))
    } else {
        ("8bit", body)
    };
    let eol = shape.line_ending;
    format!(
        "From: Iemand <iemand@example.org>{eol}To: teken@example.org{eol}\
         Subject: Ik onderteken de oproep{eol}Date: Mon, 21 Dec 2020 10:00:00 +0100{eol}\
         MIME-Version: 1.0{eol}Content-Type: {content_type}; charset=utf-8{eol}\
         Content-Transfer-Encoding: {encoding}{eol}{eol}{body}{eol}"
    )
    .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The name and place typed after their labels come back as typed, whatever the label
    /// variant, separator, line ending, transfer encoding or HTML.
    #[test]
    fn mail_fields_come_back_as_typed(
        name in words(3),
        place in words(1),
        shape in mail_shape(),
    ) {
        let raw = RawMail { origin: "property".into(), bytes: signing_mail(&name, &place, &shape) };
        let mail = parse_mail(&raw).map_err(|r| TestCaseError::fail(format!("rejected: {r}")))?;
        prop_assert_eq!(&mail.sender, "iemand@example.org");
        let MailKind::Sign(fields) = mail.kind else {
            return Err(TestCaseError::fail("read as a withdrawal"));
        };
        prop_assert_eq!(&fields.name, &name);
        prop_assert_eq!(fields.place.as_ref(), Some(&place));
        prop_assert_eq!(fields.function.as_ref(), shape.function.as_ref());
        prop_assert_eq!(fields.organisation, None);
        prop_assert_eq!(fields.consent, Some(true));
    }
}
