//! Reading signing mails: finding every message in a campaigner's mail export and working out
//! what each one says (a signature with its fields, or a request to withdraw).
//!
//! All input here is untrusted and comes from many different mail programs. A mail that cannot
//! be used is rejected with a reason the campaigner can act on; nothing here panics, so one odd
//! message never stops the import of all the others.
//!
//! MIME, transfer encodings, charsets, RFC 2047 headers, mbox and maildir are left to
//! `mail-parser`. This module only reads the text a signatory typed into the template.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use mail_parser::decoders::html::html_to_text;
use mail_parser::mailbox::{maildir, mbox};
use mail_parser::{HeaderName, MessageParser, PartType};

/// Longest name or other field value accepted, in characters: anything longer is almost
/// certainly a swallowed paragraph rather than what the signatory meant to publish.
pub const MAX_FIELD_CHARS: usize = 200;

/// Magic bytes of an OLE compound file, the container of Outlook `.msg` files.
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A line that was hard-wrapped by a mail program is, together with the first word of the next
/// line, longer than this; clients wrap at 70 to 78 characters.
const WRAP_WIDTH: usize = 66;

// ---------------------------------------------------------------------------------------------
// Reading exports
// ---------------------------------------------------------------------------------------------

/// One message as found in an export; `origin` names where it came from for the report,
/// e.g. "export/inbox.mbox, message 3" or "mails/jan.eml".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMail {
    pub origin: String,
    pub bytes: Vec<u8>,
}

/// Why an export could not be read at all (as opposed to one mail in it being unusable).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{} does not exist; check the path of the mail export", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{} is an Outlook .msg file, which oproep cannot read: save the mail as .eml instead \
         (new Outlook or Outlook on the web: open the mail, then \"...\" > Download / Save as; \
         Outlook for Mac: drag the mail to a folder), or export the folder as mbox with Thunderbird",
        path.display()
    )]
    OutlookMsg { path: PathBuf },
}

/// How a source found on disk is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SourceKind {
    /// A single message or an mbox; which one is decided from the content.
    File,
    /// A maildir folder holding `cur/` and `new/`.
    Maildir,
}

/// Reads every message from the given paths: single `.eml` files (Thunderbird, Outlook),
/// mbox files (Thunderbird export add-ons, Gmail Takeout: one large mbox), Apple Mail export
/// folders `NAME.mbox/` holding a file named `mbox`, maildir folders (cur/ new/ tmp/), and plain
/// folders holding .eml files (recursively). Outlook `.msg` files (OLE compound files, magic bytes
/// D0 CF 11 E0 A1 B1 1A E1) are refused with a clear message telling the user to save the mail as
/// .eml instead.
///
/// The result does not depend on the order of `paths`: sources are sorted by path, a file or
/// folder reached twice is read once, messages of an mbox keep their order in the file and those
/// of a maildir are sorted by file name. A file named explicitly is always read (as mbox when it
/// starts with a "From " line, else as one message); inside folders only `.eml`, `.mbox`, `.mbx`,
/// `.msg`, files named `mbox` and extension-less files that start like an mbox are read, and
/// hidden entries are skipped. `tmp/` of a maildir is never read: it holds unfinished deliveries.
pub fn read_exports(paths: &[PathBuf]) -> Result<Vec<RawMail>, MailError> {
    let mut sources = Vec::new();
    for path in paths {
        collect_sources(path, &mut sources)?;
    }
    sources.sort();

    let mut seen = HashSet::new();
    let mut mails = Vec::new();
    for (path, kind) in sources {
        // The same file may be named directly and also lie inside a named folder.
        let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            continue;
        }
        match kind {
            SourceKind::File => read_mail_file(&path, &mut mails)?,
            SourceKind::Maildir => read_maildir(&path, &mut mails)?,
        }
    }
    Ok(mails)
}

fn read_error(path: &Path, source: io::Error) -> MailError {
    if source.kind() == io::ErrorKind::NotFound {
        MailError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        MailError::Read {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Expands one command-line path into the files and maildirs to read.
fn collect_sources(path: &Path, out: &mut Vec<(PathBuf, SourceKind)>) -> Result<(), MailError> {
    let meta = fs::metadata(path).map_err(|e| read_error(path, e))?;
    if meta.is_file() {
        out.push((path.to_path_buf(), SourceKind::File));
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    if is_maildir(path) {
        out.push((path.to_path_buf(), SourceKind::Maildir));
        return Ok(());
    }

    let mut walk = walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(path).to_path_buf();
            let source = e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("file system loop"));
            read_error(&at, source)
        })?;
        if entry.depth() == 0 {
            continue;
        }
        let entry_path = entry.path();
        if entry.file_type().is_dir() {
            if is_maildir(entry_path) {
                out.push((entry_path.to_path_buf(), SourceKind::Maildir));
                walk.skip_current_dir();
            }
            continue;
        }
        // Follows symbolic links, so a linked .eml is read like any other.
        if entry_path.is_file() && is_mail_file(entry_path)? {
            out.push((entry_path.to_path_buf(), SourceKind::File));
        }
    }
    Ok(())
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// Whether a file met while walking a folder is a mail export worth reading.
fn is_mail_file(path: &Path) -> Result<bool, MailError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    // Apple Mail's export folder `NAME.mbox/` holds the messages in a file named `mbox`.
    if name == "mbox" {
        return Ok(true);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => Ok(["eml", "mbox", "mbx", "msg"]
            .iter()
            .any(|known| ext.eq_ignore_ascii_case(known))),
        // Thunderbird keeps its folders as mbox files without an extension (Inbox, Sent, ...).
        None => {
            let mut head = [0u8; 5];
            let mut file = File::open(path).map_err(|e| read_error(path, e))?;
            let n = read_up_to(&mut file, &mut head).map_err(|e| read_error(path, e))?;
            Ok(head.get(..n) == Some(b"From ".as_slice()))
        }
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads one file: refused if it is an Outlook .msg, an mbox if it starts with a "From " line,
/// otherwise one message.
fn read_mail_file(path: &Path, out: &mut Vec<RawMail>) -> Result<(), MailError> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut head = [0u8; 8];
    let head_len = {
        let buf = reader.fill_buf().map_err(|e| read_error(path, e))?;
        let n = buf.len().min(head.len());
        head[..n].copy_from_slice(&buf[..n]);
        n
    };
    let head = &head[..head_len];
    if head == OLE_MAGIC {
        return Err(MailError::OutlookMsg {
            path: path.to_path_buf(),
        });
    }
    // A UTF-8 byte order mark would hide the first "From " line from the mbox reader.
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    let starts_as_mbox = {
        let buf = reader.fill_buf().map_err(|e| read_error(path, e))?;
        let start = buf
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(buf.len());
        buf[start..].starts_with(b"From ")
    };

    if starts_as_mbox {
        // mail-parser's reader splits at "From " lines and turns ">From " (and ">>From ", ...)
        // back into one '>' less, as mboxrd/mboxo writers escaped them.
        for (index, message) in mbox::MessageIterator::new(reader).enumerate() {
            let message = message.map_err(|e| read_error(path, e))?;
            out.push(RawMail {
                origin: format!("{}, message {}", path.display(), index + 1),
                bytes: message.unwrap_contents(),
            });
        }
    } else {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(path, e))?;
        out.push(RawMail {
            origin: path.display().to_string(),
            bytes,
        });
    }
    Ok(())
}

/// Reads the delivered messages of a maildir (`cur/` and `new/`), sorted by file name.
fn read_maildir(dir: &Path, out: &mut Vec<RawMail>) -> Result<(), MailError> {
    let messages = maildir::MessageIterator::new(dir).map_err(|e| read_error(dir, e))?;
    let mut found = Vec::new();
    for message in messages {
        let message = message.map_err(|e| read_error(dir, e))?;
        let path = message.path().to_path_buf();
        found.push((path, message.unwrap_contents()));
    }
    found.sort();
    out.extend(found.into_iter().map(|(path, bytes)| RawMail {
        origin: path.display().to_string(),
        bytes,
    }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Understanding one mail
// ---------------------------------------------------------------------------------------------

/// What one mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningMail {
    pub origin: String,
    /// The sender's address, trimmed and lower-cased: it identifies the signatory.
    pub sender: String,
    /// From the Date header, if present and valid: the calendar date as the sender's own clock
    /// wrote it (not converted to UTC), since that is the day they signed.
    pub date: Option<NaiveDate>,
    /// Without the angle brackets.
    pub message_id: Option<String>,
    pub kind: MailKind,
}

/// Whether the mail signs or withdraws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    Sign(SignatureFields),
    /// The sender asks to remove their signature; no fields are needed.
    Withdraw,
}

/// The template fields as the signatory typed them: trimmed, inner whitespace collapsed, control
/// and text-direction override characters removed, markup left as literal text (the site escapes
/// it when rendering). `None` when empty or only the template's placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFields {
    pub name: String,
    pub function: Option<String>,
    pub organisation: Option<String>,
    pub place: Option<String>,
    /// `Some(true)` for ja/yes/j/y/ok/akkoord..., `Some(false)` for nee/no/n..., None if missing or unclear.
    pub consent: Option<bool>,
}

/// A published field of the template, named as in the Dutch template for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Function,
    Organisation,
    Place,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Name => "Naam:",
            Field::Function => "Functie:",
            Field::Organisation => "Organisatie:",
            Field::Place => "Plaats:",
        })
    }
}

/// Why a mail could not be used; the text is a short reason for the import report that says
/// what the signatory or campaigner should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not a readable e-mail (no mail headers found); export the mail again as .eml or mbox")]
    Unparseable,
    #[error(
        "no sender address: the From header is missing or empty, so the signatory cannot be \
         identified; ask them to sign again from the website"
    )]
    NoSender,
    #[error(
        "the sender address '{0}' is not a valid e-mail address; ask the signatory to sign again \
         from their own mail address"
    )]
    InvalidSender(String),
    #[error(
        "not a signing mail: no 'Naam:' line or other template field and no request to withdraw; \
         if it is meant as a signature, ask the sender to use the link on the website"
    )]
    NotASigningMail,
    #[error(
        "forwarded mail: its sender is whoever forwarded it, not the signatory; import the \
         original mail from the mailbox that received it"
    )]
    Forwarded,
    #[error(
        "sent automatically (newsletter, mailing list or auto-reply), not by a signatory; \
         nothing to do"
    )]
    Automated,
    #[error("no name found: the mail has no 'Naam:' line; ask the sender to reply with their name")]
    NameMissing,
    #[error("no name found: the 'Naam:' line is empty; ask the sender to reply with their name")]
    NameEmpty,
    #[error(
        "the name is {chars} characters long (at most {max}); ask the sender to reply with just \
         their name",
        max = MAX_FIELD_CHARS
    )]
    NameTooLong { chars: usize },
    #[error(
        "the '{field}' value is {chars} characters long (at most {max}); ask the sender to reply \
         with a shorter one",
        max = MAX_FIELD_CHARS
    )]
    FieldTooLong { field: Field, chars: usize },
    #[error(
        "the '{field}' value contains an e-mail address, which is never published; ask the sender \
         to reply without it"
    )]
    EmailAddressInField { field: Field },
}

/// What mail-parser tells us about a message, copied out so that parsing can be isolated.
struct Decoded {
    sender: Option<String>,
    /// The From header as written, to show in the report when it holds no address.
    from_header: Option<String>,
    date: Option<NaiveDate>,
    message_id: Option<String>,
    subject: String,
    body: String,
    /// Sent by a mailing list, newsletter or auto-responder rather than typed by a person.
    automated: bool,
}

/// Understands one mail: who sent it, when, and whether it signs (with which fields) or withdraws.
pub fn parse_mail(raw: &RawMail) -> Result<SigningMail, Rejection> {
    // mail-parser promises never to panic; should a future version break that promise on some
    // odd mail, that mail is rejected instead of aborting the whole import.
    let decoded = std::panic::catch_unwind(|| decode(&raw.bytes))
        .ok()
        .flatten()
        .ok_or(Rejection::Unparseable)?;

    let sender = normalise_sender(decoded.sender.as_deref().or(decoded.from_header.as_deref()))?;
    let reading = read_body(&decoded.body);
    let subject = decoded.subject.to_lowercase();
    let kind = decide(&reading, &subject, decoded.automated)?;

    Ok(SigningMail {
        origin: raw.origin.clone(),
        sender,
        date: decoded.date,
        message_id: decoded.message_id,
        kind,
    })
}

/// A parser that fully parses only the headers used here and keeps all others raw: exported
/// mails carry dozens of Received, DKIM and ARC headers, and parsing those would triple the time.
fn parser() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        MessageParser::new()
            .with_mime_headers()
            .header_address(HeaderName::From)
            .header_date(HeaderName::Date)
            .header_id(HeaderName::MessageId)
            .header_text(HeaderName::Subject)
    })
}

fn decode(bytes: &[u8]) -> Option<Decoded> {
    let message = parser().parse(bytes)?;
    let sender = message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .map(str::to_owned);
    let from_header = message.header_raw("From").map(str::to_owned);
    let date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()));
    let message_id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let subject = message.subject().unwrap_or_default().to_owned();
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|value| value.trim().to_ascii_lowercase())
    };
    let automated = header("List-Unsubscribe").is_some()
        || header("Precedence").is_some_and(|p| ["bulk", "junk", "list"].contains(&p.as_str()))
        || header("Auto-Submitted").is_some_and(|a| a != "no");

    // All inline text parts, in order: the text/plain alternative where there is one, else the
    // HTML converted to text. Apple Mail splits text around inline images into several parts.
    let mut body = String::new();
    for part in message.text_bodies() {
        match &part.body {
            PartType::Text(text) => body.push_str(text),
            PartType::Html(html) => body.push_str(&html_to_text(&html_with_line_breaks(html))),
            _ => continue,
        }
        body.push('\n');
    }
    Some(Decoded {
        sender,
        from_header,
        date,
        message_id,
        subject,
        body,
        automated,
    })
}

fn normalise_sender(address: Option<&str>) -> Result<String, Rejection> {
    let address = address.map(str::trim).unwrap_or_default().to_lowercase();
    if address.is_empty() {
        return Err(Rejection::NoSender);
    }
    let valid = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(address)
    } else {
        // Enough of it to recognise in the report, not a whole garbled header.
        let mut shown: String = clean_value(&address).chars().take(80).collect();
        if address.chars().count() > 80 {
            shown.push('…');
        }
        Err(Rejection::InvalidSender(shown))
    }
}

/// Turns what the body says into a signature or a withdrawal, or the reason it is neither.
fn decide(reading: &BodyReading, subject: &str, automated: bool) -> Result<MailKind, Rejection> {
    let has_name = reading.name.is_some();
    // Newsletters say "uitschrijven" and auto-replies quote a subject; only a person withdraws.
    // A filled-in template still counts: a campaign address on a mailing list (Google Groups)
    // marks every signing mail as list mail.
    if automated && !has_name {
        return Err(Rejection::Automated);
    }
    // A request that names the signature always withdraws. A bare word like "intrekken" or
    // "afmelden" only does when no name was filled in: it may be part of the appeal's title in
    // the subject, or of a comment in a mail that clearly signs.
    let in_subject = withdrawal_request(subject);
    let withdraw = reading.withdraw_explicit
        || in_subject == Withdrawal::Explicit
        || (!has_name
            && (reading.withdraw_word
                || (!reading.sign_sentence && in_subject != Withdrawal::None)));
    if withdraw {
        return Ok(MailKind::Withdraw);
    }

    if !reading.any_field && !reading.sign_sentence {
        let forwarded = reading.forward_marker
            || ["fwd:", "fw:", "doorst:", "tr:", "wg:"]
                .iter()
                .any(|prefix| subject.trim_start().starts_with(prefix));
        return Err(if forwarded {
            Rejection::Forwarded
        } else {
            Rejection::NotASigningMail
        });
    }

    let name = match &reading.name {
        Some(name) => name.clone(),
        None if reading.name_label => return Err(Rejection::NameEmpty),
        None => return Err(Rejection::NameMissing),
    };
    let chars = name.chars().count();
    if chars > MAX_FIELD_CHARS {
        return Err(Rejection::NameTooLong { chars });
    }
    let published = [
        (Field::Name, Some(&name)),
        (Field::Function, reading.function.as_ref()),
        (Field::Organisation, reading.organisation.as_ref()),
        (Field::Place, reading.place.as_ref()),
    ];
    for (field, value) in published {
        let Some(value) = value else { continue };
        let chars = value.chars().count();
        if chars > MAX_FIELD_CHARS {
            return Err(Rejection::FieldTooLong { field, chars });
        }
        if contains_email_address(value) {
            return Err(Rejection::EmailAddressInField { field });
        }
    }

    Ok(MailKind::Sign(SignatureFields {
        name,
        function: reading.function.clone(),
        organisation: reading.organisation.clone(),
        place: reading.place.clone(),
        consent: reading.consent,
    }))
}

// ---------------------------------------------------------------------------------------------
// Reading the body text
// ---------------------------------------------------------------------------------------------

/// A template field as recognised from its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Function,
    Organisation,
    Place,
    Consent,
}

/// What the unquoted part of a body says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct BodyReading {
    name: Option<String>,
    /// A name label was present, even if empty.
    name_label: bool,
    function: Option<String>,
    organisation: Option<String>,
    place: Option<String>,
    consent: Option<bool>,
    /// Any template label was present.
    any_field: bool,
    /// The template's first line ("Ik onderteken de oproep ...") was present.
    sign_sentence: bool,
    /// Free text asks to withdraw the signature or name explicitly.
    withdraw_explicit: bool,
    /// Free text contains a withdrawal word such as "intrekken" or "afmelden".
    withdraw_word: bool,
    /// Reading stopped at a forwarded-message header.
    forward_marker: bool,
}

/// The field whose value is still being read (it may continue on the next line).
struct OpenField {
    slot: Slot,
    value: String,
    /// Characters on the last physical line of the field, to recognise re-wrapped lines.
    last_line_chars: usize,
    lines: usize,
    /// For consent: an answer written inside the label's brackets, "(ja)" instead of "(ja/nee)".
    hint: Option<bool>,
}

impl BodyReading {
    fn commit(&mut self, field: OpenField) {
        let value = clean_value(&field.value);
        match field.slot {
            Slot::Consent => {
                if self.consent.is_none() {
                    self.consent = parse_consent(&value).or(field.hint);
                }
            }
            slot => {
                if is_placeholder(&value) {
                    return;
                }
                let target = match slot {
                    Slot::Name => &mut self.name,
                    Slot::Function => &mut self.function,
                    Slot::Organisation => &mut self.organisation,
                    _ => &mut self.place,
                };
                // The first filled-in value counts; a later repeat is usually a pasted example.
                if target.is_none() {
                    *target = Some(value);
                }
            }
        }
    }
}

/// A line that introduces an earlier message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// "Op ... schreef ...:": the original follows quoted with '>', and the answer may come
    /// below it (bottom-posting), so only this line is skipped.
    Attribution,
    /// The original follows unquoted (Outlook's header block, "-----Original Message-----"):
    /// nothing after this line is the sender's own text.
    Reply,
    Forward,
}

/// Reads the template fields from a body, ignoring quoted text, everything after an unquoted
/// original (Outlook header block, forward header) or a signature separator, and the appeal's
/// title in the template's first line.
fn read_body(body: &str) -> BodyReading {
    let lines: Vec<&str> = body
        .split('\n')
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
        .collect();

    let mut reading = BodyReading::default();
    let mut open: Option<OpenField> = None;
    // Characters on the last line of the sign sentence while it may still continue (wrapped).
    let mut title_line_chars: Option<usize> = None;

    for (index, raw_line) in lines.iter().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('>') {
            if let Some(field) = open.take() {
                reading.commit(field);
            }
            title_line_chars = None;
            continue;
        }
        // "-- " starts the sender's signature block.
        if raw_line.trim_end() == "--" {
            break;
        }
        let lower = line.to_lowercase();
        match reply_header(&lower, &lines[index + 1..]) {
            Some(Cut::Attribution) => {
                if let Some(field) = open.take() {
                    reading.commit(field);
                }
                title_line_chars = None;
                continue;
            }
            Some(cut) => {
                reading.forward_marker = cut == Cut::Forward;
                break;
            }
            None => {}
        }

        if let Some((label, value, separator)) = split_label(line) {
            if let Some(slot) = classify_label(label) {
                if let Some(field) = open.take() {
                    reading.commit(field);
                }
                title_line_chars = None;
                reading.any_field = true;
                reading.name_label |= slot == Slot::Name;
                let hint = if slot == Slot::Consent && value.is_empty() {
                    bracket_contents(label).and_then(|inside| parse_consent(&inside))
                } else {
                    None
                };
                open = Some(OpenField {
                    slot,
                    value: value.to_owned(),
                    last_line_chars: line.chars().count(),
                    lines: 1,
                    hint,
                });
                continue;
            }
            if separator == Separator::Colon && looks_like_label(label) {
                // A field the template does not have ("Telefoon:", "Opmerking:"): never part
                // of the field above it, but its text may still ask to withdraw.
                if let Some(field) = open.take() {
                    reading.commit(field);
                }
                title_line_chars = None;
                note_withdrawal(&mut reading, &lower);
                continue;
            }
        }

        let starts_sentence = is_sign_sentence(&lower);
        if let Some(field) = open.as_mut()
            && !starts_sentence
            && !is_greeting(&lower)
            && continues_field(field, line)
        {
            field.value.push(' ');
            field.value.push_str(line);
            field.last_line_chars = line.chars().count();
            field.lines += 1;
            continue;
        }
        if let Some(field) = open.take() {
            reading.commit(field);
        }

        if starts_sentence {
            reading.sign_sentence = true;
            title_line_chars = Some(line.chars().count());
            continue;
        }
        // The rest of a re-wrapped sign sentence is still the appeal's title, whose words
        // ("intrekken ...") must not count as a request.
        if let Some(previous) = title_line_chars
            && is_wrapped(previous, line)
        {
            title_line_chars = Some(line.chars().count());
            continue;
        }
        title_line_chars = None;
        note_withdrawal(&mut reading, &lower);
    }
    if let Some(field) = open.take() {
        reading.commit(field);
    }
    reading
}

/// Whether `line` continues the open field: the value typed on the line below an empty label,
/// or the rest of a line that a mail program wrapped.
fn continues_field(field: &OpenField, line: &str) -> bool {
    if field.value.trim().is_empty() {
        return field.lines == 1;
    }
    is_wrapped(field.last_line_chars, line)
}

fn is_wrapped(previous_chars: usize, line: &str) -> bool {
    let first_word = line
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count());
    previous_chars + 1 + first_word > WRAP_WIDTH
}

fn note_withdrawal(reading: &mut BodyReading, lower: &str) {
    match withdrawal_request(lower) {
        Withdrawal::Explicit => {
            reading.withdraw_explicit = true;
            reading.withdraw_word = true;
        }
        Withdrawal::Word => reading.withdraw_word = true,
        Withdrawal::None => {}
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    Colon,
    Other,
}

/// Splits "Label: value", also "Label - value" and "Label = value", at the earliest separator.
fn split_label(line: &str) -> Option<(&str, &str, Separator)> {
    // One pass over the line for the earliest separator: this runs for every line of every mail.
    let bytes = line.as_bytes();
    let mut best: Option<(usize, usize, Separator)> = None;
    for (pos, c) in line.char_indices() {
        match c {
            ':' | '\u{FF1A}' => best = Some((pos, c.len_utf8(), Separator::Colon)),
            '=' => best = Some((pos, 1, Separator::Other)),
            '-' | '\u{2013}' | '\u{2014}' => {
                let end = pos + c.len_utf8();
                if pos > 0 && bytes[pos - 1] == b' ' && bytes.get(end) == Some(&b' ') {
                    best = Some((pos - 1, c.len_utf8() + 2, Separator::Other));
                }
            }
            _ => {}
        }
        if best.is_some() {
            break;
        }
    }
    let (label, value, kind) = match best {
        Some((pos, len, kind)) => (line.get(..pos)?, line.get(pos + len..)?, kind),
        // "Naam -" with nothing after it: the trailing space was trimmed away.
        None => {
            let label = line
                .strip_suffix(" -")
                .or_else(|| line.strip_suffix(" \u{2013}"))?;
            (label, "", Separator::Other)
        }
    };
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    Some((label, value.trim(), kind))
}

const NAME_LABELS: &[&str] = &[
    "naam",
    "volledige naam",
    "voor- en achternaam",
    "voornaam en achternaam",
    "name",
    "full name",
];
const FUNCTION_LABELS: &[&str] = &[
    "functie",
    "functietitel",
    "rol",
    "beroep",
    "function",
    "role",
    "job title",
    "job",
    "position",
    "occupation",
];
const ORGANISATION_LABELS: &[&str] = &[
    "organisatie",
    "werkgever",
    "instelling",
    "bedrijf",
    "organisation",
    "organization",
    "employer",
    "company",
    "affiliation",
];
const PLACE_LABELS: &[&str] = &[
    "plaats",
    "woonplaats",
    "gemeente",
    "stad",
    "place",
    "city",
    "town",
    "location",
    "locatie",
];
/// Any label containing one of these asks whether the name may be published.
const CONSENT_KEYS: &[&str] = &[
    "naam mag",
    "mag mijn naam",
    "publiceren",
    "publicatie",
    "op de website",
    "op de site",
    "tonen",
    "toon mijn naam",
    "toestemming",
    "vermeld",
    "zichtbaar",
    "openbaar",
    "publish",
    "consent",
    "show my name",
    "on the website",
    "display my name",
];
const POSSESSIVES: &[&str] = &["mijn ", "uw ", "je ", "jouw ", "your ", "my "];

/// Recognises a template label in its Dutch and English variants.
fn classify_label(label: &str) -> Option<Slot> {
    if label.chars().count() > 80 {
        return None;
    }
    let normalised = normalise_label(label);
    if normalised.is_empty() || normalised.split(' ').count() > 12 {
        return None;
    }
    if let Some(slot) = exact_slot(&normalised) {
        return Some(slot);
    }
    // "Functie/rol", "Plaats / gemeente": every part that is a label must agree.
    if normalised.contains('/') {
        let mut found = None;
        for part in normalised.split('/') {
            if let Some(slot) = exact_slot(part.trim()) {
                if found.is_some_and(|f| f != slot) {
                    return None;
                }
                found = Some(slot);
            }
        }
        if found.is_some() {
            return found;
        }
    }
    let lower = label.to_lowercase();
    CONSENT_KEYS
        .iter()
        .any(|key| lower.contains(key))
        .then_some(Slot::Consent)
}

fn exact_slot(label: &str) -> Option<Slot> {
    let label = POSSESSIVES
        .iter()
        .find_map(|p| label.strip_prefix(p))
        .unwrap_or(label);
    if NAME_LABELS.contains(&label) {
        Some(Slot::Name)
    } else if FUNCTION_LABELS.contains(&label) {
        Some(Slot::Function)
    } else if ORGANISATION_LABELS.contains(&label) {
        Some(Slot::Organisation)
    } else if PLACE_LABELS.contains(&label) {
        Some(Slot::Place)
    } else {
        None
    }
}

/// Lower-cases a label, drops bracketed hints like "(ja/nee)", list bullets and numbering, and
/// collapses whitespace.
fn normalise_label(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut depth = 0usize;
    for c in label.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out.trim_start_matches(|c: char| {
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(c, '-' | '*' | '•' | '·' | '.' | ')' | '#')
    })
    .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '*' | '?'))
    .to_owned()
}

/// Whether an unknown "Word:" at the start of a line is a label of its own ("Telefoon:",
/// "E-mail:") rather than text that happens to contain a colon.
fn looks_like_label(label: &str) -> bool {
    let words = label.split_whitespace().count();
    (1..=3).contains(&words)
        && label.chars().count() <= 30
        && label.chars().next().is_some_and(char::is_alphabetic)
        && label
            .chars()
            .all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '-' | '.' | '/' | '\''))
}

/// The text inside the first pair of brackets, e.g. "ja" from "op de website (ja)".
fn bracket_contents(label: &str) -> Option<String> {
    let start = label.find(['(', '['])?;
    let rest = label.get(start + 1..)?;
    let end = rest.find([')', ']'])?;
    rest.get(..end).map(str::to_owned)
}

const YES_WORDS: &[&str] = &[
    "ja",
    "jawel",
    "jazeker",
    "j",
    "yes",
    "y",
    "yep",
    "ok",
    "oké",
    "oke",
    "okay",
    "akkoord",
    "prima",
    "graag",
    "zeker",
    "natuurlijk",
    "tuurlijk",
    "uiteraard",
    "absoluut",
    "mag",
    "sure",
    "agreed",
    "true",
];
const NO_WORDS: &[&str] = &[
    "nee", "neen", "no", "n", "nope", "niet", "liever", "geen", "nooit", "never", "false",
    "anoniem",
];

/// Reads a consent answer from its first word; "ja/nee" left as it was is no answer.
fn parse_consent(value: &str) -> Option<bool> {
    let lower = value.to_lowercase();
    let lower = lower.trim();
    if lower.starts_with("geen bezwaar") || lower.starts_with("no objection") {
        return Some(true);
    }
    if is_yes_no_placeholder(lower) {
        return None;
    }
    let first: String = lower
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    if YES_WORDS.contains(&first.as_str()) {
        Some(true)
    } else if NO_WORDS.contains(&first.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// "ja/nee", "(ja / nee)", "yes or no": both answers, so the signatory did not choose.
fn is_yes_no_placeholder(lower: &str) -> bool {
    const YES: &[&str] = &["ja", "j", "yes", "y"];
    const NO: &[&str] = &["nee", "n", "no"];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "of" | "or"))
        .collect();
    matches!(words.as_slice(), [a, b]
        if (YES.contains(a) && NO.contains(b)) || (NO.contains(a) && YES.contains(b)))
}

/// A value that is only the template's hint or a "not applicable", not an answer.
fn is_placeholder(value: &str) -> bool {
    if value.is_empty() || !value.chars().any(char::is_alphanumeric) {
        return true;
    }
    let wrapped = |open: char, close: char| {
        value.starts_with(open) && value.ends_with(close) && {
            // Only when the brackets enclose the whole value: not "(Jan) de Vries (oud)".
            let inner = &value[open.len_utf8()..value.len() - close.len_utf8()];
            !inner.contains(open) && !inner.contains(close)
        }
    };
    if value.chars().count() >= 2 && (wrapped('(', ')') || wrapped('[', ']')) {
        return true;
    }
    let lower = value.to_lowercase();
    matches!(
        lower.as_str(),
        "n.v.t." | "n.v.t" | "nvt" | "n/a" | "geen" | "none" | "nvt."
    ) || is_yes_no_placeholder(&lower)
}

/// Removes control and text-direction override characters (which could garble the published
/// list) and collapses all whitespace to single spaces.
fn clean_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for c in value.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control()
            || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

fn contains_email_address(value: &str) -> bool {
    value.split_whitespace().any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        word.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain
                    .split_once('.')
                    .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty())
        })
    })
}

fn is_sign_sentence(lower: &str) -> bool {
    [
        "ik onderteken",
        "hierbij onderteken ik",
        "ik teken ",
        "hierbij teken ik",
        "i sign",
        "i hereby sign",
        "i am signing",
        "i'm signing",
    ]
    .iter()
    .any(|start| lower.starts_with(start))
}

fn is_greeting(lower: &str) -> bool {
    [
        "met vriendelijke groet",
        "vriendelijke groet",
        "met hartelijke groet",
        "hartelijke groet",
        "groet",
        "gr.",
        "gr,",
        "mvg",
        "m.v.g",
        "vr.gr",
        "vrgr",
        "hoogachtend",
        "dank",
        "bedankt",
        "kind regards",
        "best regards",
        "regards",
        "best,",
        "cheers",
        "thanks",
        "sincerely",
        "verstuurd vanaf",
        "verzonden vanaf",
        "sent from my",
    ]
    .iter()
    .any(|start| lower.starts_with(start))
}

/// Recognises the line where a quoted or forwarded original starts.
fn reply_header(lower: &str, following: &[&str]) -> Option<Cut> {
    const FORWARD: &[&str] = &[
        "forwarded message",
        "doorgestuurd bericht",
        "doorgestuurde bericht",
        "begin forwarded message",
        "message transféré",
        "weitergeleitete nachricht",
    ];
    const ORIGINAL: &[&str] = &[
        "original message",
        "oorspronkelijk bericht",
        "oorspronkelijke bericht",
        "origineel bericht",
        "message d'origine",
        "ursprüngliche nachricht",
    ];
    let separator_line = lower.starts_with('-') || lower.starts_with("begin ");
    if separator_line && FORWARD.iter().any(|m| lower.contains(m)) {
        return Some(Cut::Forward);
    }
    if separator_line && ORIGINAL.iter().any(|m| lower.contains(m)) {
        return Some(Cut::Reply);
    }
    // "Op ma 3 mrt 2025 om 10:12 schreef Jan <jan@example.nl>:", also when the mail program
    // wrapped it; Apple Mail: "Op 3 mrt 2025, om 10:12 heeft Jan het volgende geschreven:".
    // The date in it tells it apart from a sentence like "Op de website schreef u ...".
    let dated = || lower.bytes().any(|b| b.is_ascii_digit());
    let attribution = (((lower.starts_with("op ")
        && (lower.contains(" schreef") || lower.contains("geschreven")))
        || (lower.starts_with("on ") && lower.contains(" wrote"))
        || (lower.starts_with("am ") && lower.contains(" schrieb"))
        || (lower.starts_with("le ") && lower.contains(" a écrit")))
        && dated())
        || lower.ends_with("wrote:")
        || lower.ends_with("schreef:")
        || lower.ends_with("geschreven:");
    if attribution {
        return Some(Cut::Attribution);
    }
    // Outlook quotes the original under a block of its headers:
    // "Van: ...", "Verzonden: ...", "Aan: ...", "Onderwerp: ...".
    let header_name = |line: &str| -> Option<String> {
        let (name, _) = line.trim().split_once(':')?;
        let name = name.trim().trim_matches('*').trim().to_lowercase();
        (!name.is_empty()).then_some(name)
    };
    let may_be_header = ["van", "from", "*van", "*from"]
        .iter()
        .any(|start| lower.starts_with(start));
    if may_be_header && header_name(lower).is_some_and(|name| name == "van" || name == "from") {
        let more_headers = following
            .iter()
            .filter(|line| !line.trim().is_empty())
            .take(4)
            .filter_map(|line| header_name(line))
            .any(|name| {
                [
                    "verzonden",
                    "sent",
                    "datum",
                    "date",
                    "aan",
                    "to",
                    "onderwerp",
                    "subject",
                    "cc",
                ]
                .contains(&name.as_str())
            });
        if more_headers {
            return Some(Cut::Reply);
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Withdrawal {
    None,
    /// A word that asks to withdraw but may also be part of a title or comment.
    Word,
    /// Asks to withdraw the signature or the name itself.
    Explicit,
}

/// Whether lower-cased text asks to withdraw a signature.
fn withdrawal_request(lower: &str) -> Withdrawal {
    const OBJECTS: &[&str] = &["handtekening", "ondertekening", "signature"];
    const VERBS: &[&str] = &[
        "intrek",
        "in te trekken",
        "ingetrokken",
        "terugtrek",
        "terug te trekken",
        "teruggetrokken",
        "verwijder",
        "schrap",
        "withdraw",
        "remove",
        "delete",
        "retract",
    ];
    const PHRASES: &[&str] = &[
        "verwijder mijn naam",
        "mijn naam verwijderen",
        "mijn naam te verwijderen",
        "mijn naam schrappen",
        "trek mijn naam in",
        "remove my name",
        "withdraw my name",
        "delete my name",
    ];
    const WORDS: &[&str] = &[
        "intrekken",
        "in te trekken",
        "ingetrokken",
        "terugtrekken",
        "terug te trekken",
        "verwijder mij",
        "verwijder me ",
        "afmelden",
        "meld mij af",
        "meld me af",
        "uitschrijven",
        "schrijf mij uit",
        "schrijf me uit",
        "withdraw",
        "remove me",
        "unsubscribe",
    ];
    // Every pattern below contains one of these stems; most lines contain none of them.
    const STEMS: &[&str] = &[
        "trek",
        "verwijder",
        "schrap",
        "withdraw",
        "remove",
        "delete",
        "retract",
        "meld",
        "schrij",
        "unsubscribe",
    ];
    if !STEMS.iter().any(|stem| lower.contains(stem)) {
        return Withdrawal::None;
    }
    // "trek" on its own as a word: "hierbij trek ik mijn handtekening in", not "betrekken".
    let trek = lower.starts_with("trek ") || lower.contains(" trek ");
    let names_signature = OBJECTS.iter().any(|o| lower.contains(o))
        && (trek || VERBS.iter().any(|v| lower.contains(v)));
    if names_signature || PHRASES.iter().any(|p| lower.contains(p)) {
        Withdrawal::Explicit
    } else if WORDS.iter().any(|w| lower.contains(w)) {
        Withdrawal::Word
    } else {
        Withdrawal::None
    }
}

// ---------------------------------------------------------------------------------------------
// HTML bodies
// ---------------------------------------------------------------------------------------------

/// Block elements that start a new line when shown; mail programs put each typed line in one.
const BLOCK_TAGS: &[&str] = &[
    "div", "p", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre",
    "section", "article", "header", "footer", "dt", "dd", "address", "center",
];

/// Prepares an HTML body for mail-parser's `html_to_text`, which breaks lines only at `<br>` and
/// `</p>`: a `<br>` is added where another block element ends a line, so that
/// "<div>Naam: Jan</div><div>Functie: docent</div>" keeps its two lines. The HTML is cut at the
/// first `<blockquote>`, where mail programs put the quoted original of a reply.
fn html_with_line_breaks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    let mut text_since_break = false;
    while let Some(lt) = rest.find('<') {
        let (before, tag) = rest.split_at(lt);
        text_since_break |= before.chars().any(|c| !c.is_whitespace());
        out.push_str(before);

        let after_lt = &tag[1..];
        let closing = after_lt.starts_with('/');
        let name: String = after_lt
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name == "blockquote" && !closing {
            return out;
        }
        if name == "br" || (name == "p" && closing) {
            // html_to_text breaks the line here itself.
            text_since_break = false;
        } else if text_since_break && BLOCK_TAGS.contains(&name.as_str()) {
            out.push_str("<br>");
            text_since_break = false;
        }
        let end = tag.find('>').map_or(tag.len(), |gt| gt + 1);
        out.push_str(&tag[..end]);
        rest = &tag[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_recognised_in_dutch_and_english_variants() {
        let cases = [
            ("Naam", Some(Slot::Name)),
            ("NAAM ", Some(Slot::Name)),
            ("Volledige  naam", Some(Slot::Name)),
            ("Name", Some(Slot::Name)),
            ("- Naam", Some(Slot::Name)),
            ("1. Naam", Some(Slot::Name)),
            ("Naam (voor- en achternaam)", Some(Slot::Name)),
            ("Uw naam", Some(Slot::Name)),
            ("Functie", Some(Slot::Function)),
            ("Rol", Some(Slot::Function)),
            ("Beroep", Some(Slot::Function)),
            ("Job title", Some(Slot::Function)),
            ("Functie/rol", Some(Slot::Function)),
            ("Functie (optioneel)", Some(Slot::Function)),
            ("Organisatie", Some(Slot::Organisation)),
            ("Organization", Some(Slot::Organisation)),
            ("Werkgever", Some(Slot::Organisation)),
            ("Plaats", Some(Slot::Place)),
            ("Woonplaats", Some(Slot::Place)),
            ("Gemeente", Some(Slot::Place)),
            ("City", Some(Slot::Place)),
            ("Plaats / gemeente", Some(Slot::Place)),
            ("Mijn naam mag op de website (ja/nee)", Some(Slot::Consent)),
            ("Naam publiceren", Some(Slot::Consent)),
            ("Toestemming", Some(Slot::Consent)),
            (
                "Publish my name on the website (yes/no)",
                Some(Slot::Consent),
            ),
            ("Show my name", Some(Slot::Consent)),
            ("Telefoon", None),
            ("Naam/organisatie", None),
            ("https", None),
            ("Van", None),
        ];
        for (label, expected) in cases {
            assert_eq!(classify_label(label), expected, "label {label:?}");
        }
    }

    #[test]
    fn separators_colon_dash_and_equals() {
        assert_eq!(
            split_label("Naam: Jan: de baas"),
            Some(("Naam", "Jan: de baas", Separator::Colon))
        );
        assert_eq!(
            split_label("Naam - Jan-Peter de Vries"),
            Some(("Naam", "Jan-Peter de Vries", Separator::Other))
        );
        assert_eq!(
            split_label("Plaats = Zwolle"),
            Some(("Plaats", "Zwolle", Separator::Other))
        );
        assert_eq!(
            split_label("Functie -"),
            Some(("Functie", "", Separator::Other))
        );
        assert_eq!(split_label("Jan de Vries"), None);
        assert_eq!(split_label(": no label"), None);
    }

    #[test]
    fn consent_answers() {
        for yes in [
            "ja",
            "Ja!",
            "JA, graag",
            "yes",
            "j",
            "Y",
            "ok",
            "Oké",
            "akkoord",
            "geen bezwaar",
        ] {
            assert_eq!(parse_consent(yes), Some(true), "{yes:?}");
        }
        for no in [
            "nee",
            "Nee.",
            "no",
            "n",
            "liever niet",
            "niet",
            "anoniem graag",
        ] {
            assert_eq!(parse_consent(no), Some(false), "{no:?}");
        }
        for unclear in [
            "",
            "ja/nee",
            "(ja/nee)",
            "Ja / Nee",
            "yes or no",
            "misschien",
            "?",
        ] {
            assert_eq!(parse_consent(unclear), None, "{unclear:?}");
        }
    }

    #[test]
    fn placeholders_count_as_empty() {
        for empty in [
            "",
            "(ja/nee)",
            "[naam]",
            "(optioneel)",
            "...",
            "-",
            "n.v.t.",
            "N/A",
            "___",
        ] {
            assert!(is_placeholder(empty), "{empty:?}");
        }
        for real in [
            "Jan",
            "<script>alert(1)</script>",
            "(Jan) de Vries (oud)",
            "Geen Stijl BV",
        ] {
            assert!(!is_placeholder(real), "{real:?}");
        }
    }

    #[test]
    fn values_are_cleaned_but_markup_is_kept() {
        assert_eq!(clean_value("  Jan \t  de\u{a0}Vries  "), "Jan de Vries");
        assert_eq!(clean_value("Jan\u{7}\u{202E}sirV"), "JansirV");
        assert_eq!(clean_value("<b>Jan</b> & co"), "<b>Jan</b> & co");
    }

    fn template(name: &str) -> String {
        format!(
            "Ik onderteken de oproep \"Meer ruimte\".\n\nNaam: {name}\nFunctie:\nOrganisatie:\n\
             Plaats:\nMijn naam mag op de website (ja/nee):\n"
        )
    }

    #[test]
    fn empty_template_fields_stay_empty() {
        let reading = read_body(&template("Jan"));
        assert_eq!(reading.name.as_deref(), Some("Jan"));
        assert_eq!(reading.function, None);
        assert_eq!(reading.organisation, None);
        assert_eq!(reading.place, None);
        assert_eq!(reading.consent, None);
        assert!(reading.sign_sentence);
    }

    #[test]
    fn value_typed_below_its_label() {
        let reading =
            read_body("Naam:\nJan de Vries\nFunctie:\nMijn naam mag op de website:\nja\n");
        assert_eq!(reading.name.as_deref(), Some("Jan de Vries"));
        assert_eq!(reading.function, None);
        assert_eq!(reading.consent, Some(true));
    }

    #[test]
    fn wrapped_value_continues_without_swallowing_next_label() {
        let body = "Organisatie: Ministerie van Binnenlandse Zaken en Koninkrijksrelaties,\n\
                    directie Democratie\nPlaats: Den Haag\nTelefoon: 0612345678\n";
        let reading = read_body(body);
        assert_eq!(
            reading.organisation.as_deref(),
            Some("Ministerie van Binnenlandse Zaken en Koninkrijksrelaties, directie Democratie")
        );
        assert_eq!(reading.place.as_deref(), Some("Den Haag"));
    }

    #[test]
    fn short_line_does_not_take_the_next_sentence() {
        let reading = read_body("Plaats: Utrecht\nIk steun dit van harte.\n");
        assert_eq!(reading.place.as_deref(), Some("Utrecht"));
    }

    #[test]
    fn consent_answered_inside_the_brackets() {
        let reading = read_body("Naam: Jan\nMijn naam mag op de website (ja):\n");
        assert_eq!(reading.consent, Some(true));
        let reading = read_body("Naam: Jan\nMijn naam mag op de website (ja/nee):\n");
        assert_eq!(reading.consent, None);
    }

    #[test]
    fn quoted_and_forwarded_text_is_ignored() {
        // An attribution line only introduces the quote: an answer below it still counts.
        let body = "On Mon, 3 Mar 2025 at 10:00, Campaign <c@example.org> wrote:\n\
                    > Naam:\n> Functie: quoted\n\nNaam: Jan\n";
        let reading = read_body(body);
        assert_eq!(reading.name.as_deref(), Some("Jan"));
        assert_eq!(reading.function, None);
        // A sentence that merely starts like one is no attribution.
        let body = "Op de website schreef u dat ik dit kon sturen.\nNaam: Jan\n";
        assert_eq!(read_body(body).name.as_deref(), Some("Jan"));
        let body = "Naam: Jan\n> Functie: quoted\n";
        assert_eq!(read_body(body).function, None);
        let body = "Naam: Jan\n\nVan: Campagne <oproep@example.org>\nVerzonden: maandag\n\
                    Functie: in the original\n";
        assert_eq!(read_body(body).function, None);
        let body = "---------- Forwarded message ---------\nNaam: Jan\n";
        let reading = read_body(body);
        assert!(reading.forward_marker);
        assert_eq!(reading.name, None);
    }

    #[test]
    fn title_with_withdrawal_word_does_not_withdraw_a_signature() {
        let body = "Ik onderteken de oproep \"Intrekken van de bezuinigingen op het \
                    sociaal\nwerk: nu\".\n\nNaam: Jan\n";
        let reading = read_body(body);
        assert!(!reading.withdraw_word, "{reading:?}");
        let kind = decide(
            &reading,
            "ik onderteken: intrekken van de bezuinigingen",
            false,
        )
        .unwrap();
        assert!(matches!(kind, MailKind::Sign(_)));
    }

    #[test]
    fn withdrawal_levels() {
        assert_eq!(withdrawal_request("graag intrekken"), Withdrawal::Word);
        assert_eq!(
            withdrawal_request("hierbij trek ik mijn handtekening in"),
            Withdrawal::Explicit
        );
        assert_eq!(
            withdrawal_request("please remove my name"),
            Withdrawal::Explicit
        );
        assert_eq!(withdrawal_request("ik steun de oproep"), Withdrawal::None);
        // A comment with a bare withdrawal word does not undo a filled-in signature.
        let reading = read_body("Naam: Jan\n\nIk hoop dat de maatregel wordt ingetrokken.\n");
        assert!(matches!(decide(&reading, "", false), Ok(MailKind::Sign(_))));
        let reading = read_body("Naam: Jan\n\nVerwijder mijn naam alstublieft.\n");
        assert_eq!(decide(&reading, "", false), Ok(MailKind::Withdraw));
    }

    #[test]
    fn html_blocks_become_lines() {
        let html = "<div>Naam: Jan</div><div>Functie: docent</div><div><br></div>\
                    <div>Groet</div><blockquote><div>Plaats: quoted</div></blockquote>";
        let text = html_to_text(&html_with_line_breaks(html));
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        assert_eq!(lines, ["Naam: Jan", "Functie: docent", "", "Groet"]);
    }

    #[test]
    fn email_addresses_are_found() {
        assert!(contains_email_address("jan@example.nl"));
        assert!(contains_email_address("Jan (jan.devries@example.nl)"));
        assert!(!contains_email_address("Jan @ home"));
        assert!(!contains_email_address("Jan de Vries"));
    }
}
