//! Load: walk `content/`, parse front matter and data files, check cross-references.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use crate::cache::{self, BuildCache};
use crate::error::{Error, Location, Result};
use crate::model::*;
use crate::yaml;

pub const SETTINGS_FILE: &str = "site.yaml";
pub const PEOPLE_FILE: &str = "people.yaml";
const SECTION_INDEX: &str = "_index.md";

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Include pages marked `draft: true`.
    pub drafts: bool,
}

/// What `load_site` found in `content/` besides the site's pages.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub site: Site,
    /// Files other than markdown and data (images, PDFs), relative to `content/`, copied as they are.
    pub assets: Vec<PathBuf>,
    /// With a cache: the hash of the signatory file, which stands for the signatories.
    pub signatories_key: Option<cache::Key>,
}

/// Reads `content_dir`, whose `site.yaml` is `settings` (see [`read_settings`]), into a
/// checked [`Site`].
pub fn load_site(
    content_dir: &Path,
    settings: Settings,
    options: &LoadOptions,
    cache: Option<&BuildCache>,
) -> Result<Loaded> {
    let people_file = content_dir.join(PEOPLE_FILE);
    let people: People = if people_file.exists() {
        read_yaml_file(&people_file)?
    } else {
        People::default()
    };

    let files = match cache {
        Some(cache) => cache.reads.list(content_dir, list_files)?,
        None => Arc::new(list_files(content_dir)?),
    };
    let paths = &settings.paths;
    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    for relative in files.iter() {
        let is_markdown = relative.extension().is_some_and(|e| e == "md");
        // Data files are never copied into the site, wherever they are: they may hold
        // what is not meant to be published.
        let is_data = relative
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml");
        if is_markdown {
            markdown.push(relative);
        } else if !is_data {
            assets.push(relative.clone());
        }
    }
    crate::memory::site_size(markdown.len());

    // A file parses differently under other section paths: they are part of its cache key.
    let file_cache = cache.map(|cache| (cache, paths_key(paths)));
    // The signatory file can be large; it is read while the markdown is parsed.
    let (parsed, signatories) = rayon::join(
        || {
            markdown
                .par_iter()
                .map(|relative| parse_markdown_file(content_dir, relative, paths, file_cache))
                .collect::<Result<Vec<Parsed>>>()
        },
        || load_signatories(content_dir, cache),
    );
    let parsed = parsed?;
    let (signatories, signatories_key) = signatories?;

    let mut home = None;
    let mut versions = Vec::new();
    let mut actors_section = None;
    let mut actors = Vec::new();
    let mut examples_section = None;
    let mut examples = Vec::new();
    let mut news_section = None;
    let mut news = Vec::new();
    let mut pages = Vec::new();
    for item in parsed {
        match item {
            Parsed::Home(page) => home = Some(page),
            Parsed::Version(v) if options.drafts || !v.meta.draft => versions.push(v),
            Parsed::ActorsSection(s) => actors_section = Some(s),
            Parsed::Actor(a) if options.drafts || !a.meta.draft => actors.push(a),
            Parsed::ExamplesSection(s) => examples_section = Some(s),
            Parsed::Example(e) if options.drafts || !e.meta.draft => examples.push(e),
            Parsed::NewsSection(s) => news_section = Some(s),
            Parsed::News(n) if options.drafts || !n.meta.draft => news.push(n),
            Parsed::Page(p) if options.drafts || !p.meta.draft => pages.push(p),
            _ => {} // a draft
        }
    }

    let home = home.ok_or_else(|| missing_file(content_dir, "index.md", "the home page"))?;
    let actors_section = actors_section.ok_or_else(|| {
        missing_file(
            content_dir,
            &format!("{}/{SECTION_INDEX}", paths.actors),
            "the actors overview",
        )
    })?;
    let examples_section = examples_section.ok_or_else(|| {
        missing_file(
            content_dir,
            &format!("{}/{SECTION_INDEX}", paths.examples),
            "the examples overview",
        )
    })?;
    if versions.is_empty() {
        return Err(Error::content(
            Location::file(&content_dir.join(&paths.appeal)),
            "the appeal has no (published) version",
            format!(
                "add the appeal as {}/YYYY-MM-DD.md with `title`, `date` and `calls` in its front matter",
                paths.appeal
            ),
        ));
    }
    versions.sort_by_key(|v| v.meta.date);
    if let Some(pair) = versions
        .windows(2)
        .find(|w| w[0].meta.date == w[1].meta.date)
    {
        return Err(Error::content(
            line_of(&pair[1].source, "date:"),
            format!(
                "two versions of the appeal have the date {} (the other is {})",
                pair[1].meta.date,
                pair[0].source.file.display()
            ),
            "give each version its own date, the day it was published",
        ));
    }
    actors.sort_by(|a, b| (a.meta.order, &a.meta.title).cmp(&(b.meta.order, &b.meta.title)));
    examples.par_sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    pages.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    news.sort_by(|a, b| (b.meta.date, &a.meta.title).cmp(&(a.meta.date, &b.meta.title)));
    if !news.is_empty() && news_section.is_none() {
        return Err(missing_file(
            content_dir,
            &format!("{}/{SECTION_INDEX}", paths.news),
            "the news overview",
        ));
    }

    let site = Site {
        settings,
        home,
        appeal: Appeal { versions },
        actors_section,
        actors,
        examples_section,
        examples,
        people,
        news_section,
        news,
        pages,
        signatories,
    };
    check_references(&site)?;
    Ok(Loaded {
        site,
        assets,
        signatories_key,
    })
}

/// What `serve` can take into its last build without loading the whole site again (see
/// [`reload`]).
pub(crate) enum Reloaded {
    /// Examples changed below their front matter, each with its place in `site.examples`.
    Examples(Vec<(usize, Arc<Example>)>),
    /// The signatory file changed, and nothing else; with the hash that stands for it.
    Signatories(Arc<Signatories>, Option<cache::Key>),
}

/// For `serve`, after the watcher named `changed` (relative to `content_dir`): what changed,
/// read anew, when it is only the text of examples or only the signatory file. `None` when
/// anything else may have changed (a file added, removed or of another kind, a front matter
/// edited, a file that does not read): then the whole site is loaded again, which also says
/// what is wrong.
///
/// A path that is hidden, or gone and never listed (an editor's temporary file, renamed away),
/// changes nothing.
pub(crate) fn reload(
    content_dir: &Path,
    site: &Site,
    changed: &[PathBuf],
    cache: &BuildCache,
) -> Option<Reloaded> {
    let mut files = Vec::new();
    for relative in changed {
        let hidden = relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        let exists = content_dir.join(relative).symlink_metadata().is_ok();
        match (cache.reads.was_listed(relative), exists) {
            _ if hidden => {}
            (false, false) => {}
            (true, true) => files.push(relative),
            _ => return None,
        }
    }
    files.sort();
    files.dedup();
    let signatory_file = Path::new(crate::signing::store::SIGNATORIES_FILE);
    if files == [signatory_file] {
        let (signatories, key) = load_signatories(content_dir, Some(cache)).ok()?;
        return Some(Reloaded::Signatories(signatories, key));
    }
    let paths = &site.settings.paths;
    let paths_key = paths_key(paths);
    let mut examples = Vec::new();
    for relative in files {
        let file = content_dir.join(relative);
        let i = site.examples.iter().position(|e| e.source.file == file)?;
        let parsed = parse_markdown_file(content_dir, relative, paths, Some((cache, paths_key)));
        match parsed.ok()? {
            Parsed::Example(example)
                if example.source.front_matter == site.examples[i].source.front_matter =>
            {
                examples.push((i, example));
            }
            _ => return None,
        }
    }
    Some(Reloaded::Examples(examples))
}

fn missing_file(content_dir: &Path, relative: &str, what: &str) -> Error {
    Error::content(
        Location::file(&content_dir.join(relative)),
        format!("{what} is missing"),
        format!("create {relative} with at least `title: ...` in its front matter"),
    )
}

/// Every file below `dir`, relative to it, sorted; hidden files and folders are skipped.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|err| {
            let path = err.path().unwrap_or(dir).to_path_buf();
            Error::io("cannot read", path, err.into())
        })?;
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            files.push(relative.to_path_buf());
        }
    }
    Ok(files)
}

/// One markdown file, parsed.
#[derive(Clone)]
pub(crate) enum Parsed {
    Home(Page),
    Version(AppealVersion),
    ActorsSection(Section),
    Actor(Actor),
    ExamplesSection(Section),
    /// Shared: a site can have thousands, and `serve` keeps them between builds.
    Example(Arc<Example>),
    NewsSection(Section),
    News(NewsItem),
    Page(Page),
}

/// What a markdown file's parse depends on besides its text: the sections' paths.
fn paths_key(paths: &SectionPaths) -> cache::Key {
    cache::key(&[format!("{paths:?}").as_bytes()])
}

fn parse_markdown_file(
    content_dir: &Path,
    relative: &Path,
    paths: &SectionPaths,
    cache: Option<(&BuildCache, cache::Key)>,
) -> Result<Parsed> {
    let file = content_dir.join(relative);
    let Some((cache, paths_key)) = cache else {
        return parse_markdown(&file, relative, &read_text(&file)?, paths, None);
    };
    let read_and_parse = || {
        let text = read_text(&file)?;
        let key = cache::key(&[
            file.as_os_str().as_encoded_bytes(),
            paths_key.as_bytes(),
            text.as_bytes(),
        ]);
        let parsed = cache.files.get_or(key, || {
            parse_markdown(&file, relative, &text, paths, Some(key)).map(Arc::new)
        })?;
        Ok((key, parsed))
    };
    let (_, parsed) =
        cache
            .reads
            .made_from(&cache.files, &file, relative, paths_key, read_and_parse)?;
    // The cache keeps its copy for the next build; the site gets its own.
    Ok(Arc::unwrap_or_clone(parsed))
}

/// The signatories (shared rather than copied: there can be a hundred thousand), and with a
/// cache the hash that stands for them.
fn load_signatories(
    content_dir: &Path,
    cache: Option<&BuildCache>,
) -> Result<(Arc<Signatories>, Option<cache::Key>)> {
    use crate::signing::store;
    let relative = Path::new(store::SIGNATORIES_FILE);
    let file = content_dir.join(relative);
    if !file.exists() {
        return Ok((Arc::default(), cache.map(|_| cache::key(&[b"no file"]))));
    }
    let parse = |text: &str| -> Result<Arc<Signatories>> {
        Ok(Arc::new(store::from_text(text, &file)?.signatories.into()))
    };
    let Some(cache) = cache else {
        return Ok((parse(&read_text(&file)?)?, None));
    };
    let read_and_parse = || {
        // Read once: the text is both the cache key and, when it is new, what is parsed.
        let text = read_text(&file)?;
        if let Some(by_block) = signatories_by_block(&text, cache) {
            return Ok(by_block);
        }
        let key = cache::key(&[b"file", text.as_bytes()]);
        Ok((key, cache.signatories.get_or(key, || parse(&text))?))
    };
    let (key, signatories) = cache.reads.made_from(
        &cache.signatories,
        &file,
        relative,
        cache::key(&[]),
        read_and_parse,
    )?;
    Ok((signatories, Some(key)))
}

/// The signatories of a data file as `oproep sign` writes it, parsed block by block with each
/// block kept while its lines stay the same, and the hash of the blocks. `None` for a file of
/// another shape or with a line that does not read: that one is parsed whole, which says what
/// is wrong and where.
fn signatories_by_block(text: &str, cache: &BuildCache) -> Option<(cache::Key, Arc<Signatories>)> {
    use crate::signing::store;
    let blocks = store::signatory_blocks(text)?;
    let parsed = blocks
        .par_iter()
        .map(|block| {
            let key = cache::key(&[
                b"block",
                &[u8::from(block.ends_list)],
                block.text.as_bytes(),
            ]);
            let parse = || store::parse_block(block).map(Arc::from);
            Some((key, cache.signatory_blocks.get_or_maybe(key, parse)?))
        })
        .collect::<Option<Vec<_>>>()?;
    let parts: Vec<&[u8]> = std::iter::once(&b"blocks"[..])
        .chain(parsed.iter().map(|(key, _)| &key.as_bytes()[..]))
        .collect();
    let key = cache::key(&parts);
    let blocks = parsed.into_iter().map(|(_, block)| block).collect();
    let signatories = cache
        .signatories
        .get_or(key, || Ok(Arc::new(Signatories::from_blocks(blocks))))
        .expect("putting blocks together does not fail");
    Some((key, signatories))
}

fn parse_markdown(
    file: &Path,
    relative: &Path,
    text: &str,
    paths: &SectionPaths,
    key: Option<cache::Key>,
) -> Result<Parsed> {
    let file = file.to_path_buf();
    let (front_matter, body) = split_front_matter(text, &file)?;

    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let stem = relative
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = if parts.len() == 2 {
        parts[0].as_str()
    } else {
        ""
    };
    let make_source = |path: String| Source {
        file: file.clone(),
        path,
        body: Arc::from(body),
        front_matter: Arc::from(front_matter),
        key,
    };
    let parse_meta = |fm: &str| -> Result<PageMeta> { yaml::parse(fm, &file, 2) };

    let is_index = parts.last().map(String::as_str) == Some(SECTION_INDEX);
    let parsed = if parts.len() == 1 && stem == "index" {
        Parsed::Home(Page {
            meta: parse_meta(front_matter)?,
            source: make_source(String::new()),
        })
    } else if folder == paths.appeal && !is_index {
        let meta: AppealMeta = yaml::parse(front_matter, &file, 2)?;
        let path = format!("{}/{}/", paths.appeal, meta.date);
        Parsed::Version(AppealVersion {
            meta,
            source: make_source(path),
        })
    } else if folder == paths.actors {
        if is_index {
            Parsed::ActorsSection(Section {
                meta: parse_meta(front_matter)?,
                source: make_source(format!("{}/", paths.actors)),
            })
        } else {
            let slug = slug::slugify(&stem);
            Parsed::Actor(Actor {
                meta: yaml::parse(front_matter, &file, 2)?,
                source: make_source(format!("{}/{slug}/", paths.actors)),
                slug,
            })
        }
    } else if folder == paths.examples {
        if is_index {
            Parsed::ExamplesSection(Section {
                meta: parse_meta(front_matter)?,
                source: make_source(format!("{}/", paths.examples)),
            })
        } else {
            let slug = slug::slugify(&stem);
            let meta: ExampleMeta = yaml::parse(front_matter, &file, 2)?;
            Parsed::Example(Arc::new(Example {
                sort_key: meta.title.to_lowercase(),
                meta,
                source: make_source(format!("{}/{slug}/", paths.examples)),
                slug,
            }))
        }
    } else if folder == paths.news {
        if is_index {
            Parsed::NewsSection(Section {
                meta: parse_meta(front_matter)?,
                source: make_source(format!("{}/", paths.news)),
            })
        } else {
            let slug = slug::slugify(&stem);
            Parsed::News(NewsItem {
                meta: yaml::parse(front_matter, &file, 2)?,
                source: make_source(format!("{}/{slug}/", paths.news)),
                slug,
            })
        }
    } else {
        // Any other page keeps its folders in its URL: `over.md` -> `over/`.
        let mut segments: Vec<String> =
            parts[..parts.len() - 1].iter().map(slug::slugify).collect();
        if !(is_index || stem == "index") {
            segments.push(slug::slugify(&stem));
        }
        let path = segments.iter().map(|s| format!("{s}/")).collect::<String>();
        Parsed::Page(Page {
            meta: parse_meta(front_matter)?,
            source: make_source(path),
        })
    };
    Ok(parsed)
}

/// `site.yaml`, read first: the theme is prepared from it while the rest of the content loads.
pub fn read_settings(content_dir: &Path) -> Result<Settings> {
    if !content_dir.is_dir() {
        return Err(Error::content(
            Location::file(content_dir),
            "the content folder does not exist",
            "run `oproep init DIR` to create a new site, or pass --root to point at one",
        ));
    }
    read_yaml_file(&content_dir.join(SETTINGS_FILE))
}

/// Reads a file as UTF-8 text, naming the line of the first invalid byte if it is not.
pub fn read_text(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).map_err(|e| Error::io("cannot read", file, e))?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Error::content(
            Location::line(file, line),
            "the file is not UTF-8 text",
            "save the file with the encoding UTF-8 (most editors offer this under 'Save as')",
        )
    })
}

fn read_yaml_file<T: DeserializeOwned>(file: &Path) -> Result<T> {
    if !file.exists() {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        return Err(Error::content(
            Location::file(file),
            "the file is missing",
            format!("create {name}; `oproep init DIR` writes an example"),
        ));
    }
    yaml::parse(&read_text(file)?, file, 1)
}

/// Parses front matter (as split off by [`split_front_matter`]) into one of the front matter
/// types, exactly as the build does; an entry point for the fuzz targets and property tests.
#[doc(hidden)]
pub fn parse_front_matter<T: DeserializeOwned>(front_matter: &str, file: &Path) -> Result<T> {
    yaml::parse(front_matter, file, 2)
}

/// Splits `---` front matter from the markdown body. Front matter starts on line 2.
pub fn split_front_matter<'a>(text: &'a str, file: &Path) -> Result<(&'a str, &'a str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let no_front_matter = || {
        Error::content(
            Location::line(file, 1),
            "the file has no front matter",
            "start the file with a line `---`, then `title: ...`, then a line `---`",
        )
    };
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(no_front_matter)?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    Err(Error::content(
        Location::line(file, 1),
        "the front matter is not closed",
        "end the front matter with a line `---` before the text starts",
    ))
}

/// Checks that examples refer only to actors and calls that exist, and call ids are unique.
fn check_references(site: &Site) -> Result<()> {
    for version in &site.appeal.versions {
        let mut seen = BTreeSet::new();
        for call in &version.meta.calls {
            if !seen.insert(call.id.as_str()) {
                return Err(Error::content(
                    line_of(&version.source, &call.id),
                    format!("the call id `{}` is used twice", call.id),
                    "give every call its own `id`",
                ));
            }
        }
    }
    let actors: BTreeSet<&str> = site.actors.iter().map(|a| a.slug.as_str()).collect();
    let calls: BTreeSet<&str> = site.appeal.calls().iter().map(|c| c.id.as_str()).collect();
    fn unknown<'e>(names: &'e [String], known: &BTreeSet<&str>) -> Option<&'e String> {
        names.iter().find(|name| !known.contains(name.as_str()))
    }
    // In parallel, as there can be thousands; the first wrong example in order is reported.
    let wrong = site.examples.par_iter().find_first(|e| {
        unknown(&e.meta.actors, &actors).is_some() || unknown(&e.meta.calls, &calls).is_some()
    });
    let Some(example) = wrong else {
        return Ok(());
    };
    if let Some(actor) = unknown(&example.meta.actors, &actors) {
        return Err(Error::content(
            line_of(&example.source, actor),
            format!("unknown actor `{actor}`"),
            format!(
                "use one of: {} (the file names in content/{}/)",
                join_keys(actors.iter().copied()),
                site.settings.paths.actors
            ),
        ));
    }
    let call = unknown(&example.meta.calls, &calls).expect("an unknown actor or call");
    Err(Error::content(
        line_of(&example.source, call),
        format!("unknown call `{call}`"),
        format!(
            "use one of the call ids of the current appeal: {}",
            join_keys(calls.iter().copied())
        ),
    ))
}

fn join_keys<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let keys: Vec<&str> = keys.collect();
    if keys.is_empty() {
        "(none yet)".into()
    } else {
        keys.join(", ")
    }
}

/// The location of the first front matter line mentioning `needle`.
fn line_of(source: &Source, needle: &str) -> Location {
    let index = source
        .front_matter
        .lines()
        .position(|line| line.contains(needle));
    match index {
        // Front matter starts on the file's second line.
        Some(i) => Location::line(&source.file, i + 2),
        None => Location::file(&source.file),
    }
}
