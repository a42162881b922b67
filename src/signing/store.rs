//! The signatory data: `content/signatories.yaml`, written atomically under a lock, and the
//! private key that recognises a sender without storing their address.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};
use crate::model::Signatory;
use crate::yaml;

pub const SIGNATORIES_FILE: &str = "signatories.yaml";
/// Private, git-ignored folder beside `content/` (never published).
pub const PRIVATE_DIR: &str = ".oproep";
const KEY_FILE: &str = "signing.key";
const LOCK_FILE: &str = "signatories.lock";

/// A withdrawal, kept so that importing the same export again does not sign them up again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub sender: String,
    pub date: chrono::NaiveDate,
}

/// The whole data file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignatoryData {
    #[serde(default)]
    pub signatories: Vec<Signatory>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<Withdrawal>,
}

const HEADER: &str = "# Signatories of the appeal. Written by `oproep sign`; comments here are not kept.\n\
# No e-mail addresses: `sender` is a keyed hash of the address (key in .oproep/signing.key).\n";

/// Reads the data file; a site without one has no signatories yet.
pub fn load(content_dir: &Path) -> Result<SignatoryData> {
    let file = content_dir.join(SIGNATORIES_FILE);
    if !file.exists() {
        return Ok(SignatoryData::default());
    }
    from_text(&crate::load::read_text(&file)?, &file)
}

/// The data in `text`, the contents of `file`, checked as `load` checks it.
pub fn from_text(text: &str, file: &Path) -> Result<SignatoryData> {
    let data = parse(text, file)?;
    for (i, s) in data.signatories.iter().enumerate() {
        if s.name.trim().is_empty() {
            let line = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains("name"))
                .nth(i)
                .map(|(n, _)| n + 1);
            return Err(Error::content(
                Location {
                    path: file.to_path_buf(),
                    line,
                    column: None,
                },
                format!("signatory {} has an empty name", i + 1),
                "fill in the name, or delete this signatory's lines from the file",
            ));
        }
    }
    Ok(data)
}

/// The file is YAML. What `oproep sign` writes is also JSON (YAML's flow style, one signatory
/// a line), which serde_json reads many times faster than a YAML parser: large lists load
/// quickly, and a hand-edited file in any YAML style still loads, just slower.
#[doc(hidden)]
pub fn parse(text: &str, file: &Path) -> Result<SignatoryData> {
    let body = &text[comments_length(text)..];
    if let Some(data) = parse_by_line(body) {
        return Ok(data);
    }
    if body.trim_start().starts_with('{')
        && let Ok(data) = serde_json::from_str(body)
    {
        return Ok(data);
    }
    yaml::parse(text, file, 1)
}

/// The lines that open the two lists in what `to_text` writes, and `parse_by_line` reads.
const SIGNATORIES_OPEN: &str = "{\"signatories\": [";
const WITHDRAWN_OPEN: &str = "\"withdrawn\": [";

/// The file in exactly the shape `to_text` writes, one signatory a line, read line by line in
/// parallel; `None` for any other shape or any line that does not read on its own, which then
/// goes through the whole-file parsers and their error messages.
fn parse_by_line(body: &str) -> Option<SignatoryData> {
    let (signatories, withdrawn) = list_lines(body)?;
    Some(SignatoryData {
        signatories: items(&signatories, true)?,
        withdrawn: items(&withdrawn, true)?,
    })
}

/// The lines of the two lists of a file in exactly the shape `to_text` writes (after its
/// comments), or `None`.
fn list_lines(body: &str) -> Option<(Vec<&str>, Vec<&str>)> {
    fn until_end<'t>(lines: &mut std::str::Lines<'t>) -> Option<(Vec<&'t str>, &'t str)> {
        let mut items = Vec::new();
        loop {
            let line = lines.next()?;
            if line == "]," || line == "]}" {
                return Some((items, line));
            }
            items.push(line);
        }
    }
    let mut lines = body.lines();
    if lines.next()? != SIGNATORIES_OPEN {
        return None;
    }
    let (signatories, end) = until_end(&mut lines)?;
    let withdrawn = if end == "]," {
        if lines.next()? != WITHDRAWN_OPEN {
            return None;
        }
        let (withdrawn, end) = until_end(&mut lines)?;
        (end == "]}").then_some(withdrawn)?
    } else {
        Vec::new()
    };
    lines
        .all(|line| line.trim().is_empty())
        .then_some((signatories, withdrawn))
}

/// The items of a list, one a line, read in parallel; every line but the list's last ends in a
/// comma (`ends_list`: these lines end the list).
fn items<T: serde::de::DeserializeOwned + Send>(lines: &[&str], ends_list: bool) -> Option<Vec<T>> {
    use rayon::prelude::*;
    let last = lines.len().checked_sub(1).filter(|_| ends_list);
    lines
        .par_iter()
        .enumerate()
        .map(|(i, line)| {
            let json = if Some(i) == last {
                Some(*line)
            } else {
                line.strip_suffix(',')
            };
            serde_json::from_str(json.filter(|j| j.starts_with('{'))?).ok()
        })
        .collect()
}

/// A run of signatory lines of the data file (see [`signatory_blocks`]).
pub struct Block<'t> {
    /// The lines, each with its line break but the last.
    pub text: &'t str,
    /// Whether the last of these lines is the list's last, which has no comma.
    pub ends_list: bool,
}

/// Lines from which a block is about this many long, on average.
const BLOCK_LINES: u64 = 256;

/// The signatory lines of `text`, when it has exactly the shape `to_text` writes and its other
/// lines read, in blocks that `serve` parses and keeps one by one. A block ends after a line
/// whose hash says so, not after a number of lines: a signatory added, changed or removed then
/// changes its own block and leaves the others as they were. `None` for any other file.
pub fn signatory_blocks(text: &str) -> Option<Vec<Block<'_>>> {
    use std::hash::BuildHasher;
    let body = &text[comments_length(text)..];
    let (signatories, withdrawn) = list_lines(body)?;
    items::<Withdrawal>(&withdrawn, true)?;
    let hasher = rustc_hash::FxBuildHasher;
    // The lines are slices of `text`, one after another: a block is the text from its first
    // line to its last.
    let offset = |line: &str| line.as_ptr() as usize - text.as_ptr() as usize;
    let mut blocks = Vec::new();
    let mut start = 0;
    for (i, line) in signatories.iter().enumerate() {
        let last = i + 1 == signatories.len();
        if last || hasher.hash_one(line) % BLOCK_LINES == 0 {
            let (from, to) = (offset(signatories[start]), offset(line) + line.len());
            blocks.push(Block {
                text: &text[from..to],
                ends_list: last,
            });
            start = i + 1;
        }
    }
    Some(blocks)
}

/// The signatories of one block, or `None` when a line does not read on its own or has an
/// empty name: the whole-file parsers then say what is wrong and where.
pub fn parse_block(block: &Block) -> Option<Vec<Signatory>> {
    let lines: Vec<&str> = block.text.lines().collect();
    let signatories: Vec<Signatory> = items(&lines, block.ends_list)?;
    signatories
        .iter()
        .all(|s| !s.name.trim().is_empty())
        .then_some(signatories)
}

/// The length of the blank and comment lines at the start of `text`: JSON has no comments.
fn comments_length(text: &str) -> usize {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim();
        if !(content.is_empty() || content.starts_with('#')) {
            break;
        }
        start += line.len();
    }
    start
}

/// One signatory a line, in JSON, which is also YAML (see `parse`).
#[doc(hidden)]
pub fn to_text(data: &SignatoryData) -> serde_json::Result<String> {
    let mut text = String::with_capacity(data.signatories.len() * 160 + 64);
    text.push_str(SIGNATORIES_OPEN);
    text.push('\n');
    push_lines(&mut text, &data.signatories)?;
    text.push_str("],\n");
    text.push_str(WITHDRAWN_OPEN);
    text.push('\n');
    push_lines(&mut text, &data.withdrawn)?;
    text.push_str("]}\n");
    Ok(text)
}

/// The items of a JSON list, one a line.
fn push_lines<T: Serialize>(text: &mut String, items: &[T]) -> serde_json::Result<()> {
    for (i, item) in items.iter().enumerate() {
        push_yaml_safe(text, &serde_json::to_string(item)?);
        text.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
    }
    Ok(())
}

/// JSON leaves some characters as they are that YAML does not accept, or reads as a line
/// break; written as `\uXXXX`, which both read, the file stays loadable after a hand edit
/// that sends it through the YAML parser. They can only occur inside strings.
fn push_yaml_safe(text: &mut String, json: &str) {
    use std::fmt::Write as _;
    for c in json.chars() {
        match c {
            '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(text, "\\u{:04x}", c as u32);
            }
            _ => text.push(c),
        }
    }
}

/// Writes the data file atomically: a temporary file beside it, flushed to disk, renamed over
/// it. A crash at any moment leaves either the old or the new file, never half of one.
pub fn save(content_dir: &Path, data: &SignatoryData) -> Result<()> {
    let file = content_dir.join(SIGNATORIES_FILE);
    let text = to_text(data).map_err(|e| Error::Output {
        path: file.clone(),
        message: format!("cannot write the signatory data: {e}"),
    })?;
    let mut temp = tempfile::Builder::new()
        .prefix(".signatories-")
        .suffix(".tmp")
        .tempfile_in(content_dir)
        .map_err(|e| Error::io("cannot create a temporary file in", content_dir, e))?;
    temp.write_all(HEADER.as_bytes())
        .and_then(|_| temp.write_all(text.as_bytes()))
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| Error::io("cannot write", temp.path().to_path_buf(), e))?;
    temp.persist(&file)
        .map_err(|e| Error::io("cannot replace", &file, e.error))?;
    // The rename itself is durable only once the folder is synced.
    if let Ok(dir) = File::open(content_dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Held while a command changes the signatory data; a second one stops with a clear message.
pub struct Lock {
    _file: File,
}

impl Lock {
    pub fn acquire(root: &Path) -> Result<Lock> {
        let dir = private_dir(root)?;
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("cannot open", &path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Output {
                path,
                message: "another `oproep sign` command is changing the signatory data\n  \
                          hint: wait until it has finished, then run this command again"
                    .into(),
            }),
            Err(fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", path, e)),
        }
    }
}

fn private_dir(root: &Path) -> Result<PathBuf> {
    let dir = root.join(PRIVATE_DIR);
    fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    Ok(dir)
}

/// The secret that turns an address into the `sender` hash. Lose it and a second mail from
/// the same person can no longer be recognised, so it is created once and then required.
pub struct SenderKey([u8; 32]);

impl SenderKey {
    /// Loads the key. Without a key file a new key is made, but only while no signatory
    /// depends on one; `save` says whether it is written (a dry run writes nothing).
    pub fn for_data(root: &Path, data: &SignatoryData, save: bool) -> Result<SenderKey> {
        let path = root.join(PRIVATE_DIR).join(KEY_FILE);
        if let Ok(text) = fs::read_to_string(&path) {
            return Self::parse(text.trim()).ok_or_else(|| {
                Error::content(
                    Location::file(&path),
                    "the signing key is damaged",
                    "restore .oproep/signing.key from your backup",
                )
            });
        }
        let in_use =
            data.signatories.iter().any(|s| s.sender.is_some()) || !data.withdrawn.is_empty();
        if in_use {
            return Err(Error::content(
                Location::file(&path),
                "the signing key is missing, but the signatory data was made with one",
                "restore .oproep/signing.key from your backup; without it repeated mails \
                 and withdrawals can not be matched to signatories",
            ));
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| Error::Output {
            path: path.clone(),
            message: format!("cannot make a random key: {e}"),
        })?;
        if save {
            private_dir(root)?;
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&path, &hex)?;
        }
        Ok(SenderKey(key))
    }

    fn parse(hex: &str) -> Option<SenderKey> {
        if hex.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(SenderKey(key))
    }

    /// The keyed hash of an address, the same for any letter case.
    pub fn sender_id(&self, address: &str) -> String {
        let normalised = address.trim().to_lowercase();
        let hash = blake3::keyed_hash(&self.0, normalised.as_bytes());
        hash.to_hex()[..32].to_string()
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::io("cannot create", path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::io("cannot write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_characters_yaml_refuses_still_load_as_yaml() {
        let name = "Zo\u{85}\u{7f}\u{fffe}\u{2028}ë";
        let data = SignatoryData {
            signatories: vec![crate::model::Signatory {
                name: name.into(),
                function: None,
                organisation: None,
                place: None,
                date: "2021-01-01".parse().unwrap(),
                category: None,
                publish: true,
                highlight: false,
                sender: None,
            }],
            ..Default::default()
        };
        let text = to_text(&data).unwrap();
        let file = std::path::Path::new("signatories.yaml");
        // The JSON path, and the YAML path that a hand edit in block style would take.
        assert_eq!(parse(&text, file).unwrap().signatories[0].name, name);
        let as_yaml: SignatoryData = crate::yaml::parse(&text, file, 1).unwrap();
        assert_eq!(as_yaml.signatories[0].name, name);
    }

    fn sample() -> SignatoryData {
        let text = "signatories:\n- name: \"Zoë \\\"Z\\\" <b>\"\n  place: Ede\n  date: 2021-01-02\n  publish: true\n  highlight: true\n  sender: abc\nwithdrawn:\n- sender: def\n  date: 2021-02-03\n";
        parse(text, Path::new("signatories.yaml")).unwrap()
    }

    #[test]
    fn what_is_written_is_read_line_by_line_and_any_other_shape_as_a_whole() {
        let mut data = sample();
        let mut second = data.signatories[0].clone();
        second.name = "Bas, \"B\"".into();
        second.highlight = false;
        data.signatories.push(second);
        let text = to_text(&data).unwrap();
        assert_eq!(parse_by_line(&text), Some(data.clone()));
        // Without withdrawals, and with no signatories at all.
        let without = SignatoryData {
            withdrawn: Vec::new(),
            ..data.clone()
        };
        let short = to_text(&without)
            .unwrap()
            .replace("],\n\"withdrawn\": [\n]}", "]}");
        assert_eq!(parse_by_line(&short), Some(without));
        let empty = to_text(&SignatoryData::default()).unwrap();
        assert_eq!(parse_by_line(&empty), Some(SignatoryData::default()));
        // Other shapes: the whole-file parsers read them, with the same result.
        let pretty = serde_json::to_string_pretty(&data).unwrap();
        let trailing_comma = text.replacen("}\n],", "},\n],", 1);
        let commented = text.replacen("[\n", "[\n# a note\n", 1);
        for other in [&pretty, &commented] {
            assert_eq!(parse_by_line(other), None);
            assert_eq!(parse(other, Path::new("x")).unwrap(), data);
        }
        assert_ne!(trailing_comma, text);
        assert_eq!(parse_by_line(&trailing_comma), None);
    }

    fn many(count: usize) -> SignatoryData {
        let mut first = sample().signatories[0].clone();
        first.highlight = false;
        SignatoryData {
            signatories: (0..count)
                .map(|i| crate::model::Signatory {
                    name: format!("Naam {i}"),
                    ..first.clone()
                })
                .collect(),
            withdrawn: sample().withdrawn,
        }
    }

    /// The blocks' signatories, one block after another.
    fn read_blocks(text: &str) -> Option<Vec<crate::model::Signatory>> {
        let blocks = signatory_blocks(text)?;
        let parsed: Option<Vec<Vec<_>>> = blocks.iter().map(parse_block).collect();
        Some(parsed?.concat())
    }

    #[test]
    fn blocks_hold_every_signatory_once_in_order() {
        for count in [0, 1, 2, 5000] {
            let data = many(count);
            let text = format!("{HEADER}{}", to_text(&data).unwrap());
            assert_eq!(read_blocks(&text).unwrap(), data.signatories, "{count}");
            let blocks = signatory_blocks(&text).unwrap();
            if count == 5000 {
                // About one in BLOCK_LINES lines ends a block.
                assert!((5..=60).contains(&blocks.len()), "{}", blocks.len());
            }
            // Only the list's last line goes without a comma.
            let last = blocks.iter().filter(|b| b.ends_list).count();
            assert_eq!(last, usize::from(count > 0));
        }
    }

    #[test]
    fn a_signatory_added_changed_or_removed_changes_only_the_blocks_around_it() {
        let data = many(5000);
        let texts = |data: &SignatoryData| {
            let text = to_text(data).unwrap();
            let blocks = signatory_blocks(&text).unwrap();
            blocks
                .iter()
                .map(|b| (b.text.to_string(), b.ends_list))
                .collect::<Vec<_>>()
        };
        let before = texts(&data);
        let mut added = data.clone();
        added.signatories.push(data.signatories[0].clone());
        let mut changed = data.clone();
        changed.signatories[2500].name = "Iemand anders".into();
        let mut removed = data.clone();
        removed.signatories.remove(1234);
        let mut first = data.clone();
        first.signatories.insert(0, data.signatories[9].clone());
        for (what, data) in [
            ("added", added),
            ("changed", changed),
            ("removed", removed),
            ("added first", first),
        ] {
            let after = texts(&data);
            let new = after.iter().filter(|b| !before.contains(b)).count();
            assert!((1..=2).contains(&new), "{what}: {new} blocks are new");
            assert_eq!(
                read_blocks(&to_text(&data).unwrap()).unwrap(),
                data.signatories
            );
        }
    }

    #[test]
    fn blocks_are_only_for_the_written_shape_and_lines_that_read() {
        let data = many(3);
        let text = to_text(&data).unwrap();
        // Another shape, or withdrawals that do not read: the whole-file parsers take it.
        let pretty = serde_json::to_string_pretty(&data).unwrap();
        assert!(signatory_blocks(&pretty).is_none());
        let withdrawn = text.replacen("{\"sender\":\"def\"", "{\"sender\":7", 1);
        assert_ne!(withdrawn, text);
        assert!(signatory_blocks(&withdrawn).is_none());
        // A line in another style, or with an empty name: its block does not read.
        for edit in [
            text.replacen("{\"name\":\"Naam 1\"", "{name: Naam 1", 1),
            text.replacen("\"Naam 1\"", "\" \"", 1),
            text.replacen("},\n", "}\n", 1),
        ] {
            assert_ne!(edit, text);
            assert!(read_blocks(&edit).is_none(), "{edit}");
        }
    }

    #[test]
    fn what_is_written_reads_back_as_json_and_as_yaml() {
        let data = sample();
        assert_eq!(data.signatories[0].name, "Zoë \"Z\" <b>");
        let text = to_text(&data).unwrap();
        let as_json: SignatoryData = serde_json::from_str(&text).unwrap();
        let as_yaml: SignatoryData =
            yaml::parse(&format!("{HEADER}{text}"), Path::new("x"), 1).unwrap();
        assert_eq!(as_json, data);
        assert_eq!(as_yaml, data);
        assert_eq!(
            parse(&format!("{HEADER}{text}"), Path::new("x")).unwrap(),
            data
        );
    }

    #[test]
    fn a_hand_edit_in_yaml_style_still_loads_and_errors_name_the_line() {
        let text = "{\"signatories\": [\n{\"name\": \"A\", \"date\": \"2021-01-01\"},\n{name: B, date: 2021-01-02}\n]}\n";
        assert_eq!(parse(text, Path::new("x")).unwrap().signatories.len(), 2);
        let broken = "{\"signatories\": [\n{\"name\": \"A\", \"date\": \"2021-13-01\"}\n]}\n";
        let err = parse(broken, Path::new("signatories.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("signatories.yaml:2"), "{err}");
    }
}
