//! Write: put the rendered files into the output directory, all or nothing.
//!
//! The site is written into a temporary directory beside the output and swapped in only when
//! every file was written, so a failed build leaves the previous site exactly as it was.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::render::{Contents, OutputFile};

/// Writes `files` to `output`, replacing what was there only when all of them are written.
pub fn write_site(output: &Path, files: &[OutputFile]) -> Result<()> {
    check_replaceable(output)?;
    let parent = parent_of(output);
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create", &parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".oproep-build-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("cannot create a temporary folder in", &parent, e))?;

    // The previous build, if there is one: files that did not change are linked, not written.
    let previous = output.join("index.html").is_file().then_some(output);
    files
        .par_iter()
        .try_for_each(|file| write_file(staging.path(), previous, file))?;

    swap_in(staging, output)
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

fn write_file(root: &Path, previous: Option<&Path>, file: &OutputFile) -> Result<()> {
    let target = root.join(&file.path);
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    let bytes: std::borrow::Cow<[u8]> = match &file.contents {
        Contents::Bytes(bytes) => bytes.into(),
        Contents::Embedded(bytes) => (*bytes).into(),
        Contents::CopyOf(source) => fs::read(source)
            .map_err(|e| Error::io("cannot read", source, e))?
            .into(),
    };
    if let Some(previous) = previous
        && link_if_unchanged(&previous.join(&file.path), &target, &bytes)
    {
        return Ok(());
    }
    fs::write(&target, &bytes).map_err(|e| Error::io("cannot write", &target, e))
}

/// Links `target` to the previous build's file when its bytes are the same: a link is much
/// cheaper than writing, and the file's date stays what it was, so uploads can skip it.
/// The new build never writes into a linked file, so the old site is never changed.
fn link_if_unchanged(old: &Path, target: &Path, bytes: &[u8]) -> bool {
    let same_size = fs::metadata(old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size
        && fs::read(old).is_ok_and(|old_bytes| old_bytes == bytes)
        && fs::hard_link(old, target).is_ok()
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
