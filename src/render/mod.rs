//! Render: turn the [`Site`] into output files (HTML through Tera, plus static files).
//!
//! Everything a template sees is built once here as small view structs; each page's context
//! holds references to them, not a copy of the whole site.

pub mod markdown;
mod signatories;
mod templates;
mod views;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::load::Loaded;
use crate::model::Site;
use crate::theme::{Theme, ThemeFile};
pub use templates::Templates;
use views::*;

/// What a file in the output holds.
#[derive(Debug, Clone)]
pub enum Contents {
    Bytes(Vec<u8>),
    Embedded(&'static [u8]),
    /// Copied from this file as it is.
    CopyOf(PathBuf),
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

/// Renders every page and lists every file of the finished site.
pub fn render_site(
    loaded: &Loaded,
    content_dir: &Path,
    theme: &Theme,
    base: &BaseUrl,
) -> Result<Vec<OutputFile>> {
    let site = &loaded.site;
    let templates = Templates::new(theme)?;
    let views = SiteViews::new(site, theme, base);
    let jobs = page_jobs(site, views.signatories.page_count());
    check_unique_paths(&jobs)?;

    let mut files: Vec<OutputFile> = jobs
        .par_iter()
        .map(|job| {
            let html = render_page(job, site, &views, &templates)?;
            Ok(OutputFile {
                path: output_path(&job.path),
                contents: Contents::Bytes(html.into_bytes()),
            })
        })
        .collect::<Result<_>>()?;

    // The data the signatory filters load, in chunks, so the page itself stays small.
    let data_dir = Path::new(&site.settings.paths.signatories).join("data");
    for (i, chunk) in views.signatories.chunks().into_iter().enumerate() {
        files.push(OutputFile {
            path: data_dir.join(format!("{i}.json")),
            contents: Contents::Bytes(chunk.into_bytes()),
        });
    }
    for (relative, file) in &theme.static_files {
        let contents = match file {
            ThemeFile::Embedded(bytes) => Contents::Embedded(bytes),
            ThemeFile::OnDisk(path) => Contents::CopyOf(path.clone()),
        };
        files.push(OutputFile {
            path: Path::new("static").join(relative),
            contents,
        });
    }
    for asset in &loaded.assets {
        files.push(OutputFile {
            path: asset.clone(),
            contents: Contents::CopyOf(content_dir.join(asset)),
        });
    }
    Ok(files)
}

/// Page 1 is the list's own URL; the others are `pagina/N/` below it.
fn signatories_page_path(base: &str, number: usize) -> String {
    if number == 1 {
        format!("{base}/")
    } else {
        format!("{base}/pagina/{number}/")
    }
}

/// `actoren/gemeenten/` -> `actoren/gemeenten/index.html`; the 404 page is `404.html`.
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
    NotFound,
}

struct Job<'a> {
    kind: Kind,
    /// URL path relative to the base, e.g. `actoren/rijk/`.
    path: String,
    /// The file the page comes from, for error messages.
    source: &'a Path,
}

fn page_jobs(site: &Site, pages_of_signatories: usize) -> Vec<Job<'_>> {
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
    for (i, example) in site.examples.iter().enumerate() {
        jobs.push(Job {
            kind: Kind::Example(i),
            path: example.source.path.clone(),
            source: &example.source.file,
        });
    }
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
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
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
    /// Free-form values from the front matter's `extra:`, for custom templates.
    extra: Option<&'a BTreeMap<String, serde_yaml::Value>>,
}

fn render_page(job: &Job, site: &Site, views: &SiteViews, templates: &Templates) -> Result<String> {
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
    let mut context = tera::Context::new();
    let (template, title, description, body, breadcrumbs): (
        &str,
        &str,
        Option<&str>,
        Option<&Body>,
        Vec<Link>,
    ) = match job.kind {
        Kind::Home => (
            "home.html",
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
                "appeal.html",
                &version.meta.title,
                version.meta.description.as_deref(),
                Some(&views.version_bodies[i]),
                vec![home],
            )
        }
        Kind::Actors => (
            "actors.html",
            &site.actors_section.meta.title,
            site.actors_section.meta.description.as_deref(),
            Some(&views.actors_intro),
            vec![home],
        ),
        Kind::Actor(i) => {
            let actor = &site.actors[i];
            context.insert("actor", &sv.actors[i]);
            (
                "actor.html",
                &actor.meta.title,
                actor.meta.description.as_deref(),
                Some(&views.actor_bodies[i]),
                vec![home, actors_link],
            )
        }
        Kind::Examples => {
            context.insert("examples", &views.examples);
            (
                "examples.html",
                &site.examples_section.meta.title,
                site.examples_section.meta.description.as_deref(),
                Some(&views.examples_intro),
                vec![home],
            )
        }
        Kind::Example(i) => {
            let example = &site.examples[i];
            context.insert("example", &views.examples[i]);
            (
                "example.html",
                &example.meta.title,
                example.meta.description.as_deref(),
                Some(&views.example_bodies[i]),
                vec![home, examples_link],
            )
        }
        Kind::Page(i) => {
            let page = &site.pages[i];
            (
                page.meta.template.as_deref().unwrap_or("page.html"),
                &page.meta.title,
                page.meta.description.as_deref(),
                Some(&views.page_bodies[i]),
                vec![home],
            )
        }
        Kind::Sign => (
            "sign.html",
            string(views, "sign_title"),
            None,
            None,
            vec![home],
        ),
        Kind::Signatories(number) => {
            let list = &views.signatories;
            let base = &site.settings.paths.signatories;
            let pages: Vec<Link> = (1..=list.page_count())
                .map(|n| Link {
                    title: n.to_string(),
                    url: format!("{}{}", sv.base_path, signatories_page_path(base, n)),
                })
                .collect();
            context.insert("names", list.page(number));
            context.insert("page_number", &number);
            context.insert("data_url", &format!("{}{base}/data/", sv.base_path));
            context.insert("chunk_count", &list.chunks_len());
            if number == 1 {
                context.insert("highlighted", &list.highlighted);
                context.insert("categories", &list.categories);
                context.insert("places", &list.places);
                context.insert("chart_over_time", &list.chart_over_time);
                context.insert("chart_places", &list.chart_places);
            }
            let mut crumbs = vec![home];
            if number > 1 {
                crumbs.push(Link {
                    title: string(views, "signatories_title").to_string(),
                    url: pages[0].url.clone(),
                });
            }
            context.insert("pages", &pages);
            (
                "signatories.html",
                string(views, "signatories_title"),
                None,
                None,
                crumbs,
            )
        }
        Kind::NotFound => (
            "404.html",
            string(views, "not_found_title"),
            None,
            None,
            vec![home],
        ),
    };
    if !templates.has(template) {
        return Err(Error::content(
            crate::error::Location::file(job.source),
            format!("the template `{template}` does not exist"),
            "use a template of the theme (a file name in its templates/ folder)",
        ));
    }
    if matches!(job.kind, Kind::Home) {
        context.insert("examples", &views.examples);
    }
    let page = PageView {
        title,
        description: description.unwrap_or(sv.description),
        url: format!("{}{}", sv.base_path, job.path),
        canonical: format!("{}{}", sv.base_url, job.path),
        breadcrumbs,
        content: body.map(|b| b.html.as_str()).unwrap_or_default(),
        toc: body.map(|b| b.toc.as_slice()).unwrap_or_default(),
        extra: match job.kind {
            Kind::Home => Some(&site.home.meta.extra),
            Kind::Page(i) => Some(&site.pages[i].meta.extra),
            Kind::Actors => Some(&site.actors_section.meta.extra),
            Kind::Examples => Some(&site.examples_section.meta.extra),
            _ => None,
        },
    };
    context.insert("page", &page);
    context.insert("site", sv);
    context.insert("t", &views.strings);
    templates.render(template, &context)
}

fn string<'a>(views: &'a SiteViews, key: &str) -> &'a str {
    views
        .strings
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}
