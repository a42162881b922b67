//! `oproep init`: a new site that builds as it is, with the default theme from the binary.

use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};

static STARTER: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/starter");

/// Creates a new site in `dir`, which must not hold a `content/` folder yet.
/// Returns the files written, relative to `dir`.
pub fn init_site(dir: &Path) -> Result<Vec<PathBuf>> {
    let content = dir.join("content");
    if content.exists() {
        return Err(Error::Output {
            path: content,
            message: "a site already exists here; oproep init does not overwrite it\n  \
                      hint: choose a new folder"
                .into(),
        });
    }
    let mut written = Vec::new();
    write_dir(&STARTER, dir, &mut written)?;
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        fs::write(&gitignore, "public/\n.oproep/\n")
            .map_err(|e| Error::io("cannot write", &gitignore, e))?;
        written.push(PathBuf::from(".gitignore"));
    }
    written.sort();
    Ok(written)
}

fn write_dir(dir: &Dir<'static>, root: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    for file in dir.files() {
        let target = root.join(file.path());
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        fs::write(&target, file.contents()).map_err(|e| Error::io("cannot write", &target, e))?;
        written.push(file.path().to_path_buf());
    }
    for sub in dir.dirs() {
        write_dir(sub, root, written)?;
    }
    Ok(())
}
