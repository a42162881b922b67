//! What `oproep serve` keeps from one build to the next, so that a rebuild after one saved
//! file redoes only the work whose input changed.
//!
//! Everything is keyed by a hash of its complete input (a file's bytes, a page's template
//! context), never by a guess at what depends on what: a cached result is used only when it
//! was made from exactly the same input. Each build keeps what it used, and the rest is
//! dropped, so the cache never holds more than two builds' worth.
//!
//! One shortcut: a content file is not read again when the watcher did not name it *and*
//! `stat` says the same as when it was read (see [`FileReads`]). Reading and hashing every
//! file was a third of a rebuild at 2,000 examples.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::error::Result;
use crate::load::Parsed;
use crate::model::Signatory;
use crate::render::{Body, SignatoryList, Templates};

pub type Key = blake3::Hash;

/// Results of the previous build by the hash of their input.
pub struct Memo<V> {
    previous: HashMap<Key, V>,
    current: Mutex<HashMap<Key, V>>,
    /// Values made in this build, rather than reused.
    made: AtomicUsize,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            previous: HashMap::new(),
            current: Mutex::new(HashMap::new()),
            made: AtomicUsize::new(0),
        }
    }
}

impl<V: Clone> Memo<V> {
    /// The value made from the input with hash `key`: the previous build's, or `make`'s.
    pub fn get_or(&self, key: Key, make: impl FnOnce() -> Result<V>) -> Result<V> {
        if let Some(value) = self.get(key) {
            return Ok(value);
        }
        self.made.fetch_add(1, Ordering::Relaxed);
        let value = make()?;
        self.keep(key, value.clone());
        Ok(value)
    }

    /// The value already made from the input with hash `key`, in this build or the last.
    pub fn get(&self, key: Key) -> Option<V> {
        let known = self.previous.get(&key).cloned().or_else(|| {
            let current = self.current.lock().expect("no panics while held");
            current.get(&key).cloned()
        })?;
        self.keep(key, known.clone());
        Some(known)
    }

    /// The previous build's value for `key`, without keeping it for the next.
    fn previous(&self, key: &Key) -> Option<&V> {
        self.previous.get(key)
    }

    /// Keeps `value` under `key` for the next build.
    fn keep(&self, key: Key, value: V) {
        self.current
            .lock()
            .expect("no panics while held")
            .insert(key, value);
    }

    fn next_build(&mut self) {
        self.previous = std::mem::take(self.current.get_mut().expect("no panics while held"));
        self.made = AtomicUsize::new(0);
    }

    /// How many values this build made rather than reused.
    pub fn made(&self) -> usize {
        self.made.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.previous.len()
    }
}

/// The caches of one `serve` session.
#[derive(Default)]
pub struct BuildCache {
    /// Parsed markdown files, by path, settings and bytes.
    pub(crate) files: Memo<Arc<Parsed>>,
    /// The signatory data, by its file's bytes.
    pub(crate) signatories: Memo<Arc<Vec<Signatory>>>,
    /// The signatory lists made from that data, by its file's bytes and the list's settings.
    pub(crate) signatory_lists: Memo<Arc<SignatoryList>>,
    /// Markdown bodies rendered to HTML, by text and base path.
    pub(crate) bodies: Memo<Arc<Body>>,
    /// Rendered pages, by template and everything in the template's context.
    pub(crate) pages: Memo<Arc<[u8]>>,
    /// Rendered example cards, likewise.
    pub(crate) cards: Memo<Arc<[u8]>>,
    /// The fingerprint an example's page or card had, by the hash of the files it is made
    /// from: found there, the fingerprint need not be made again.
    pub(crate) fingerprints: Memo<Key>,
    /// The compiled templates, by their sources.
    pub(crate) templates: Memo<Arc<Templates>>,
    /// Examples' entries in the search index, as JSON, by what they are made from.
    pub(crate) search_entries: Memo<Arc<str>>,
    /// The whole search index, by its entries.
    pub(crate) search_index: Memo<Arc<[u8]>>,
    /// Which content files were read, and which need not be read again.
    pub(crate) reads: FileReads,
}

impl BuildCache {
    /// Pages the last build rendered with the template engine rather than reused.
    pub fn pages_made(&self) -> usize {
        self.pages.made()
    }

    /// Content files the last build read from disk, rather than trusting what it read before.
    pub fn files_read(&self) -> usize {
        self.reads.read.load(Ordering::Relaxed)
    }

    /// What changed in `content/` before the next build, as a file watcher reports it. Without
    /// this, or after [`Changes::Unknown`], the next build reads every file.
    pub fn set_changes(&mut self, changes: Changes) {
        self.reads.changes = changes;
    }

    /// Call before each build: what the last build used becomes what this one may reuse.
    pub fn next_build(&mut self) {
        self.reads.stamps.next_build();
        self.reads.read = AtomicUsize::new(0);
        self.files.next_build();
        self.signatories.next_build();
        self.signatory_lists.next_build();
        self.bodies.next_build();
        self.pages.next_build();
        self.cards.next_build();
        self.fingerprints.next_build();
        self.templates.next_build();
        self.search_entries.next_build();
        self.search_index.next_build();
    }
}

/// What changed in `content/` since the last build.
#[derive(Debug, Clone, Default)]
pub enum Changes {
    /// Anything may have: read every file. A watcher that lost events says this.
    #[default]
    Unknown,
    /// Only these files or folders, relative to `content/`, may have changed.
    Paths(Vec<PathBuf>),
}

impl Changes {
    fn may_include(&self, relative: &Path) -> bool {
        match self {
            Changes::Unknown => true,
            // A folder that changed (renamed, say) stands for everything in it.
            Changes::Paths(paths) => paths.iter().any(|path| relative.starts_with(path)),
        }
    }
}

/// What `stat` says about a file: when any of it differs, the file was written since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Unix's change time and inode also move on a write that restores the old size and
    /// modification time, and on a file renamed over the old one.
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Stamp {
    fn of(file: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(file).ok()?;
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            changed: (metadata.ctime(), metadata.ctime_nsec()),
            #[cfg(unix)]
            inode: (metadata.dev(), metadata.ino()),
        })
    }
}

/// Which content files a build must read, and which it may take from the last build as they
/// were. A file is read again when the watcher named it (or a folder it is in), when the watcher
/// could not say what changed, or when `stat` says anything else than when it was last read;
/// any one of them is enough, so a lost event alone does not leave a page stale.
#[derive(Default)]
pub(crate) struct FileReads {
    /// By the hash of a file's path and what else its reading depends on: its stamp when it was
    /// read, and the key of what was made from it.
    stamps: Memo<(Stamp, Key)>,
    changes: Changes,
    read: AtomicUsize,
}

impl FileReads {
    /// What was made from `file` (at `relative` in `content/`), with its key: `read_and_make`'s
    /// result, or the last build's when the file has not changed and `memo` still has it.
    /// `depends_on` is whatever else the result depends on, such as settings.
    pub(crate) fn made_from<V: Clone>(
        &self,
        memo: &Memo<V>,
        file: &Path,
        relative: &Path,
        depends_on: &[u8],
        read_and_make: impl FnOnce() -> Result<(Key, V)>,
    ) -> Result<(Key, V)> {
        let slot = key(&[file.as_os_str().as_encoded_bytes(), depends_on]);
        // Taken before reading: a write in between leaves the new text under the old stamp,
        // which the next build sees as changed, never the other way round.
        let stamp = Stamp::of(file);
        if let Some(stamp) = stamp
            && !self.changes.may_include(relative)
            && let Some(&(then, key)) = self.stamps.previous(&slot)
            && then == stamp
            && let Some(value) = memo.get(key)
        {
            self.stamps.keep(slot, (stamp, key));
            return Ok((key, value));
        }
        self.read.fetch_add(1, Ordering::Relaxed);
        let (key, value) = read_and_make()?;
        if let Some(stamp) = stamp {
            self.stamps.keep(slot, (stamp, key));
        }
        Ok((key, value))
    }
}

/// The hash of several inputs taken together.
pub fn key(parts: &[&[u8]]) -> Key {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        // The length keeps ("ab", "c") apart from ("a", "bc").
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_reused_for_the_same_input_and_dropped_when_a_build_does_not_use_it() {
        let mut memo: Memo<String> = Memo::default();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = |text: &str| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(text.to_uppercase())
        };
        memo.next_build();
        assert_eq!(memo.get_or(key(&[b"a"]), || make("a")).unwrap(), "A");
        assert_eq!(memo.get_or(key(&[b"a"]), || make("a")).unwrap(), "A");
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 1);
        memo.next_build();
        memo.get_or(key(&[b"a"]), || make("a")).unwrap();
        memo.get_or(key(&[b"b"]), || make("b")).unwrap();
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 2);
        memo.next_build();
        memo.get_or(key(&[b"b"]), || make("b")).unwrap();
        memo.next_build();
        // "a" was not used by the last build, so it is gone.
        assert_eq!(memo.len(), 1);
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
    }
}
