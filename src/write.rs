//! Write: put the rendered files into the output directory, all or nothing.
//!
//! Files are written while the rest of the site is still rendering, but never into the output
//! itself: they go to a temporary folder beside it, and only when every file has been rendered
//! and written does [`SiteWriter::finish`] move them into place. A failed build leaves the
//! previous site exactly as it was.
//!
//! - **First build** (no previous site): the whole site is written into the temporary folder,
//!   which is then renamed to the output.
//! - **Rebuild**: each file is compared with the previous build's; only files whose bytes
//!   changed are written (to the temporary folder) and then renamed over the old ones, and
//!   files the site no longer has are removed. Unchanged files are not touched, so their dates
//!   stay what they were and an upload can skip them, and a small change costs a few writes
//!   rather than a new copy of the whole site.

use std::collections::HashSet;
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::render::{Contents, OutputFile};

/// What [`SiteWriter::finish`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteReport {
    /// Files in the site.
    pub files: usize,
    /// HTML files in the site.
    pub pages: usize,
    /// Files written because they are new or their bytes changed.
    pub written: usize,
    /// Files of the previous build that the site no longer has.
    pub removed: usize,
}

/// Receives the files of one build and puts them into the output when all have arrived.
pub struct SiteWriter {
    output: PathBuf,
    staging: tempfile::TempDir,
    files: AtomicUsize,
    pages: AtomicUsize,
    /// Rebuild only: every file of the new site, and the changed ones as (staged, relative).
    present: Mutex<HashSet<PathBuf>>,
    changed: Mutex<Vec<(PathBuf, PathBuf)>>,
    /// Rebuild only: the previous build's files, listed while the new site renders. A
    /// rebuild updates the previous build in place, rather than replacing it as a whole.
    previous: Option<std::thread::JoinHandle<Result<Vec<PathBuf>>>>,
}

impl SiteWriter {
    /// Prepares to write a site to `output`, refusing a folder that is not a previous build.
    pub fn begin(output: &Path) -> Result<SiteWriter> {
        check_replaceable(output)?;
        let parent = parent_of(output);
        fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create", &parent, e))?;
        let staging = tempfile::Builder::new()
            .prefix(".oproep-build-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io("cannot create a temporary folder in", &parent, e))?;
        // Listing the old site, a few syscalls per folder, was a small site's longest step
        // after rendering; on a thread of its own it is done while the pages render.
        let previous = output.join("index.html").is_file().then(|| {
            let output = output.to_path_buf();
            std::thread::spawn(move || list_files(&output))
        });
        Ok(SiteWriter {
            output: output.to_path_buf(),
            staging,
            files: AtomicUsize::new(0),
            pages: AtomicUsize::new(0),
            present: Mutex::new(HashSet::new()),
            changed: Mutex::new(Vec::new()),
            previous,
        })
    }

    /// Writes one file of the new site to the temporary folder, unless the previous build
    /// has it with the same bytes. Safe to call from several threads at once.
    pub fn put(&self, file: &OutputFile) -> Result<()> {
        let number = self.files.fetch_add(1, Ordering::Relaxed);
        if file.path.extension().is_some_and(|e| e == "html") {
            self.pages.fetch_add(1, Ordering::Relaxed);
        }
        let bytes: std::borrow::Cow<[u8]> = match &file.contents {
            Contents::Bytes(bytes) => bytes.into(),
            Contents::Shared(bytes) => (&bytes[..]).into(),
            Contents::Parts(elements) => crate::render::join_parts(elements).into(),
            Contents::Embedded(bytes) => (*bytes).into(),
            Contents::CopyOf(source) => fs::read(source)
                .map_err(|e| Error::io("cannot read", source, e))?
                .into(),
        };
        if self.previous.is_none() {
            let target = self.staging.path().join(&file.path);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
            }
            return fs::write(&target, &bytes).map_err(|e| Error::io("cannot write", &target, e));
        }
        self.present
            .lock()
            .expect("no panics while held")
            .insert(file.path.clone());
        if unchanged(&self.output.join(&file.path), &bytes) {
            return Ok(());
        }
        // Staged flat, by number: the folders are made in the output only when moving in.
        let staged = self.staging.path().join(number.to_string());
        fs::write(&staged, &bytes).map_err(|e| Error::io("cannot write", &staged, e))?;
        self.changed
            .lock()
            .expect("no panics while held")
            .push((staged, file.path.clone()));
        Ok(())
    }

    /// Moves the new site into place. Until this is called, the output is untouched.
    pub fn finish(self) -> Result<WriteReport> {
        let mut report = WriteReport {
            files: self.files.into_inner(),
            pages: self.pages.into_inner(),
            ..WriteReport::default()
        };
        let Some(listing) = self.previous else {
            report.written = report.files;
            swap_in(self.staging, &self.output)?;
            return Ok(report);
        };
        let changed = self.changed.into_inner().expect("no panics while held");
        report.written = changed.len();
        for (staged, relative) in &changed {
            let target = self.output.join(relative);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
            }
            if target.is_dir() {
                // A folder of the old site that is now a file.
                fs::remove_dir_all(&target).map_err(|e| Error::io("cannot remove", &target, e))?;
            }
            fs::rename(staged, &target).map_err(|e| Error::io("cannot write", &target, e))?;
        }
        let present = self.present.into_inner().expect("no panics while held");
        let previous = listing.join().expect("listing files does not panic")?;
        report.removed = remove_stale(&self.output, &previous, &present)?;
        Ok(report)
    }
}

/// Whether `old` holds exactly `bytes`. Its size is compared first, which is cheap; then its
/// bytes, a block at a time into a buffer on the stack: reading each old page into a new
/// allocation cost more than comparing it.
fn unchanged(old: &Path, bytes: &[u8]) -> bool {
    // Looked at before opening: opening something other than a file, such as a pipe, can wait.
    if !fs::metadata(old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) {
        return false;
    }
    let Ok(mut file) = fs::File::open(old) else {
        return false;
    };
    let mut block = [0; 64 * 1024];
    bytes.chunks(block.len()).all(|expected| {
        let block = &mut block[..expected.len()];
        file.read_exact(block).is_ok() && block == expected
    })
}

/// Every file below `output` (other than folders), relative to it.
fn list_files(output: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(output).min_depth(1) {
        let entry = entry.map_err(|e| Error::io("cannot read", output, e.into()))?;
        if !entry.file_type().is_dir() {
            let relative = entry.path().strip_prefix(output).unwrap_or(entry.path());
            files.push(relative.to_path_buf());
        }
    }
    Ok(files)
}

/// Removes the `previous` build's files that the new site does not have, and the folders that
/// this leaves empty. Returns how many files went.
fn remove_stale(output: &Path, previous: &[PathBuf], present: &HashSet<PathBuf>) -> Result<usize> {
    let mut removed = 0;
    // Only the folders that held a removed file can have become empty.
    let mut emptied = std::collections::BTreeSet::new();
    for relative in previous.iter().filter(|file| !present.contains(*file)) {
        let path = output.join(relative);
        match fs::remove_file(&path) {
            Ok(()) => removed += 1,
            // Gone already: it was in a folder that the new site has as a file.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {}
            Err(e) => return Err(Error::io("cannot remove", &path, e)),
        }
        emptied.extend(
            relative
                .ancestors()
                .skip(1)
                .filter(|dir| !dir.as_os_str().is_empty()),
        );
    }
    // Deepest first: a folder's subfolders go before it. Fails, as meant, on a folder that
    // still holds something.
    for dir in emptied.iter().rev() {
        let _ = fs::remove_dir(output.join(dir));
    }
    Ok(removed)
}

/// Refuses to replace a folder that does not look like a previous build, so that a wrong
/// `--output` can not delete someone's files.
fn check_replaceable(output: &Path) -> Result<()> {
    let Ok(mut entries) = fs::read_dir(output) else {
        return Ok(()); // does not exist yet
    };
    let empty = entries.next().is_none();
    if empty || output.join("index.html").is_file() {
        Ok(())
    } else {
        Err(Error::Output {
            path: output.to_path_buf(),
            message: "the folder exists and does not hold a built site (no index.html); \
                      oproep will not replace it\n  hint: choose an empty or new folder with --output"
                .into(),
        })
    }
}

fn parent_of(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Moves the finished build into place; the old output is removed only after that worked.
fn swap_in(staging: tempfile::TempDir, output: &Path) -> Result<()> {
    let old = if output.exists() {
        let old = tempfile::Builder::new()
            .prefix(".oproep-old-")
            .tempdir_in(parent_of(output))
            .map_err(|e| Error::io("cannot create a temporary folder beside", output, e))?
            .keep();
        // Renaming onto the empty temporary folder replaces it.
        fs::rename(output, &old).map_err(|e| Error::io("cannot move aside", output, e))?;
        Some(old)
    } else {
        None
    };
    let staged = staging.keep();
    // Temporary folders are private (0700); a published site must be readable by the web server.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&staged, fs::Permissions::from_mode(0o755));
    }
    if let Err(e) = fs::rename(&staged, output) {
        if let Some(old) = &old {
            let _ = fs::rename(old, output);
        }
        let _ = fs::remove_dir_all(&staged);
        return Err(Error::io("cannot move the new site into", output, e));
    }
    if let Some(old) = old {
        let _ = fs::remove_dir_all(old);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: PathBuf::from(path),
            contents: Contents::Bytes(text.as_bytes().to_vec()),
        }
    }

    /// A file counts as unchanged only when every byte is the same, also past the first block
    /// and when only the last byte differs.
    #[test]
    fn unchanged_compares_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        let long: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&old, &long).unwrap();
        assert!(unchanged(&old, &long));
        let mut last_differs = long.clone();
        *last_differs.last_mut().unwrap() ^= 1;
        assert!(!unchanged(&old, &last_differs));
        assert!(!unchanged(&old, &long[..long.len() - 1]), "shorter");
        fs::write(&old, b"abc").unwrap();
        assert!(!unchanged(&old, b"abd"), "same size, other bytes");
        assert!(unchanged(&old, b"abc"));
        assert!(!unchanged(&dir.path().join("missing"), b""));
        assert!(!unchanged(dir.path(), b""), "a folder");
    }

    /// A rebuild removes the files the site no longer has and the folders that leaves empty,
    /// deepest first; folders that still hold something stay, and so do unchanged files.
    #[test]
    fn a_rebuild_removes_stale_files_and_the_folders_they_leave_empty() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        for (path, text) in [
            ("index.html", "home"),
            ("a/keep.html", "kept"),
            ("a/b/c/gone.html", "old"),
            ("d/e/gone.html", "old"),
            ("f/index.html", "a folder that becomes a file"),
        ] {
            let path = output.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let writer = SiteWriter::begin(&output).unwrap();
        for new in [
            file("index.html", "home"),
            file("a/keep.html", "kept"),
            file("f", "now a file"),
        ] {
            writer.put(&new).unwrap();
        }
        let report = writer.finish().unwrap();
        assert_eq!((report.files, report.written), (3, 1));
        assert_eq!(report.removed, 2, "the two files below a/b/c and d/e");
        for gone in ["a/b", "d"] {
            assert!(!output.join(gone).exists(), "{gone} is left");
        }
        assert_eq!(
            fs::read_to_string(output.join("a/keep.html")).unwrap(),
            "kept"
        );
        assert_eq!(fs::read_to_string(output.join("f")).unwrap(), "now a file");
        let beside: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            beside.len(),
            1,
            "nothing temporary is left beside the output"
        );
    }
}
