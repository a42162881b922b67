//! What `oproep serve` keeps from one build to the next, so that a rebuild after one saved
//! file redoes only the work whose input changed.
//!
//! Everything is keyed by a hash of its complete input (a file's bytes, a page's template
//! context), never by file dates or by a guess at what depends on what: a cached result is
//! used only when it was made from exactly the same input. Each build keeps what it used, and
//! the rest is dropped, so the cache never holds more than two builds' worth.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
        let known = self.previous.get(&key).cloned().or_else(|| {
            let current = self.current.lock().expect("no panics while held");
            current.get(&key).cloned()
        });
        let value = match known {
            Some(value) => value,
            None => {
                self.made.fetch_add(1, Ordering::Relaxed);
                make()?
            }
        };
        self.current
            .lock()
            .expect("no panics while held")
            .insert(key, value.clone());
        Ok(value)
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
    pub(crate) files: Memo<Parsed>,
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
    /// The compiled templates, by their sources.
    pub(crate) templates: Memo<Arc<Templates>>,
}

impl BuildCache {
    /// Pages the last build rendered with the template engine rather than reused.
    pub fn pages_made(&self) -> usize {
        self.pages.made()
    }

    /// Call before each build: what the last build used becomes what this one may reuse.
    pub fn next_build(&mut self) {
        self.files.next_build();
        self.signatories.next_build();
        self.signatory_lists.next_build();
        self.bodies.next_build();
        self.pages.next_build();
        self.cards.next_build();
        self.templates.next_build();
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
