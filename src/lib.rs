//! oproep: a static site generator for public appeals that people read, share and sign.
//!
//! The build runs in one direction: [`load`] reads `content/` into the [`model`], [`render`]
//! turns the model into files with the [`theme`], and [`write`] swaps them into the output.

pub mod check;
pub mod error;
pub mod init;
pub mod load;
pub mod mailto;
pub mod model;
pub mod render;
pub mod serve;
pub mod signing;
pub mod theme;
pub mod write;
mod yaml;

use std::path::{Path, PathBuf};

use error::Location;
pub use error::{Error, Result};

/// What `oproep build` is asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site's folder, holding `content/` and optionally `themes/`.
    pub root: PathBuf,
    /// Where the site goes; `root/public` when not given.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from the settings.
    pub base_url: Option<String>,
    pub drafts: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: None,
            base_url: None,
            drafts: false,
        }
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub output: PathBuf,
    pub pages: usize,
    pub files: usize,
}

/// A site rendered in memory: what `build` writes, `serve` serves and `check` checks.
pub struct RenderedSite {
    pub loaded: load::Loaded,
    pub files: Vec<render::OutputFile>,
    pub base: render::BaseUrl,
}

impl RenderedSite {
    pub fn page_count(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "html"))
            .count()
    }
}

/// Loads and renders the site without writing anything.
pub fn render_site(options: &BuildOptions) -> Result<RenderedSite> {
    let content_dir = options.content_dir();
    let loaded = load::load_site(
        &content_dir,
        &load::LoadOptions {
            drafts: options.drafts,
        },
    )?;
    let settings = &loaded.site.settings;
    let base_url = options.base_url.as_deref().unwrap_or(&settings.base_url);
    let base = render::BaseUrl::parse(base_url).map_err(|message| {
        let location = match &options.base_url {
            Some(_) => Location::file(Path::new("--base-url")),
            None => Location::file(&content_dir.join(load::SETTINGS_FILE)),
        };
        Error::content(
            location,
            message,
            "write the full address, e.g. https://example.org/oproep/",
        )
    })?;
    let theme = theme::load_theme(&options.root, &settings.theme, &settings.language)?;
    let files = render::render_site(&loaded, &content_dir, &theme, &base)?;
    Ok(RenderedSite {
        loaded,
        files,
        base,
    })
}

/// The output is replaced as a whole, so it must not hold the site's own files: not the site
/// folder or a folder above it, and nothing inside `content/` or `themes/`.
fn check_output_location(root: &Path, output: &Path) -> Result<()> {
    let root = resolve(root);
    let output = resolve(output);
    let inside = |dir: &str| output.starts_with(root.join(dir));
    if root.starts_with(&output) || inside("content") || inside("themes") {
        return Err(Error::Output {
            path: output,
            message: "the output folder would replace the site's own files\n  hint: choose a \
                      folder outside content/ and themes/, such as public/ (the default)"
                .into(),
        });
    }
    Ok(())
}

/// The absolute, symlink-free form of a path that may not exist yet.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut resolved = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    resolved.extend(rest.iter().rev());
    resolved
}

/// Builds the site: load, render, write. Nothing is written unless everything succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    let output = options.output_dir();
    check_output_location(&options.root, &output)?;
    let rendered = render_site(options)?;
    write::write_site(&output, &rendered.files)?;
    Ok(BuildReport {
        pages: rendered.page_count(),
        files: rendered.files.len(),
        output,
    })
}
