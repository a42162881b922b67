//! `oproep init`: a new site that builds as it is, with the default theme from the binary.
//!
//! Everything in `src/starter/` is written: the example content, and the files that publish
//! the site without editing a line: `.github/workflows/pages.yml` (GitHub Pages),
//! `.gitlab-ci.yml` (GitLab Pages) and `netlify.toml` (Netlify). See docs/publishing.md.

use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};

// include_dir embeds hidden files and folders too (`.github/`, `.gitlab-ci.yml`); the tests
// below check that. Cargo does not notice a file *added* to src/starter/: touch this file then.
static STARTER: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/starter");

/// Creates a new site in `dir`, which must not hold a `content/` folder yet.
/// Returns the files written, relative to `dir`. A file that already exists outside
/// `content/` (an earlier `.gitlab-ci.yml`, say) is kept as it is and not listed.
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
        if target.exists() {
            // Only possible outside content/, which did not exist: keep the campaign's own file.
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLISHING: [&str; 3] = [
        ".github/workflows/pages.yml",
        ".gitlab-ci.yml",
        "netlify.toml",
    ];

    #[test]
    fn init_embeds_hidden_files_and_folders() {
        for file in PUBLISHING {
            let embedded = STARTER
                .get_file(file)
                .unwrap_or_else(|| panic!("{file} is not embedded in the binary"));
            let text = std::str::from_utf8(embedded.contents()).unwrap();
            assert!(text.contains("oproep build"), "{file}: {text}");
        }
        assert!(STARTER.get_file("content/site.yaml").is_some());
    }

    #[test]
    fn init_writes_the_publishing_files() {
        let dir = tempfile::tempdir().unwrap();
        let written = init_site(dir.path()).unwrap();
        for file in PUBLISHING {
            assert!(written.contains(&PathBuf::from(file)), "{written:?}");
            let on_disk = fs::read(dir.path().join(file)).unwrap();
            assert_eq!(on_disk, STARTER.get_file(file).unwrap().contents());
        }
        assert!(written.contains(&PathBuf::from(".gitignore")));
        assert!(written.contains(&PathBuf::from("content/site.yaml")));
    }

    #[test]
    fn init_keeps_existing_files_beside_content() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".gitlab-ci.yml"), "eigen: {}\n").unwrap();
        let written = init_site(dir.path()).unwrap();
        assert!(!written.contains(&PathBuf::from(".gitlab-ci.yml")));
        assert_eq!(
            fs::read_to_string(dir.path().join(".gitlab-ci.yml")).unwrap(),
            "eigen: {}\n"
        );
        assert!(dir.path().join(".github/workflows/pages.yml").exists());
    }
}
