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
    /// The previous build is updated in place, rather than replaced as a whole.
    update: bool,
    files: AtomicUsize,
    pages: AtomicUsize,
    /// Rebuild only: every file of the new site, and the changed ones as (staged, relative).
    present: Mutex<HashSet<PathBuf>>,
    changed: Mutex<Vec<(PathBuf, PathBuf)>>,
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
        Ok(SiteWriter {
            output: output.to_path_buf(),
            staging,
            update: output.join("index.html").is_file(),
            files: AtomicUsize::new(0),
            pages: AtomicUsize::new(0),
            present: Mutex::new(HashSet::new()),
            changed: Mutex::new(Vec::new()),
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
        if !self.update {
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
        if !self.update {
            report.written = report.files;
            swap_in(self.staging, &self.output)?;
            return Ok(report);
        }
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
        report.removed = remove_stale(&self.output, &present)?;
        Ok(report)
    }
}

/// Whether `old` holds exactly `bytes`; its size is compared first, which is cheap.
fn unchanged(old: &Path, bytes: &[u8]) -> bool {
    fs::metadata(old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && fs::read(old).is_ok_and(|old_bytes| old_bytes == bytes)
}

/// Removes the previous build's files that the new site does not have, and the folders that
/// are left empty. Returns how many files went.
fn remove_stale(output: &Path, present: &HashSet<PathBuf>) -> Result<usize> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(output)
        .min_depth(1)
        .contents_first(true)
    {
        let entry = entry.map_err(|e| Error::io("cannot read", output, e.into()))?;
        let relative = entry.path().strip_prefix(output).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            // Fails, as meant, when the folder still holds something.
            let _ = fs::remove_dir(entry.path());
        } else if !present.contains(relative) {
            fs::remove_file(entry.path())
                .map_err(|e| Error::io("cannot remove", entry.path(), e))?;
            removed += 1;
        }
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
