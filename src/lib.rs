//! oproep: a static site generator for public appeals that people read, share and sign.
//!
//! The build runs in one direction: [`load`] reads `content/` into the [`model`], [`render`]
//! turns the model into files with the [`theme`], and [`write`] swaps them into the output.

pub mod cache;
pub mod check;
pub mod error;
pub mod init;
pub mod load;
pub mod mailto;
pub mod memory;
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
    /// Files written: all of them on a first build, the changed ones on a rebuild.
    pub written: usize,
    /// Files of the previous build that the site no longer has.
    pub removed: usize,
}

/// A site rendered in memory: what `build` writes, `serve` serves and `check` checks.
pub struct RenderedSite {
    pub loaded: load::Loaded,
    pub files: Vec<render::OutputFile>,
    pub base: render::BaseUrl,
}

impl RenderedSite {
    pub fn page_count(&self) -> usize {
        page_count(&self.files)
    }
}

fn page_count(files: &[render::OutputFile]) -> usize {
    files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "html"))
        .count()
}

/// The site loaded and checked, with everything rendering needs.
struct Prepared {
    loaded: load::Loaded,
    theme: theme::Theme,
    templates: std::sync::Arc<render::Templates>,
    base: render::BaseUrl,
    content_dir: PathBuf,
}

impl Prepared {
    fn new(options: &BuildOptions, cache: Option<&cache::BuildCache>) -> Result<Prepared> {
        let content_dir = options.content_dir();
        let settings = load::read_settings(&content_dir)?;
        let (theme_name, language) = (settings.theme.clone(), settings.language.clone());
        let load_options = load::LoadOptions {
            drafts: options.drafts,
        };
        // The theme needs only site.yaml, so it is read on this thread while the worker
        // threads start and load the content; they used to start while this thread waited.
        // The default theme's templates are decoded on a worker too: that needs nothing from
        // the site. `serve` usually keeps its templates from the last build and decodes them
        // only to compile anew.
        let (mut loaded, mut defaults) = (None, None);
        let theme = rayon::in_place_scope(|scope| {
            if cache.is_none() {
                scope.spawn(|_| defaults = Some(render::DefaultTemplates::decode()));
            }
            scope.spawn(|_| {
                loaded = Some(load::load_site(
                    &content_dir,
                    settings,
                    &load_options,
                    cache,
                ));
            });
            theme::load_theme(&options.root, &theme_name, &language)
        });
        // Errors in the order a campaigner fixes them: content first, then the theme.
        let loaded = loaded.expect("the scope ran the loading")?;
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
        let theme = theme?;
        let templates = render::compile_templates(&theme, cache, defaults)?;
        Ok(Prepared {
            loaded,
            theme,
            templates,
            base,
            content_dir,
        })
    }

    fn render(
        &self,
        sink: render::Sink,
        cache: Option<&cache::BuildCache>,
    ) -> Result<render::RenderedViews> {
        render::render_site(
            &self.loaded,
            &self.content_dir,
            &self.theme,
            &self.templates,
            &self.base,
            sink,
            cache,
        )
    }

    /// Renders the site into memory: its files, in no particular order, and the views.
    fn render_files(
        &self,
        cache: Option<&cache::BuildCache>,
    ) -> Result<(Vec<render::OutputFile>, render::RenderedViews)> {
        let files = std::sync::Mutex::new(Vec::new());
        let views = self.render(
            &|file| {
                files.lock().expect("no panics while held").push(file);
                Ok(())
            },
            cache,
        )?;
        Ok((files.into_inner().expect("no panics while held"), views))
    }
}

/// Loads and renders the site without writing anything. The files come sorted by path.
pub fn render_site(options: &BuildOptions) -> Result<RenderedSite> {
    let mut site = render_site_with(options, None)?.site();
    // Rendering is parallel; the order of the files is not.
    site.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(site)
}

/// Like [`render_site`], reusing what the previous build with the same `cache` made from
/// the same input: what `serve` does on every change. The files come in no particular order:
/// sorting thousands of paths took a tenth of a rebuild, and `serve` looks them up by path.
pub fn render_site_cached(
    options: &BuildOptions,
    cache: &mut cache::BuildCache,
) -> Result<RenderedSite> {
    render_whole_cached(options, cache).map(Whole::site)
}

fn render_whole_cached(options: &BuildOptions, cache: &mut cache::BuildCache) -> Result<Whole> {
    cache.next_build();
    let whole = render_site_with(options, Some(cache));
    // What the watcher reported is used up; a build nobody reported to reads every file.
    cache.set_changes(cache::Changes::Unknown);
    whole
}

/// What `serve` made of a change: the files that differ from its last build's.
pub struct Rerendered {
    pub files: Vec<render::OutputFile>,
    /// `files` are only the changed files: every other file of the last build stays as it was.
    /// Otherwise they are the whole site.
    pub partial: bool,
    /// Pages in the site.
    pub pages: usize,
    /// Pages rendered with the template engine rather than reused.
    pub rendered: usize,
    /// Content files read from disk.
    pub read: usize,
}

/// What `serve` keeps of its last whole build, which a change to examples' text alone or to
/// the signatory file alone is patched into (see [`rerender`]).
pub(crate) struct LastBuild {
    prepared: Prepared,
    views: render::RenderedViews,
    pages: usize,
}

/// `serve`'s rebuild after the watcher said what changed in `content/` (`changes`), and whether
/// anything in `themes/` did. When only examples' text below their front matter changed, their
/// pages and the search index are rendered into the last build (see
/// [`render::patch_examples`]); when only the signatory file changed, the pages that show
/// signatories and their data files (see [`render::patch_signatories`]); otherwise the whole
/// site is, as [`render_site_cached`] does.
pub fn rerender(
    options: &BuildOptions,
    cache: &mut cache::BuildCache,
    changes: cache::Changes,
    themes_changed: bool,
) -> Result<Rerendered> {
    let last = cache.last.take();
    let changed = match &changes {
        cache::Changes::Paths(paths) if !themes_changed => Some(paths.clone()),
        _ => None,
    };
    let changes_again = changes.clone();
    cache.set_changes(changes);
    if let (Some(mut last), Some(changed)) = (last, changed) {
        cache.begin_patch();
        let files = patch(&mut last, &changed, cache);
        cache.set_changes(cache::Changes::Unknown);
        if let Some(files) = files {
            // A patch that failed leaves nothing to patch the next one into.
            let files = files?;
            let (pages, rendered, read) = (last.pages, cache.pages_made(), cache.files_read());
            cache.last = Some(last);
            return Ok(Rerendered {
                files,
                partial: true,
                pages,
                rendered,
                read,
            });
        }
        cache.set_changes(changes_again);
    }
    let whole = render_whole_cached(options, cache)?;
    let pages = page_count(&whole.files);
    let (rendered, read) = (cache.pages_made(), cache.files_read());
    cache.last = Some(LastBuild {
        prepared: whole.prepared,
        views: whole.views,
        pages,
    });
    Ok(Rerendered {
        files: whole.files,
        partial: false,
        pages,
        rendered,
        read,
    })
}

/// The changed files, when `changed` can be patched into `last` (see [`load::reload`]).
fn patch(
    last: &mut LastBuild,
    changed: &[PathBuf],
    cache: &cache::BuildCache,
) -> Option<Result<Vec<render::OutputFile>>> {
    let prepared = &mut last.prepared;
    let site = &mut prepared.loaded.site;
    let reloaded = load::reload(&prepared.content_dir, site, changed, cache)?;
    let templates = &prepared.templates;
    match reloaded {
        load::Reloaded::Examples(examples) => Some(render::patch_examples(
            site,
            &mut last.views,
            examples,
            templates,
            cache,
        )),
        load::Reloaded::Signatories(signatories, key) => {
            if let Some(old) = prepared
                .loaded
                .signatories_key
                .filter(|old| Some(*old) != key)
            {
                cache.signatories.retire(&old);
            }
            site.signatories = signatories;
            prepared.loaded.signatories_key = key;
            render::patch_signatories(
                site,
                key,
                &mut last.views,
                &prepared.theme,
                templates,
                cache,
            )
        }
    }
}

/// The site as `serve` last rendered it whole, with the patches since, rendered whole again
/// without the cache: what a patched site must serve. For checks in debug builds.
#[cfg(debug_assertions)]
pub(crate) fn render_last_uncached(cache: &cache::BuildCache) -> Option<Vec<render::OutputFile>> {
    let last = cache.last.as_ref()?;
    let (files, _) = (last.prepared.render_files(None)).expect("the site rendered before");
    Some(files)
}

/// A site rendered whole, with what it was rendered from.
struct Whole {
    prepared: Prepared,
    views: render::RenderedViews,
    files: Vec<render::OutputFile>,
}

impl Whole {
    fn site(self) -> RenderedSite {
        RenderedSite {
            loaded: self.prepared.loaded,
            files: self.files,
            base: self.prepared.base,
        }
    }
}

fn render_site_with(options: &BuildOptions, cache: Option<&cache::BuildCache>) -> Result<Whole> {
    let prepared = Prepared::new(options, cache)?;
    let (files, views) = prepared.render_files(cache)?;
    Ok(Whole {
        prepared,
        views,
        files,
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
    let prepared = Prepared::new(options, None)?;
    let writer = write::SiteWriter::begin(&output)?;
    let views = prepared.render(&|file| writer.put(&file), None)?;
    let written = writer.finish()?;
    // Freeing the site takes as long as rendering a few pages: a worker does it while the
    // caller goes on (for the command: reports and exits, which frees it all at once).
    rayon::spawn(move || drop((prepared, views)));
    Ok(BuildReport {
        pages: written.pages,
        files: written.files,
        written: written.written,
        removed: written.removed,
        output,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Signatory;
    use crate::signing::store::{self, SignatoryData};

    /// A patch keeps what it makes and frees what it replaces: `serve` running for hours while
    /// people sign must not grow by a copy of the signatory pages each time.
    #[test]
    fn patches_of_serve_keep_no_more_than_the_site_they_make() {
        let dir = tempfile::tempdir().unwrap();
        init::init_site(dir.path()).unwrap();
        let content = dir.path().join("content");
        let signatory = |i: usize| Signatory {
            name: format!("Naam {i:05}"),
            function: None,
            organisation: None,
            place: Some("Ede".to_string()),
            date: "2021-03-04".parse().unwrap(),
            category: None,
            publish: true,
            highlight: false,
            sender: None,
        };
        let mut data = SignatoryData {
            signatories: (0..1200).map(signatory).collect(),
            ..Default::default()
        };
        store::save(&content, &data).unwrap();
        let options = BuildOptions::new(dir.path());
        let mut cache = cache::BuildCache::default();
        let rebuild = |cache: &mut cache::BuildCache, changed: &str| {
            let changes = cache::Changes::Paths(vec![PathBuf::from(changed)]);
            let rerendered = rerender(&options, cache, changes, false).unwrap();
            cache.tidy();
            rerendered.partial
        };
        let kept = |cache: &cache::BuildCache| {
            (
                cache.pages.len(),
                cache.signatory_lists.len(),
                cache.signatories.len(),
            )
        };
        assert!(!rebuild(&mut cache, ""));
        let whole = kept(&cache);
        assert_eq!((whole.1, whole.2), (1, 1));
        let example = content.join("voorbeelden/eerste-voorbeeld.md");
        for i in 0..3 {
            data.signatories.push(signatory(9000 + i));
            store::save(&content, &data).unwrap();
            assert!(rebuild(&mut cache, "signatories.yaml"), "patched");
            assert_eq!(kept(&cache), whole, "after {} new signatories", i + 1);
            let text = std::fs::read_to_string(&example).unwrap();
            std::fs::write(&example, format!("{text}\nNog een zin {i}.\n")).unwrap();
            assert!(
                rebuild(&mut cache, "voorbeelden/eerste-voorbeeld.md"),
                "patched"
            );
            assert_eq!(kept(&cache), whole, "after {} changes to an example", i + 1);
        }
    }
}
