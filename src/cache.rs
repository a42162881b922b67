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
use crate::model::{Signatories, Signatory};
use crate::render::{Body, ExampleCard, Facet, SignatoryList, Templates};

pub type Key = blake3::Hash;

/// Keys are already hashes: FxHash takes their bytes much faster than the default SipHash.
type KeyMap<V> = HashMap<Key, V, rustc_hash::FxBuildHasher>;

/// What a build keeps is kept by several threads at once: in shards, each behind its own lock,
/// they seldom wait for each other. The shards stay apart from one build to the next.
const SHARDS: usize = 16;

/// Results of the previous build by the hash of their input.
pub struct Memo<V> {
    previous: [KeyMap<V>; SHARDS],
    current: [Mutex<KeyMap<V>>; SHARDS],
    /// Values made in this build, rather than reused.
    made: AtomicUsize,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            previous: Default::default(),
            current: Default::default(),
            made: AtomicUsize::new(0),
        }
    }
}

impl<V: Clone> Memo<V> {
    /// The value made from the input with hash `key`: the previous build's, or `make`'s.
    pub fn get_or(&self, key: Key, make: impl FnOnce() -> Result<V>) -> Result<V> {
        self.get_or_else(key, make)
    }

    /// Like [`Memo::get_or`], for a `make` that may make nothing.
    pub fn get_or_maybe(&self, key: Key, make: impl FnOnce() -> Option<V>) -> Option<V> {
        self.get_or_else(key, || make().ok_or(())).ok()
    }

    fn get_or_else<E>(
        &self,
        key: Key,
        make: impl FnOnce() -> std::result::Result<V, E>,
    ) -> std::result::Result<V, E> {
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
        let known = self.previous(&key).cloned().or_else(|| {
            let current = self.shard(&key).lock().expect("no panics while held");
            current.get(&key).cloned()
        })?;
        self.keep(key, known.clone());
        Some(known)
    }

    /// The previous build's value for `key`, without keeping it for the next.
    fn previous(&self, key: &Key) -> Option<&V> {
        self.previous[shard_of(key)].get(key)
    }

    /// Keeps `value` under `key` for the next build.
    fn keep(&self, key: Key, value: V) {
        self.shard(&key)
            .lock()
            .expect("no panics while held")
            .insert(key, value);
    }

    /// How many values this build made rather than reused.
    pub fn made(&self) -> usize {
        self.made.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.previous.iter().map(HashMap::len).sum()
    }
}

impl<V> Memo<V> {
    fn shard(&self, key: &Key) -> &Mutex<KeyMap<V>> {
        &self.current[shard_of(key)]
    }

    /// Returns what the build before the last made and the last did not use, to be freed.
    fn next_build(&mut self) -> [KeyMap<V>; SHARDS] {
        let current = self.current.each_mut().map(|shard| {
            let shard = shard.get_mut().expect("no panics while held");
            // Sized for as much as the last build kept: growing it was a part of every rebuild.
            let room = KeyMap::with_capacity_and_hasher(shard.len(), Default::default());
            std::mem::replace(shard, room)
        });
        self.made = AtomicUsize::new(0);
        std::mem::replace(&mut self.previous, current)
    }
}

fn shard_of(key: &Key) -> usize {
    usize::from(key.as_bytes()[0]) % SHARDS
}

/// The caches of one `serve` session.
#[derive(Default)]
pub struct BuildCache {
    /// Parsed markdown files, by path, settings and bytes.
    pub(crate) files: Memo<Arc<Parsed>>,
    /// The signatory data, by its file's bytes.
    pub(crate) signatories: Memo<Arc<Signatories>>,
    /// Blocks of the signatory file, parsed, by their bytes.
    pub(crate) signatory_blocks: Memo<Arc<[Signatory]>>,
    /// The signatory lists made from that data, by its file's bytes and the list's settings.
    pub(crate) signatory_lists: Memo<Arc<SignatoryList>>,
    /// Markdown bodies rendered to HTML, by text and base path.
    pub(crate) bodies: Memo<Arc<Body>>,
    /// Rendered pages, by template and everything in the template's context.
    pub(crate) pages: Memo<Arc<[u8]>>,
    /// Rendered example cards, likewise.
    pub(crate) cards: Memo<Arc<str>>,
    /// The facets of the examples, by what they are made from.
    pub(crate) facets: Memo<Arc<Vec<Facet>>>,
    /// Examples as templates see them, by the hash of the files they are made from.
    pub(crate) example_cards: Memo<Arc<ExampleCard>>,
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
    /// What the caches no longer hold, until [`BuildCache::take_unused`] or the next build.
    unused: Vec<Box<dyn Send + Sync>>,
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
    /// The rest is kept aside until [`BuildCache::take_unused`] or the next build.
    pub fn next_build(&mut self) {
        fn unused<V: Send + Sync + 'static>(memo: &mut Memo<V>) -> Box<dyn Send + Sync> {
            Box::new(memo.next_build())
        }
        self.unused = vec![
            unused(&mut self.reads.stamps),
            unused(&mut self.files),
            unused(&mut self.signatories),
            unused(&mut self.signatory_blocks),
            unused(&mut self.signatory_lists),
            unused(&mut self.bodies),
            unused(&mut self.pages),
            unused(&mut self.cards),
            unused(&mut self.fingerprints),
            unused(&mut self.templates),
            unused(&mut self.search_entries),
            unused(&mut self.search_index),
            unused(&mut self.example_cards),
            unused(&mut self.facets),
        ];
        self.reads.read = AtomicUsize::new(0);
    }

    /// What the last build no longer needed, to be freed when it suits the caller: after a new
    /// signatory, that is 50,000 signatories of the file as it was, a few milliseconds' work
    /// that `serve` does after the reload event rather than before.
    pub fn take_unused(&mut self) -> impl Send + use<> {
        std::mem::take(&mut self.unused)
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
