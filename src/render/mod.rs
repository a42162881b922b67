//! Render: turn the [`Site`] into output files (HTML through Tera, plus static files).
//!
//! Everything a template sees is built once here as small view structs; each page's context
//! holds references to them, not a copy of the whole site.

mod diff;
pub mod markdown;
// The writing half is build.rs's (and the tests'): the binary only reads.
#[allow(dead_code)]
mod parsed;
mod signatories;
mod templates;
mod views;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::cache::{BuildCache, Key, Memo};
use crate::error::{Error, Result};
use crate::load::Loaded;
use crate::model::{Example, Site};
use crate::theme::{Theme, ThemeFile};
pub use signatories::SignatoryList;
pub use templates::{DefaultTemplates, Templates};
use templates::{Fingerprint, PageContext, PageValues};
use views::*;
pub use views::{Body, ExampleCard, Facet};

/// What a file in the output holds.
#[derive(Debug, Clone)]
pub enum Contents {
    Bytes(Vec<u8>),
    /// Also kept by the cache of `serve`.
    Shared(Arc<[u8]>),
    /// These parts one after another, each shared with the cache of `serve`, joined only
    /// when written or served: with 10,000 examples the search index is 20 MB, and joining it
    /// anew was most of the time `serve` took for a saved example.
    Parts(Arc<[Arc<str>]>),
    Embedded(&'static [u8]),
    /// Copied from this file as it is.
    CopyOf(PathBuf),
}

/// The bytes of `parts`, one after another.
pub fn join_parts(parts: &[Arc<str>]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        bytes.extend_from_slice(part.as_bytes());
    }
    bytes
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output directory.
    pub path: PathBuf,
    pub contents: Contents,
}

/// The site's address, split into what links need.
#[derive(Debug, Clone, Serialize)]
pub struct BaseUrl {
    /// `https://example.org/oproep/`, always ending in `/`.
    pub absolute: String,
    /// `/oproep/`: what every internal link starts with.
    pub path: String,
}

impl BaseUrl {
    pub fn parse(url: &str) -> std::result::Result<BaseUrl, String> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| format!("`{url}` is not an absolute URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!("`{url}` is not an http(s) address"));
        }
        let mut path = parsed.path().to_string();
        if !path.ends_with('/') {
            path.push('/');
        }
        let mut absolute = parsed.clone();
        absolute.set_path(&path);
        absolute.set_query(None);
        absolute.set_fragment(None);
        Ok(BaseUrl {
            absolute: absolute.to_string(),
            path,
        })
    }
}

/// Takes `examples` (each with its place in `site.examples`) into the site as last rendered,
/// and returns the files that change: their pages and the search index.
///
/// Only for examples whose front matter is as it was (see `load::reload_examples`): their
/// cards, their places in every list, the filters and the links to them then stay the same, and
/// the body, which changed, is shown on the example's own page and found through the search
/// index only. With thousands of examples, this is a few milliseconds where checking every
/// page against the cache is tens.
pub fn patch_examples(
    site: &mut Site,
    rendered: &mut RenderedViews,
    examples: Vec<(usize, Arc<Example>)>,
    templates: &Templates,
    cache: &BuildCache,
) -> Result<Vec<OutputFile>> {
    let RenderedViews {
        views,
        shared,
        shared_keys,
    } = rendered;
    // Kept for the next whole build, which then need not render these pages again.
    let memo = PageMemo::of(Some(cache), *shared_keys, |cache| &cache.pages);
    for (i, example) in &examples {
        views.replace_example_body(*i, example, Some(cache));
        site.examples[*i] = example.clone();
    }
    let mut files = examples
        .iter()
        .map(|&(i, _)| {
            let job = Job::example(site, i);
            page_file(&job, site, views, templates, shared, memo.as_ref())
        })
        .collect::<Result<Vec<_>>>()?;
    files.push(search_index_file(site, views, Some(cache)));
    Ok(files)
}

/// The data the signatory filters load, in chunks, so the page itself stays small.
fn signatory_data(site: &Site, views: &SiteViews) -> impl ParallelIterator<Item = OutputFile> {
    let data_dir = Path::new(&site.settings.paths.signatories).join("data");
    (0..views.signatories.chunks_len())
        .into_par_iter()
        .map(move |i| OutputFile {
            path: data_dir.join(format!("{i}.json")),
            contents: Contents::Shared(views.signatories.chunk(i)),
        })
}

/// Takes in `site`'s signatories, read anew, and returns the files that change: the pages that
/// show them or their count, and the data the filters load. Every other page (with thousands
/// of examples, nearly all) stays as it was.
///
/// `None` when more would change: the number of list pages or data files (the sitemap lists
/// the pages), what every page shows, or the news feed, which may show the count.
pub fn patch_signatories(
    site: &Site,
    signatories_key: Option<Key>,
    rendered: &mut RenderedViews,
    theme: &Theme,
    templates: &Templates,
    cache: &BuildCache,
) -> Option<Result<Vec<OutputFile>>> {
    let RenderedViews {
        views,
        shared,
        shared_keys,
    } = rendered;
    let previous = Some(&*views.signatories);
    let list = views::signatory_list(site, theme, Some(cache), signatories_key, previous);
    let (old, feed) = (&views.signatories, "atom.xml");
    if list.page_count() != old.page_count()
        || list.chunks_len() != old.chunks_len()
        || (site.news_section.is_some() && templates.reads_signatures(feed))
    {
        return None;
    }
    if let Some(old_key) = old.key.filter(|old_key| Some(*old_key) != list.key) {
        cache.signatory_lists.retire(&old_key);
    }
    views.replace_signatories(list);
    let new_shared = match shared_context(views, templates) {
        Ok(new_shared) => new_shared,
        Err(err) => return Some(Err(err)),
    };
    let new_keys = SharedKeys::new(theme, &new_shared);
    if shared_keys.is_none_or(|old| old.without_signatures != new_keys.without_signatures) {
        return None;
    }
    (*shared, *shared_keys) = (new_shared, Some(new_keys));
    let (views, shared) = (&*views, &*shared);
    let memo = PageMemo::of(Some(cache), Some(new_keys), |cache| &cache.pages);
    let jobs = page_jobs(site, views.signatories.page_count(), &views.facets);
    let shows_signatories = |job: &&Job| {
        matches!(job.kind, Kind::Signatories(_) | Kind::PrintSignatories)
            || templates.reads_signatures(template_of(job.kind, site))
    };
    let pages = jobs.par_iter().filter(shows_signatories).map_init(
        || shared.clone(),
        |shared, job| page_file(job, site, views, templates, shared, memo.as_ref()),
    );
    let (pages, data) = rayon::join(
        || pages.collect::<Result<Vec<_>>>(),
        || signatory_data(site, views).collect::<Vec<_>>(),
    );
    Some(pages.map(|mut pages| {
        pages.extend(data);
        pages
    }))
}

/// The views and shared template values a build rendered its pages with: `serve` keeps them
/// to render a page again when only that page's text changed (see [`patch_examples`]).
pub struct RenderedViews {
    views: SiteViews,
    shared: tera::Context,
    shared_keys: Option<SharedKeys>,
}

/// Receives each finished file of the site. Files arrive in no particular order, from several
/// threads at once, as soon as each is rendered: `build` writes them while others render.
pub type Sink<'s> = &'s (dyn Fn(OutputFile) -> Result<()> + Sync);

/// Renders every page and hands every file of the finished site to `sink`. An error stops the
/// build; the files already handed over are then to be discarded.
pub fn render_site(
    loaded: &Loaded,
    content_dir: &Path,
    theme: &Theme,
    templates: &Templates,
    base: &BaseUrl,
    sink: Sink,
    cache: Option<&BuildCache>,
) -> Result<RenderedViews> {
    let site = &loaded.site;
    let mut rendered = RenderedViews {
        views: SiteViews::new(site, theme, base, cache, loaded.signatories_key),
        shared: tera::Context::new(),
        shared_keys: None,
    };
    rendered.shared = shared_context(&rendered.views, templates)?;
    let shared = &rendered.shared;
    let shared_keys = cache.map(|_| SharedKeys::new(theme, shared));
    rendered.shared_keys = shared_keys;
    let card_memo = PageMemo::of(cache, shared_keys, |cache| &cache.cards);
    let memo = PageMemo::of(cache, shared_keys, |cache| &cache.pages);
    let memo = memo.as_ref();
    let (cards, facet_links) = rayon::join(
        || render_cards(&rendered.views, templates, shared, card_memo.as_ref()),
        || render_facet_links(&rendered.views, templates),
    );
    (rendered.views.cards, rendered.views.card_keys) = cards?.into_iter().unzip();
    rendered.views.facet_links = facet_links?;
    let views = &rendered.views;
    let jobs = page_jobs(site, views.signatories.page_count(), &views.facets);
    check_unique_paths(&jobs)?;

    let pages = || {
        jobs.par_iter()
            .map_init(
                || shared.clone(),
                |shared, job| sink(page_file(job, site, views, templates, shared, memo)?),
            )
            .collect::<Result<()>>()
    };
    let chunks = || signatory_data(site, views).try_for_each(sink);
    let others = || -> Result<()> {
        discovery_files(site, views, templates, &jobs, cache)?
            .into_par_iter()
            .try_for_each(sink)?;
        for (relative, file) in &theme.static_files {
            let contents = match file {
                ThemeFile::Embedded(bytes) => Contents::Embedded(bytes),
                ThemeFile::OnDisk(path) => Contents::CopyOf(path.clone()),
            };
            sink(OutputFile {
                path: Path::new("static").join(relative),
                contents,
            })?;
        }
        loaded.assets.par_iter().try_for_each(|asset| {
            sink(OutputFile {
                path: asset.clone(),
                contents: Contents::CopyOf(content_dir.join(asset)),
            })
        })
    };
    // The comparison of the appeal's versions is a small site's longest single piece of work:
    // started first, it runs beside the pages rather than after them.
    let (_, (pages, (chunks, others))) = rayon::join(
        || views.changes(site),
        || rayon::join(pages, || rayon::join(chunks, others)),
    );
    pages.and(chunks).and(others)?;
    Ok(rendered)
}

/// What every template sees: the site, the interface strings, and the theme's shared
/// fragments, which are rendered here once instead of on every page.
fn shared_context(views: &SiteViews, templates: &Templates) -> Result<tera::Context> {
    let mut context = tera::Context::new();
    context.insert("site", &views.site);
    context.insert("t", &views.strings);
    let fragments = templates
        .fragments()
        .map(|(name, template)| Ok((name, templates.render(template, &context)?)))
        .collect::<Result<BTreeMap<&str, String>>>()?;
    context.insert("shared", &fragments);
    Ok(context)
}

/// The previous build's pages (or cards), for `serve`.
struct PageMemo<'c, V> {
    cache: &'c BuildCache,
    pages: &'c Memo<V>,
    fingerprints: &'c Memo<Key>,
    shared: SharedKeys,
}

impl<'c, V> PageMemo<'c, V> {
    /// With `serve`'s cache: its memo of pages (or cards) that `pages` picks.
    fn of(
        cache: Option<&'c BuildCache>,
        shared: Option<SharedKeys>,
        pages: fn(&BuildCache) -> &Memo<V>,
    ) -> Option<Self> {
        cache.zip(shared).map(|(cache, shared)| PageMemo {
            cache,
            pages: pages(cache),
            fingerprints: &cache.fingerprints,
            shared,
        })
    }
}

impl<V: Clone + PartialEq> PageMemo<'_, V> {
    /// The page or card made with `template` from `values`, and its fingerprint: kept from the
    /// last build, or `render`'s. `inputs`, a hash of the files it is made from (see
    /// `views::example_inputs`), finds the last build's fingerprint without making it again.
    ///
    /// In debug builds, which the tests run, a page found that way is rendered anyway and must
    /// come out the same: an input the hash leaves out shows up there, not as a stale page in
    /// someone's preview.
    fn by_inputs_or_fingerprint(
        &self,
        templates: &Templates,
        template: &str,
        inputs: Option<Key>,
        values: impl FnOnce(&mut Fingerprint) -> Result<()>,
        mut render: impl FnMut() -> Result<V>,
    ) -> Result<(V, Key)> {
        let shared = self.shared.of(templates, template);
        // The inputs have a fixed length: they and the template's name stay apart.
        let inputs = inputs.map(|inputs| {
            crate::cache::derive(shared, &[inputs.as_bytes(), template.as_bytes()].concat())
        });
        if let Some(inputs) = inputs
            && let Some(key) = self.fingerprints.get(inputs)
            && let Some(kept) = self.pages.get(key)
        {
            if cfg!(debug_assertions) {
                assert!(
                    render()? == kept,
                    "a page of {template} found by its files' hash differs from a fresh one: \
                     views::example_inputs leaves out something it is made from"
                );
            }
            return Ok((kept, key));
        }
        let mut fingerprint = Fingerprint::new();
        values(&mut fingerprint)?;
        let key = fingerprint.finish(template, shared);
        let html = self.pages.get_or(key, &mut render)?;
        if let Some(inputs) = inputs {
            self.fingerprints.get_or(inputs, || Ok(key))?;
        }
        Ok((html, key))
    }
}

/// Hashes of the templates and of what every page shares, which go into every fingerprint.
#[derive(Clone, Copy)]
struct SharedKeys {
    all: Key,
    /// Everything but `site.signatures`, for templates that never read it: a new signatory
    /// then leaves their pages as they are.
    without_signatures: Key,
}

impl SharedKeys {
    /// From the shared context as the templates get it, so nothing is converted twice.
    fn new(theme: &Theme, shared: &tera::Context) -> SharedKeys {
        let site = shared.get("site").and_then(tera::Value::as_object);
        let signatures = site.and_then(|site| site.get("signatures"));
        fn hash(hasher: &mut blake3::Hasher, value: &impl Serialize) {
            serde_json::to_writer(hasher, value).expect("a hasher takes any bytes");
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(templates_key(theme).as_bytes());
        for entry in site.into_iter().flatten() {
            if entry.0 != "signatures" {
                hash(&mut hasher, &entry);
            }
        }
        hash(&mut hasher, &shared.get("t"));
        hash(&mut hasher, &shared.get("shared"));
        let without_signatures = hasher.finalize();
        hash(&mut hasher, &signatures);
        SharedKeys {
            all: hasher.finalize(),
            without_signatures,
        }
    }

    fn of(&self, templates: &Templates, template: &str) -> &Key {
        if templates.reads_signatures(template) {
            &self.all
        } else {
            &self.without_signatures
        }
    }
}

/// Compiles the theme's templates, or takes them from the previous build when their sources
/// are the same. `defaults` are the default theme's templates when already decoded.
pub fn compile_templates(
    theme: &Theme,
    cache: Option<&BuildCache>,
    defaults: Option<DefaultTemplates>,
) -> Result<Arc<Templates>> {
    let compile = || {
        let defaults = defaults.unwrap_or_else(DefaultTemplates::decode);
        Templates::with_defaults(theme, defaults).map(Arc::new)
    };
    match cache {
        Some(cache) => cache.templates.get_or(templates_key(theme), compile),
        None => compile(),
    }
}

/// The hash of what the compiled templates are made from: their sources, and the month names
/// the `long_date` filter uses.
fn templates_key(theme: &Theme) -> crate::cache::Key {
    let mut hasher = blake3::Hasher::new();
    for (name, (text, _)) in &theme.templates {
        hasher.update(name.as_bytes());
        hasher.update(&[0]);
        hasher.update(text.as_bytes());
        hasher.update(&[0]);
    }
    serde_json::to_writer(&mut hasher, &theme.months()).expect("a hasher takes any bytes");
    hasher.finalize()
}

/// Renders each example's card once with the theme's `example_card.html`. With `memo`, each
/// card also comes with the hash it is kept under, which stands for it in page fingerprints.
fn render_cards(
    views: &SiteViews,
    templates: &Templates,
    shared: &tera::Context,
    memo: Option<&PageMemo<Arc<str>>>,
) -> Result<Vec<(Arc<str>, Option<Key>)>> {
    const TEMPLATE: &str = "example_card.html";
    views
        .examples
        .par_iter()
        .enumerate()
        .map_init(
            || shared.clone(),
            |shared, (i, example)| {
                let render = |shared: &mut tera::Context| {
                    let mut context = PageContext::new(shared);
                    context.insert("example", &**example);
                    templates.render(TEMPLATE, context.context())
                };
                let Some(memo) = memo else {
                    return Ok((Arc::from(render(shared)?), None));
                };
                let (html, key) = memo.by_inputs_or_fingerprint(
                    templates,
                    TEMPLATE,
                    views.example_inputs.get(i).copied().flatten(),
                    |fingerprint| {
                        fingerprint.insert("example", &**example);
                        Ok(())
                    },
                    || render(shared).map(Arc::from),
                )?;
                Ok((html, Some(key)))
            },
        )
        .collect()
}

/// Renders the links to every filter page once with the theme's `facet_links.html`, for
/// every page that lists examples; each marks its own link (the `mark_current` filter). The
/// template sees only `facets` and `t`: what it makes must not change when someone signs.
fn render_facet_links(views: &SiteViews, templates: &Templates) -> Result<Arc<str>> {
    let mut context = tera::Context::new();
    context.insert("facets", &*views.facets);
    context.insert("t", &views.strings);
    templates
        .render("facet_links.html", &context)
        .map(Arc::from)
}

const EXAMPLE_TEMPLATE: &str = "example.html";

/// Examples shown on the home page.
const HOME_EXAMPLES: usize = 3;

/// Page 1 is the list's own URL; the others are `pagina/N/` below it.
fn signatories_page_path(base: &str, number: usize) -> String {
    if number == 1 {
        format!("{base}/")
    } else {
        format!("{base}/pagina/{number}/")
    }
}

/// `actoren/gemeenten/` -> `actoren/gemeenten/index.html`; the 404 page is `404.html`.
impl<'a> Job<'a> {
    fn example(site: &'a Site, i: usize) -> Job<'a> {
        let example = &site.examples[i];
        Job {
            kind: Kind::Example(i),
            path: example.source.path.clone(),
            source: &example.source.file,
        }
    }
}

/// The file of `job`'s page (see [`render_page`]).
fn page_file(
    job: &Job,
    site: &Site,
    views: &SiteViews,
    templates: &Templates,
    shared: &mut tera::Context,
    memo: Option<&PageMemo<Arc<[u8]>>>,
) -> Result<OutputFile> {
    Ok(OutputFile {
        path: output_path(&job.path),
        contents: render_page(job, site, views, templates, shared, memo)?,
    })
}

fn output_path(url_path: &str) -> PathBuf {
    if url_path.ends_with(".html") {
        PathBuf::from(url_path)
    } else {
        Path::new(url_path).join("index.html")
    }
}

/// Which page to render.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Home,
    AppealVersion(usize),
    Actors,
    Actor(usize),
    Examples,
    Example(usize),
    Page(usize),
    Sign,
    /// A page of the signatories list, from 1.
    Signatories(usize),
    /// Every published name on one page, for printing.
    PrintSignatories,
    News,
    NewsItem(usize),
    Search,
    /// The examples with one value of a facet: (facet, value).
    ExampleFilter(usize, usize),
    /// What changed from version `i - 1` to version `i`.
    Changes,
    NotFound,
}

struct Job<'a> {
    kind: Kind,
    /// URL path relative to the base, e.g. `actoren/rijk/`.
    path: String,
    /// The file the page comes from, for error messages.
    source: &'a Path,
}

fn page_jobs<'a>(
    site: &'a Site,
    pages_of_signatories: usize,
    facets: &[views::Facet],
) -> Vec<Job<'a>> {
    let mut jobs = vec![
        Job {
            kind: Kind::Home,
            path: String::new(),
            source: &site.home.source.file,
        },
        Job {
            kind: Kind::Actors,
            path: site.actors_section.source.path.clone(),
            source: &site.actors_section.source.file,
        },
        Job {
            kind: Kind::Examples,
            path: site.examples_section.source.path.clone(),
            source: &site.examples_section.source.file,
        },
        Job {
            kind: Kind::NotFound,
            path: "404.html".into(),
            source: &site.home.source.file,
        },
    ];
    let current = site.appeal.versions.len() - 1;
    for (i, version) in site.appeal.versions.iter().enumerate() {
        // The current version lives at the appeal's own URL; older ones under their date.
        let path = if i == current {
            format!("{}/", site.settings.paths.appeal)
        } else {
            version.source.path.clone()
        };
        jobs.push(Job {
            kind: Kind::AppealVersion(i),
            path,
            source: &version.source.file,
        });
    }
    for (i, actor) in site.actors.iter().enumerate() {
        jobs.push(Job {
            kind: Kind::Actor(i),
            path: actor.source.path.clone(),
            source: &actor.source.file,
        });
    }
    jobs.extend((0..site.examples.len()).map(|i| Job::example(site, i)));
    let paths = &site.settings.paths;
    jobs.push(Job {
        kind: Kind::Sign,
        path: format!("{}/", paths.sign),
        source: &site.home.source.file,
    });
    for number in 1..=pages_of_signatories {
        jobs.push(Job {
            kind: Kind::Signatories(number),
            path: signatories_page_path(&paths.signatories, number),
            source: &site.home.source.file,
        });
    }
    let home_file = &site.home.source.file;
    let mut add =
        |kind: Kind, path: String, source: &'a Path| jobs.push(Job { kind, path, source });
    add(
        Kind::PrintSignatories,
        format!("{}/afdrukken/", paths.signatories),
        home_file,
    );
    add(Kind::Search, format!("{}/", paths.search), home_file);
    if site.appeal.versions.len() > 1 {
        add(
            Kind::Changes,
            format!("{}/wijzigingen/", paths.appeal),
            home_file,
        );
    }
    if let Some(news) = &site.news_section {
        add(Kind::News, news.source.path.clone(), &news.source.file);
    }
    for (i, item) in site.news.iter().enumerate() {
        add(
            Kind::NewsItem(i),
            item.source.path.clone(),
            &item.source.file,
        );
    }
    for (f, facet) in facets.iter().enumerate() {
        for (v, value) in facet.values.iter().enumerate() {
            add(
                Kind::ExampleFilter(f, v),
                value.path.clone(),
                &site.examples_section.source.file,
            );
        }
    }
    for (i, page) in site.pages.iter().enumerate() {
        jobs.push(Job {
            kind: Kind::Page(i),
            path: page.source.path.clone(),
            source: &page.source.file,
        });
    }
    jobs
}

fn check_unique_paths(jobs: &[Job]) -> Result<()> {
    let mut seen: rustc_hash::FxHashMap<&str, &Path> = Default::default();
    for job in jobs {
        if let Some(first) = seen.insert(&job.path, job.source) {
            return Err(Error::DuplicateUrl {
                url: format!("/{}", job.path),
                first: first.to_path_buf(),
                second: job.source.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// What every page has, as `page` in its template.
#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: &'a str,
    url: String,
    canonical: String,
    breadcrumbs: Vec<Link>,
    /// The page's markdown body as HTML.
    content: &'a str,
    toc: &'a [markdown::Heading],
    /// Links that share this page, with no script from the other sites.
    share: Vec<Link>,
    /// Free-form values from the front matter's `extra:`, for custom templates.
    extra: Option<&'a BTreeMap<String, serde_yaml::Value>>,
    /// The URL of the menu item this page falls under, if any.
    menu_url: Option<&'a str>,
    /// How that item is the current one, as `aria-current` says it: `page` when it is this
    /// page, `true` when this page is below it.
    menu_current: Option<&'static str>,
}

fn render_page(
    job: &Job,
    site: &Site,
    views: &SiteViews,
    templates: &Templates,
    shared: &mut tera::Context,
    memo: Option<&PageMemo<Arc<[u8]>>>,
) -> Result<Contents> {
    let list = &views.signatories;
    if !matches!(job.kind, Kind::PrintSignatories) || list.page_html(1).is_empty() {
        return render_template(job, site, views, templates, shared, memo, Names::Inline);
    }
    let [marker, other] = NAMES_APART;
    let page = render_template(
        job,
        site,
        views,
        templates,
        shared,
        memo,
        Names::Apart(marker),
    )?;
    let text = |page: &Contents| -> String {
        match page {
            Contents::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Contents::Shared(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            _ => unreachable!("a template renders bytes"),
        }
    };
    let html = text(&page);
    // The names go where the marker is only if the template put it there as it is: then
    // another marker comes out the same, in the same place.
    let check = render_template(
        job,
        site,
        views,
        templates,
        shared,
        None,
        Names::Apart(other),
    )?;
    match html.split_once(marker) {
        Some((before, after))
            if !after.contains(marker) && text(&check) == format!("{before}{other}{after}") =>
        {
            let mut parts = Vec::with_capacity(list.page_count() + 2);
            parts.push(before.into());
            parts.extend((1..=list.page_count()).map(|number| list.page_html(number)));
            parts.push(after.into());
            Ok(Contents::Parts(parts.into()))
        }
        // A theme that does something else with the names than show them as they are.
        _ => render_template(job, site, views, templates, shared, None, Names::Inline),
    }
}

/// What stands for the print page's list of every named signatory while its template renders.
/// The list is not copied into the page: the page is kept as parts (see [`Contents::Parts`]),
/// and the list's parts are the list pages'. With 100,000 signatories the list is 7 MB, and
/// copying it time and again was a third of what `serve` took when someone signed.
const NAMES_APART: [&str; 2] = ["<!--oproep:names-->", "<!--oproep:every-named-signatory-->"];

/// Whether the print page's template gets the list of names, or a marker in its place.
#[derive(Clone, Copy)]
enum Names {
    Inline,
    Apart(&'static str),
}

fn render_template(
    job: &Job,
    site: &Site,
    views: &SiteViews,
    templates: &Templates,
    shared: &mut tera::Context,
    memo: Option<&PageMemo<Arc<[u8]>>>,
    names: Names,
) -> Result<Contents> {
    let Some(memo) = memo else {
        let mut context = PageContext::new(shared);
        let template = fill_page(job, site, views, templates, &mut context, names)?;
        let html = templates.render(template, context.context())?;
        return Ok(Contents::Bytes(html.into_bytes()));
    };
    let render = |shared: &mut tera::Context| -> Result<Arc<[u8]>> {
        let mut context = PageContext::new(shared);
        let template = fill_page(job, site, views, templates, &mut context, names)?;
        let html = templates.render(template, context.context())?;
        Ok(Arc::from(html.into_bytes()))
    };
    if let Kind::Example(i) = job.kind
        && let Some(inputs) = views.example_inputs.get(i).copied().flatten()
    {
        // The page's path goes with its inputs: two examples never share a page.
        let inputs = crate::cache::derive(&inputs, job.path.as_bytes());
        let (html, key) = memo.by_inputs_or_fingerprint(
            templates,
            EXAMPLE_TEMPLATE,
            Some(inputs),
            |fingerprint| fill_page(job, site, views, templates, fingerprint, names).map(|_| ()),
            || render(shared),
        )?;
        memo.cache.page_made(&job.path, key);
        return Ok(Contents::Shared(html));
    }
    // The page's values are first only hashed, which is much cheaper than converting them for
    // the template engine; they are converted only when the page has to be rendered anew.
    let mut fingerprint = Fingerprint::new();
    let template = fill_page(job, site, views, templates, &mut fingerprint, names)?;
    let key = fingerprint.finish(template, memo.shared.of(templates, template));
    let html = memo.pages.get_or(key, || render(shared))?;
    memo.cache.page_made(&job.path, key);
    Ok(Contents::Shared(html))
}

/// A link in a list's pagination; without `url`, it stands for the pages left out.
#[derive(Serialize)]
struct PageLink {
    number: usize,
    /// The number as text, or `…` for a gap, as themes made before the gaps show it.
    title: String,
    url: Option<String>,
    current: bool,
}

/// Links to the first and the last of `count` pages and to those near page `current`, with a
/// gap for each run of pages between: with 100,000 signatories, a link to each of 140 pages on
/// each of them was a nav nobody reads, and 20,000 links to render on every new signature.
/// Every page is reached from its neighbours.
fn page_links(current: usize, count: usize, url: impl Fn(usize) -> String) -> Vec<PageLink> {
    const NEAR: usize = 2;
    let shown = |n: usize| n == 1 || n == count || n.abs_diff(current) <= NEAR;
    let mut links = Vec::new();
    for n in 1..=count {
        if shown(n) {
            links.push(PageLink {
                number: n,
                title: n.to_string(),
                url: Some(url(n)),
                current: n == current,
            });
        } else if shown(n - 1) {
            links.push(PageLink {
                number: n,
                title: "…".into(),
                url: None,
                current: false,
            });
        }
    }
    links
}

/// The template that renders a page of this kind.
fn template_of(kind: Kind, site: &Site) -> &str {
    match kind {
        Kind::Home => "home.html",
        Kind::AppealVersion(_) => "appeal.html",
        Kind::Actors => "actors.html",
        Kind::Actor(_) => "actor.html",
        Kind::Examples | Kind::ExampleFilter(..) => "examples.html",
        Kind::Example(_) => EXAMPLE_TEMPLATE,
        Kind::Page(i) => site.pages[i]
            .meta
            .template
            .as_deref()
            .unwrap_or("page.html"),
        Kind::Sign => "sign.html",
        Kind::Signatories(_) => "signatories.html",
        Kind::PrintSignatories => "print.html",
        Kind::News => "news.html",
        Kind::NewsItem(_) => "news_item.html",
        Kind::Search => "search.html",
        Kind::Changes => "changes.html",
        Kind::NotFound => "404.html",
    }
}

/// The facets and the links to their filter pages, for the pages that list examples.
fn insert_facets(context: &mut impl PageValues, views: &SiteViews) {
    context.insert_made_from("facets", &views.facets, || views.facets_made_from());
    context.insert_made_from("facet_links", &*views.facet_links, || {
        views.facets_made_from()
    });
}

/// Puts a page's own values into `context` and returns the template that renders it.
fn fill_page<'s>(
    job: &Job,
    site: &'s Site,
    views: &'s SiteViews,
    templates: &Templates,
    context: &mut impl PageValues,
    names: Names,
) -> Result<&'s str> {
    let sv = &views.site;
    let home = Link {
        title: sv.nav[0].title.clone(),
        url: sv.home_url.clone(),
    };
    let actors_link = Link {
        title: site.actors_section.meta.title.clone(),
        url: sv.actors_url.clone(),
    };
    let examples_link = Link {
        title: site.examples_section.meta.title.clone(),
        url: sv.examples_url.clone(),
    };
    let template = template_of(job.kind, site);
    let (title, description, body, breadcrumbs): (&str, Option<&str>, Option<&Body>, Vec<Link>) =
        match job.kind {
            Kind::Home => (
                &site.home.meta.title,
                site.home.meta.description.as_deref(),
                Some(&views.home_body),
                vec![],
            ),
            Kind::AppealVersion(i) => {
                let version = &site.appeal.versions[i];
                context.insert("version", &views.versions[i]);
                context.insert("versions", &views.versions);
                (
                    &version.meta.title,
                    version.meta.description.as_deref(),
                    Some(&views.version_bodies[i]),
                    vec![home],
                )
            }
            Kind::Actors => (
                &site.actors_section.meta.title,
                site.actors_section.meta.description.as_deref(),
                Some(&views.actors_intro),
                vec![home],
            ),
            Kind::Actor(i) => {
                let actor = &site.actors[i];
                context.insert("actor", &views.actors[i]);
                (
                    &actor.meta.title,
                    actor.meta.description.as_deref(),
                    Some(&views.actor_bodies[i]),
                    vec![home, actors_link],
                )
            }
            Kind::Examples => {
                context.insert_made_from("cards", &views.cards, || {
                    views.cards_made_from(0..views.cards.len())
                });
                insert_facets(context, views);
                (
                    &site.examples_section.meta.title,
                    site.examples_section.meta.description.as_deref(),
                    Some(&views.examples_intro),
                    vec![home],
                )
            }
            Kind::Example(i) => {
                let example = &site.examples[i];
                context.insert("example", &*views.examples[i]);
                (
                    &example.meta.title,
                    example.meta.description.as_deref(),
                    Some(&views.example_bodies[i]),
                    vec![home, examples_link],
                )
            }
            Kind::Page(i) => {
                let page = &site.pages[i];
                (
                    &page.meta.title,
                    page.meta.description.as_deref(),
                    Some(&views.page_bodies[i]),
                    vec![home],
                )
            }
            Kind::Sign => (string(views, "sign_title"), None, None, vec![home]),
            Kind::Signatories(number) => {
                let list = &views.signatories;
                let base = &site.settings.paths.signatories;
                let url = |n: usize| format!("{}{}", sv.base_path, signatories_page_path(base, n));
                let pages = page_links(number, list.page_count(), url);
                context.insert_made_from("names_html", &*list.page_html(number), || {
                    list.made_from(&format!("page {number}"))
                });
                context.insert("page_number", &number);
                context.insert("data_url", &format!("{}{base}/data/", sv.base_path));
                context.insert("chunk_count", &list.chunks_len());
                if number == 1 {
                    context.insert_made_from("highlighted_html", &*list.highlighted_html(), || {
                        list.made_from("highlighted")
                    });
                    context.insert("categories", &list.categories);
                    context.insert("places", &list.places);
                    context.insert("chart_over_time", &list.chart_over_time);
                    context.insert("chart_places", &list.chart_places);
                }
                let mut crumbs = vec![home];
                if number > 1 {
                    crumbs.push(Link {
                        title: string(views, "signatories_title").to_string(),
                        url: url(1),
                    });
                }
                context.insert("pages", &pages);
                (string(views, "signatories_title"), None, None, crumbs)
            }
            Kind::PrintSignatories => {
                let list = &views.signatories;
                context.insert_made_from("highlighted_html", &*list.highlighted_html(), || {
                    list.made_from("highlighted")
                });
                match names {
                    Names::Apart(marker) => context.insert("names_html", marker),
                    Names::Inline => {
                        context.insert_made_from("names_html", &*list.named_html(), || {
                            list.made_from("named")
                        })
                    }
                }
                context.insert("version", &views.versions[views.versions.len() - 1]);
                context.insert(
                    "appeal_html",
                    &views.version_bodies[views.version_bodies.len() - 1].html,
                );
                (string(views, "print_title"), None, None, vec![home])
            }
            Kind::News => {
                let section = site
                    .news_section
                    .as_ref()
                    .expect("a news job has a section");
                context.insert("news", &views.news);
                (
                    &section.meta.title,
                    section.meta.description.as_deref(),
                    Some(&views.news_intro),
                    vec![home],
                )
            }
            Kind::NewsItem(i) => {
                let item = &site.news[i];
                let section = site
                    .news_section
                    .as_ref()
                    .expect("news items have a section");
                context.insert("item", &views.news[i]);
                let news_link = Link {
                    title: section.meta.title.clone(),
                    url: format!("{}{}", sv.base_path, section.source.path),
                };
                (
                    &item.meta.title,
                    item.meta.description.as_deref(),
                    Some(&views.news_bodies[i]),
                    vec![home, news_link],
                )
            }
            Kind::Search => (string(views, "search_title"), None, None, vec![home]),
            Kind::ExampleFilter(f, v) => {
                let facet = &views.facets[f];
                let value = &facet.values[v];
                let cards: Vec<&str> = value.examples.iter().map(|&i| &*views.cards[i]).collect();
                context.insert_made_from("cards", &cards, || {
                    views.cards_made_from(value.examples.iter().copied())
                });
                insert_facets(context, views);
                context.insert("facet", facet);
                context.insert("value", value);
                (&value.title, None, None, vec![home, examples_link])
            }
            Kind::Changes => {
                let pairs: Vec<serde_json::Value> = views
                    .changes(site)
                    .iter()
                    .enumerate()
                    .map(|(i, html)| {
                        serde_json::json!({
                            "from": views.versions[i],
                            "to": views.versions[i + 1],
                            "html": html,
                        })
                    })
                    .collect();
                context.insert("changes", &pairs);
                let appeal_link = Link {
                    title: string(views, "nav_appeal").to_string(),
                    url: sv.appeal_url.clone(),
                };
                (
                    string(views, "changes_title"),
                    None,
                    None,
                    vec![home, appeal_link],
                )
            }
            Kind::NotFound => (string(views, "not_found_title"), None, None, vec![home]),
        };
    if !templates.has(template) {
        return Err(Error::content(
            crate::error::Location::file(job.source),
            format!("the template `{template}` does not exist"),
            "use a template of the theme (a file name in its templates/ folder)",
        ));
    }
    if matches!(job.kind, Kind::Home) {
        let first = views.cards.len().min(HOME_EXAMPLES);
        context.insert_made_from("cards", &views.cards[..first], || {
            views.cards_made_from(0..first)
        });
    }
    let url = format!("{}{}", sv.base_path, job.path);
    let menu_url = menu_url(&sv.nav, &url, &sv.home_url);
    let page = PageView {
        title,
        description: description.unwrap_or(&sv.description),
        menu_url,
        menu_current: menu_url.map(|menu| if menu == url { "page" } else { "true" }),
        url,
        canonical: format!("{}{}", sv.base_url, job.path),
        breadcrumbs,
        content: body.map(|b| b.html.as_str()).unwrap_or_default(),
        toc: body.map(|b| b.toc.as_slice()).unwrap_or_default(),
        share: share_links(&format!("{}{}", sv.base_url, job.path), title, views),
        extra: match job.kind {
            Kind::Home => Some(&site.home.meta.extra),
            Kind::Page(i) => Some(&site.pages[i].meta.extra),
            Kind::Actors => Some(&site.actors_section.meta.extra),
            Kind::Examples => Some(&site.examples_section.meta.extra),
            _ => None,
        },
    };
    context.insert("page", &page);
    Ok(template)
}

/// The menu item a page falls under: the one with the page's own URL, or else the one whose
/// URL is the longest start of it (an example falls under the examples). The home page's URL
/// starts every URL, so it counts only for itself.
fn menu_url<'n>(nav: &'n [Link], page_url: &str, home_url: &str) -> Option<&'n str> {
    let urls = || nav.iter().map(|item| item.url.as_str());
    urls().find(|&url| url == page_url).or_else(|| {
        urls()
            .filter(|&url| url != home_url && page_url.starts_with(url))
            .max_by_key(|url| url.len())
    })
}

/// Plain share links: each opens the other site only when a reader clicks it.
fn share_links(page_url: &str, title: &str, views: &SiteViews) -> Vec<Link> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let (u, t) = (enc(page_url), enc(title));
    let text = enc(&format!("{title} {page_url}"));
    let link = |key: &str, url: String| Link {
        title: string(views, key).to_string(),
        url,
    };
    vec![
        link("share_whatsapp", format!("https://wa.me/?text={text}")),
        link(
            "share_linkedin",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ),
        link("share_email", crate::mailto::mailto("", title, page_url)),
        link(
            "share_x",
            format!("https://x.com/intent/post?text={t}&url={u}"),
        ),
        link(
            "share_facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        ),
        link(
            "share_bluesky",
            format!("https://bsky.app/intent/compose?text={text}"),
        ),
    ]
}

/// sitemap.xml, robots.txt, the news feed and the search index.
fn discovery_files(
    site: &Site,
    views: &SiteViews,
    templates: &Templates,
    jobs: &[Job],
    cache: Option<&BuildCache>,
) -> Result<Vec<OutputFile>> {
    let sv = &views.site;
    let bytes = |path: &str, text: String| OutputFile {
        path: PathBuf::from(path),
        contents: Contents::Bytes(text.into_bytes()),
    };
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for job in jobs {
        if matches!(job.kind, Kind::NotFound | Kind::PrintSignatories) {
            continue;
        }
        sitemap.push_str("  <url><loc>");
        html_escape::encode_text_to_string(&sv.base_url, &mut sitemap);
        html_escape::encode_text_to_string(&job.path, &mut sitemap);
        sitemap.push_str("</loc></url>\n");
    }
    sitemap.push_str("</urlset>\n");
    let mut files = vec![
        bytes("sitemap.xml", sitemap),
        bytes(
            "robots.txt",
            format!(
                "User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n",
                sv.base_url
            ),
        ),
        search_index_file(site, views, cache),
    ];
    if let Some(section) = &site.news_section {
        let mut context = tera::Context::new();
        context.insert("site", sv);
        context.insert("t", &views.strings);
        context.insert("title", &section.meta.title);
        context.insert("news", &views.news);
        let bodies: Vec<&str> = views.news_bodies.iter().map(|b| b.html.as_str()).collect();
        context.insert("bodies", &bodies);
        context.insert(
            "feed_url",
            &format!("{}{}atom.xml", sv.base_url, section.source.path),
        );
        context.insert(
            "page_url",
            &format!("{}{}", sv.base_url, section.source.path),
        );
        let feed = templates.render("atom.xml", &context)?;
        files.push(bytes(&format!("{}atom.xml", section.source.path), feed));
    }
    Ok(files)
}

fn search_index_file(site: &Site, views: &SiteViews, cache: Option<&BuildCache>) -> OutputFile {
    OutputFile {
        path: PathBuf::from(format!("{}/index.json", site.settings.paths.search)),
        contents: Contents::Parts(search_index(site, views, cache)),
    }
}

/// A small index for the search page: title, URL and plain text of each page, as JSON.
///
/// With thousands of examples it is megabytes: its entries are kept apart (see
/// [`Contents::Parts`]), and `serve` keeps each example's from one build to the next.
fn search_index(site: &Site, views: &SiteViews, cache: Option<&BuildCache>) -> Arc<[Arc<str>]> {
    #[derive(Serialize)]
    struct Entry<'a> {
        title: &'a str,
        url: &'a str,
        text: String,
    }
    let json = |entry: Entry| -> Arc<str> {
        Arc::from(serde_json::to_string(&entry).expect("strings always serialize"))
    };
    let sv = &views.site;
    let mut entries = vec![json(Entry {
        title: &site.home.meta.title,
        url: &sv.home_url,
        text: views.home_body.plain_text().to_string(),
    })];
    let current = views.versions.len() - 1;
    entries.push(json(Entry {
        title: &views.versions[current].title,
        url: &sv.appeal_url,
        text: views.version_bodies[current].plain_text().to_string(),
    }));
    for (card, actor) in sv.actors.iter().zip(&site.actors) {
        entries.push(json(Entry {
            title: &card.title,
            url: &card.url,
            text: plain_text(&card.recommendations.join(" "))
                + " "
                + actor.meta.description.as_deref().unwrap_or(""),
        }));
    }
    // The examples are most of the index: `serve` keeps each one's entry, by the hash of the
    // files its card and body are made from.
    let example = |(i, (card, body)): (usize, (&Arc<ExampleCard>, &Arc<Body>))| {
        let organisation = card.organisation.as_deref().unwrap_or("");
        let make = || {
            json(Entry {
                title: &card.title,
                url: &card.url,
                text: format!("{} {organisation} {}", card.place, body.plain_text()),
            })
        };
        let inputs = views.example_inputs.get(i).copied().flatten();
        match cache.zip(inputs) {
            Some((cache, key)) => {
                let entry = cache.search_entries.get_or(key, || Ok(make()));
                let entry = entry.expect("making an entry does not fail");
                debug_assert!(
                    entry == make(),
                    "a search entry found by its files' hash differs from a fresh one"
                );
                entry
            }
            None => make(),
        }
    };
    entries.par_extend(
        views
            .examples
            .par_iter()
            .zip(&views.example_bodies)
            .enumerate()
            .map(example),
    );
    for (card, body) in views.news.iter().zip(&views.news_bodies) {
        entries.push(json(Entry {
            title: &card.title,
            url: &card.url,
            text: body.plain_text().to_string(),
        }));
    }
    for (page, body) in site.pages.iter().zip(&views.page_bodies) {
        entries.push(json(Entry {
            title: &page.meta.title,
            url: &format!("{}{}", sv.base_path, page.source.path),
            text: body.plain_text().to_string(),
        }));
    }
    // A JSON array: its brackets and commas are parts too, one each, shared.
    let (open, comma, close): (Arc<str>, Arc<str>, Arc<str>) = ("[".into(), ",".into(), "]".into());
    let mut parts = Vec::with_capacity(entries.len() * 2 + 1);
    parts.push(open);
    for (i, entry) in entries.into_iter().enumerate() {
        if i > 0 {
            parts.push(comma.clone());
        }
        parts.push(entry);
    }
    parts.push(close);
    parts.into()
}

/// The text of an HTML fragment, without tags, with entities decoded and whitespace collapsed.
fn plain_text(html: &str) -> String {
    // Whole runs of text are copied at once: this runs over every page's body.
    let mut stripped = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        stripped.push_str(&rest[..start]);
        stripped.push(' ');
        rest = match rest[start..].find('>') {
            Some(end) => &rest[start + end + 1..],
            None => "",
        };
    }
    stripped.push_str(rest);
    let decoded = html_escape::decode_html_entities(&stripped);
    let mut text = String::with_capacity(decoded.len());
    for word in decoded.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

fn string<'a>(views: &'a SiteViews, key: &str) -> &'a str {
    views
        .strings
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn plain_text_drops_tags_decodes_entities_and_collapses_whitespace() {
        assert_eq!(
            plain_text("<h2 id=\"a\">Kop</h2>\n<p>Een <em>goed</em>&nbsp;voorbeeld &amp; meer</p>"),
            "Kop Een goed voorbeeld & meer"
        );
        // Tags separate words, as they do in a browser for block elements.
        assert_eq!(plain_text("<li>een</li><li>twee</li>"), "een twee");
        assert_eq!(
            plain_text("&lt;script&gt; blijft tekst"),
            "<script> blijft tekst"
        );
        assert_eq!(plain_text("tekst <a href=\"x\" afgebroken"), "tekst");
        assert_eq!(plain_text("  \n "), "");
    }
}
