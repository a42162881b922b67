//! What `oproep serve` keeps from one build to the next, so that a rebuild after one saved
//! file redoes only the work whose input changed.
//!
//! Everything is keyed by a hash of its complete input (a file's bytes, a page's template
//! context), never by a guess at what depends on what: a cached result is used only when it
//! was made from exactly the same input. Each build keeps what it used, and the rest is
//! dropped, so the cache never holds more than two builds' worth.
//!
//! One shortcut: when the watcher says what changed, a rebuild trusts it (see [`FileReads`]).
//! It lists and reads only the files and folders the watcher named and takes every other file
//! as the last build read it. Walking, `stat`-ing and hashing 10,000 files was a third of a
//! rebuild. What a watcher may have missed is found afterwards, off the way to the reload
//! event, by [`BuildCache::missed_changes`].

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher, Hash};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::error::Result;
use crate::load::Parsed;
use crate::model::{Signatories, Signatory};
use crate::render::{Body, ExampleCard, Facet, SignatoryList, Templates};

pub type Key = blake3::Hash;

/// Keys are hashes or paths: FxHash takes their bytes much faster than the default SipHash.
type KeyMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// New values are kept by several threads at once: in shards, each behind its own lock,
/// they seldom wait for each other.
const SHARDS: usize = 16;

/// Results by the hash of their input (or, for [`FileReads`], by path), kept while builds use
/// them.
///
/// During a build, what earlier builds made is only read: using a value marks it with the
/// build's number, without a lock. Values made anew wait in their own maps. After the build,
/// [`Memo::tidy`] drops what it did not use and takes in what it made; with 10,000 examples
/// a rebuild reuses about 100,000 values, and keeping each anew in a locked map was a tenth
/// of it.
pub struct Memo<V, K = Key> {
    kept: [KeyMap<K, Kept<V>>; SHARDS],
    made_now: [Mutex<KeyMap<K, V>>; SHARDS],
    /// The number of the build under way.
    build: u32,
    /// Values made in this build, rather than reused.
    made: AtomicUsize,
}

struct Kept<V> {
    value: V,
    /// The last build that used it.
    used: AtomicU32,
}

impl<V, K> Default for Memo<V, K> {
    fn default() -> Self {
        Memo {
            kept: Default::default(),
            made_now: Default::default(),
            build: 0,
            made: AtomicUsize::new(0),
        }
    }
}

impl<V: Clone> Memo<V> {
    /// The value made from the input with hash `key`: an earlier build's, or `make`'s.
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

    /// The value already made from the input with hash `key`, in this build or an earlier one.
    pub fn get(&self, key: Key) -> Option<V> {
        self.use_kept(&key)
    }

    /// How many values this build made rather than reused.
    pub fn made(&self) -> usize {
        self.made.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.kept.iter().map(HashMap::len).sum()
    }
}

impl<V: Clone, K: Hash + Eq> Memo<V, K> {
    /// The value kept under `key`, marked as used by this build.
    fn use_kept<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let shard = shard_of(key);
        if let Some(kept) = self.kept[shard].get(key) {
            kept.used.store(self.build, Ordering::Relaxed);
            return Some(kept.value.clone());
        }
        let made_now = self.made_now[shard].lock().expect("no panics while held");
        made_now.get(key).cloned()
    }

    /// The value an earlier build kept under `key`, without marking it as used.
    fn earlier<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.kept[shard_of(key)].get(key).map(|kept| &kept.value)
    }

    /// The value this build used or made under `key`.
    fn this_build<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let shard = shard_of(key);
        let made_now = self.made_now[shard].lock().expect("no panics while held");
        made_now.get(key).cloned().or_else(|| {
            let kept = self.kept[shard].get(key)?;
            (kept.used.load(Ordering::Relaxed) == self.build).then(|| kept.value.clone())
        })
    }

    /// Marks the value under `key` as not used by this build, unless it is used again, so that
    /// [`Memo::tidy`] drops it: for what a patch of the last build (see [`crate::rerender`])
    /// replaced, which that build did use.
    pub(crate) fn retire(&self, key: &K) {
        let shard = shard_of(key);
        if let Some(kept) = self.kept[shard].get(key) {
            kept.used
                .store(self.build.wrapping_sub(1), Ordering::Relaxed);
        }
        let mut made_now = self.made_now[shard].lock().expect("no panics while held");
        made_now.remove(key);
    }

    /// Keeps `value`, made by this build, under `key`.
    fn keep(&self, key: K, value: V) {
        self.made_now[shard_of(&key)]
            .lock()
            .expect("no panics while held")
            .insert(key, value);
    }
}

impl<V, K: Hash + Eq> Memo<V, K> {
    /// Drops what the last build did not use and keeps what it made. Freeing can take a few
    /// milliseconds (a signatory file's worth of names), so `serve` calls this after the
    /// reload event; otherwise the next build does.
    fn tidy(&mut self) {
        let build = self.build;
        for (kept, made_now) in self.kept.iter_mut().zip(&mut self.made_now) {
            let made_now = made_now.get_mut().expect("no panics while held");
            if kept.is_empty() && made_now.is_empty() {
                continue;
            }
            kept.retain(|_, kept| *kept.used.get_mut() == build);
            kept.extend(made_now.drain().map(|(key, value)| {
                let used = AtomicU32::new(build);
                (key, Kept { value, used })
            }));
        }
    }

    fn next_build(&mut self) {
        self.tidy();
        self.build += 1;
        self.made = AtomicUsize::new(0);
    }
}

fn shard_of<K: Hash + ?Sized>(key: &K) -> usize {
    rustc_hash::FxBuildHasher.hash_one(key) as usize % SHARDS
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
    /// The key of each page in `pages`, by its path (hashed).
    pub(crate) page_keys: Mutex<KeyMap<Key, Key>>,
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
    /// Which content files were read, and which need not be read again.
    pub(crate) reads: FileReads,
    /// The last whole build, for `serve` to patch (see [`crate::rerender`]).
    pub(crate) last: Option<crate::LastBuild>,
}

impl BuildCache {
    /// Notes that the page at `path` is now the one under `key` in `pages`; the one it was
    /// before is retired. Without this, each patch of `serve` kept the pages it replaced until
    /// the next whole build: 50 MB more for each new signatory at 100,000 signatories.
    pub(crate) fn page_made(&self, path: &str, key: Key) {
        let slot = crate::cache::key(&[b"page", path.as_bytes()]);
        let mut keys = self.page_keys.lock().expect("no panics while held");
        if let Some(old) = keys.insert(slot, key)
            && old != key
        {
            self.pages.retire(&old);
        }
    }

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

    /// Call before each build: what the last build used stays for this one to reuse, the
    /// rest goes (unless [`BuildCache::tidy`] did that already).
    pub fn next_build(&mut self) {
        for memo in self.memos() {
            memo.next_build();
        }
        // A whole build names every page's key anew; those of pages gone go with them.
        self.page_keys
            .get_mut()
            .expect("no panics while held")
            .clear();
        self.reads.read = AtomicUsize::new(0);
    }

    /// Call before a patch of the last build: what it used stays, and what the patch makes
    /// joins it (see [`crate::rerender`]), but for what it replaces (see [`Self::page_made`]
    /// and [`Memo::retire`]).
    pub(crate) fn begin_patch(&mut self) {
        self.reads.read = AtomicUsize::new(0);
        self.pages.made = AtomicUsize::new(0);
    }

    /// Frees what the last build did not use. `serve` calls it after the reload event: after a
    /// new signatory, that is the 50,000 signatories of the file as it was, a few milliseconds
    /// that need not come before the reload.
    pub fn tidy(&mut self) {
        for memo in self.memos() {
            memo.tidy();
        }
    }

    /// Every memo, each named once.
    fn memos(&mut self) -> [&mut dyn Tidy; 13] {
        [
            &mut self.reads.stamps,
            &mut self.files,
            &mut self.signatories,
            &mut self.signatory_blocks,
            &mut self.signatory_lists,
            &mut self.bodies,
            &mut self.pages,
            &mut self.cards,
            &mut self.fingerprints,
            &mut self.templates,
            &mut self.search_entries,
            &mut self.example_cards,
            &mut self.facets,
        ]
    }

    /// What changed in `content_dir` that the last build did not take in: files that differ
    /// from what it read, and files it did not list or that are gone. Empty when the watcher
    /// missed nothing. `serve` asks after each rebuild's reload event and rebuilds with what
    /// this names.
    pub fn missed_changes(&self, content_dir: &Path) -> Result<Vec<PathBuf>> {
        self.reads.missed(content_dir, crate::load::list_files)
    }
}

/// What [`BuildCache`] does to each of its memos between builds.
trait Tidy {
    fn tidy(&mut self);
    fn next_build(&mut self);
}

impl<V, K: Hash + Eq> Tidy for Memo<V, K> {
    fn tidy(&mut self) {
        Memo::tidy(self)
    }
    fn next_build(&mut self) {
        Memo::next_build(self)
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
            Changes::Paths(paths) => paths.iter().any(|path| is_within(relative, path)),
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

/// Which content files a build must list and read, and which it may take from the last build as
/// they were.
///
/// When the watcher said what changed ([`Changes::Paths`]), a build trusts it: it lists again
/// only the files and folders named, and reads only those and files it has no result for.
/// Otherwise ([`Changes::Unknown`], and always on a first build) it walks `content/` and reads
/// every file whose `stat` differs from when it was read.
///
/// A watcher can miss a change: an event lost, a file written while a new folder was being
/// watched. [`BuildCache::missed_changes`] walks and `stat`s everything after a build and
/// names what differs from what the build took, for one more build.
#[derive(Default)]
pub(crate) struct FileReads {
    /// By file: its stamp when it was read, what else its reading depended on (such as the
    /// settings), and the key of what was made from it.
    /// (By the path's bytes: hashing a `Path` goes component by component, and was a tenth of
    /// a rebuild.)
    stamps: Memo<Stamped, OsString>,
    /// Every file in `content/` (relative, in walk order) as the last build listed them.
    listing: Mutex<Option<Arc<Vec<PathBuf>>>>,
    changes: Changes,
    read: AtomicUsize,
}

#[derive(Clone, Copy)]
struct Stamped {
    stamp: Stamp,
    depends_on: Key,
    made: Key,
}

impl FileReads {
    /// The files in `content_dir`, relative to it, in walk order: `walk`'s, or, when the watcher
    /// said what changed, the last build's with only the changed paths listed again.
    pub(crate) fn list(
        &self,
        content_dir: &Path,
        walk: impl Fn(&Path) -> Result<Vec<PathBuf>>,
    ) -> Result<Arc<Vec<PathBuf>>> {
        let mut listing = self.listing.lock().expect("no panics while held");
        let files = match (&self.changes, listing.as_deref()) {
            (Changes::Paths(changed), Some(last)) => {
                let mut files: Vec<PathBuf> = last
                    .iter()
                    .filter(|file| !changed.iter().any(|c| is_within(file, c)))
                    .cloned()
                    .collect();
                for path in changed {
                    for file in list_path(content_dir, path, &walk)? {
                        if let Err(at) = files.binary_search(&file) {
                            files.insert(at, file);
                        }
                    }
                }
                files
            }
            _ => walk(content_dir)?,
        };
        let files = Arc::new(files);
        *listing = Some(files.clone());
        Ok(files)
    }

    /// What was made from `file` (at `relative` in `content/`), with its key: `read_and_make`'s
    /// result, or the last build's when the file has not changed and `memo` still has it.
    /// `depends_on` stands for whatever else the result depends on, such as settings.
    pub(crate) fn made_from<V: Clone>(
        &self,
        memo: &Memo<V>,
        file: &Path,
        relative: &Path,
        depends_on: Key,
        read_and_make: impl FnOnce() -> Result<(Key, V)>,
    ) -> Result<(Key, V)> {
        let last = self
            .stamps
            .earlier(file.as_os_str())
            .filter(|last| last.depends_on == depends_on);
        // A file the watcher named is read again whatever `stat` says: on a file system that
        // keeps times to the second, a write of the same length can leave it all the same.
        // Any other file is trusted when the watcher said what changed, and `stat`-ed when not.
        if let Some(last) = last
            && !self.changes.may_include(relative)
            && (matches!(self.changes, Changes::Paths(_)) || Stamp::of(file) == Some(last.stamp))
            && let Some(value) = memo.get(last.made)
        {
            self.stamps.use_kept(file.as_os_str());
            return Ok((last.made, value));
        }
        // Taken before reading: a write in between leaves the new text under the old stamp,
        // which the next check sees as changed, never the other way round.
        let stamp = Stamp::of(file);
        self.read.fetch_add(1, Ordering::Relaxed);
        let (made, value) = read_and_make()?;
        if let Some(stamp) = stamp {
            let stamped = Stamped {
                stamp,
                depends_on,
                made,
            };
            self.stamps.keep(file.as_os_str().to_owned(), stamped);
        }
        Ok((made, value))
    }

    /// Whether the last build listed `relative`, a path in `content/`.
    pub(crate) fn was_listed(&self, relative: &Path) -> bool {
        let listing = self.listing.lock().expect("no panics while held");
        listing.as_deref().is_some_and(|files| {
            files
                .binary_search_by(|f| f.as_path().cmp(relative))
                .is_ok()
        })
    }

    /// The files whose listing or `stat` differs from what the last build took, relative to
    /// `content_dir`, sorted.
    fn missed(
        &self,
        content_dir: &Path,
        walk: impl Fn(&Path) -> Result<Vec<PathBuf>>,
    ) -> Result<Vec<PathBuf>> {
        let listed = self.listing.lock().expect("no panics while held").clone();
        let Some(listed) = listed else {
            return Ok(Vec::new()); // no build yet: nothing taken, nothing missed
        };
        let on_disk = walk(content_dir)?;
        fn set(files: &[PathBuf]) -> HashSet<&OsStr, rustc_hash::FxBuildHasher> {
            files.iter().map(|file| file.as_os_str()).collect()
        }
        let (listed_set, on_disk_set) = (set(&listed), set(&on_disk));
        let mut missed: Vec<PathBuf> = on_disk
            .par_iter()
            .filter(|file| {
                !listed_set.contains(file.as_os_str()) || {
                    let path = content_dir.join(file);
                    self.stamps
                        .this_build(path.as_os_str())
                        .is_some_and(|taken| Stamp::of(&path) != Some(taken.stamp))
                }
            })
            .cloned()
            .collect();
        missed.extend(
            listed
                .iter()
                .filter(|file| !on_disk_set.contains(file.as_os_str()))
                .cloned(),
        );
        missed.sort();
        Ok(missed)
    }
}

/// Whether `file` is `path` or inside it; both relative to `content/`, compared as bytes since
/// `Path::starts_with` taken 10,000 times was a millisecond.
fn is_within(file: &Path, path: &Path) -> bool {
    let (file, path) = (
        file.as_os_str().as_encoded_bytes(),
        path.as_os_str().as_encoded_bytes(),
    );
    path.is_empty()
        || file.strip_prefix(path).is_some_and(|rest| {
            rest.is_empty() || rest.first() == Some(&std::path::MAIN_SEPARATOR_STR.as_bytes()[0])
        })
}

/// The files a changed `path` (relative to `content_dir`) stands for now, as `walk` lists
/// them: itself if it is a file, what is in it if it is a folder, nothing if it is gone or
/// hidden.
fn list_path(
    content_dir: &Path,
    path: &Path,
    walk: impl Fn(&Path) -> Result<Vec<PathBuf>>,
) -> Result<Vec<PathBuf>> {
    let hidden = path
        .iter()
        .any(|part| part.as_encoded_bytes().starts_with(b"."));
    if hidden {
        return Ok(Vec::new());
    }
    let full = content_dir.join(path);
    Ok(match std::fs::symlink_metadata(&full) {
        Ok(meta) if meta.is_file() => vec![path.to_path_buf()],
        Ok(meta) if meta.is_dir() => walk(&full)?
            .into_iter()
            .map(|file| path.join(file))
            .collect(),
        _ => Vec::new(),
    })
}

/// The hash of `part` under `key`: for a key made from another key and a short part, one
/// block of work, a third of [`key`]'s. `key` and `part` go in different places, so nothing
/// needs to keep them apart.
pub fn derive(key: &Key, part: &[u8]) -> Key {
    blake3::keyed_hash(key.as_bytes(), part)
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

        // Tidied after a build, what it used stays and the rest goes; tidying again, or the
        // next build, changes nothing more.
        memo.get_or(key(&[b"c"]), || make("c")).unwrap();
        memo.tidy();
        assert_eq!(memo.len(), 1, "b was not used");
        assert_eq!(memo.this_build(&key(&[b"c"])).as_deref(), Some("C"));
        memo.tidy();
        memo.next_build();
        assert_eq!(memo.len(), 1);
        assert_eq!(
            memo.this_build(&key(&[b"c"])),
            None,
            "not used by this build yet"
        );
        assert_eq!(memo.get(key(&[b"c"])).as_deref(), Some("C"));
        assert_eq!(memo.this_build(&key(&[b"c"])).as_deref(), Some("C"));
    }

    #[test]
    fn a_path_is_within_itself_and_its_folders_only() {
        let within = |file: &str, path: &str| is_within(Path::new(file), Path::new(path));
        assert!(within("voorbeelden/zwemles.md", "voorbeelden"));
        assert!(within("voorbeelden/zwemles.md", "voorbeelden/zwemles.md"));
        assert!(
            within("voorbeelden/zwemles.md", ""),
            "content/ itself holds everything"
        );
        assert!(!within("voorbeelden2/zwemles.md", "voorbeelden"));
        assert!(!within(
            "voorbeelden/zwemles.md.tmp",
            "voorbeelden/zwemles.md"
        ));
        assert!(!within("voorbeelden", "voorbeelden/zwemles.md"));
    }
}
