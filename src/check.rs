//! `oproep check`: everything the build validates, and what a build can not see.
//!
//! The build stops at its first error; `check` reports that error and, when the site renders,
//! looks at the result the way a reader would: every link and image in the rendered HTML must
//! lead somewhere, every `#anchor` must exist, every page should have a description. The
//! signatory data is checked on its own, so its problems show up even when the build fails.
//! With `--external` every link to another site is requested too.
//!
//! Problems point at the markdown or YAML a campaigner edits, with the line where the link
//! is written, because that is where it gets fixed; not at the generated HTML.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rayon::prelude::*;
use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

use crate::BuildOptions;
use crate::error::Error;
use crate::model::Site;
use crate::render::{Contents, join_parts};
use crate::signing::store::{SIGNATORIES_FILE, SignatoryData};

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub build: BuildOptions,
    /// Also request every external link.
    pub external: bool,
    /// How long one external request may take.
    pub timeout: Duration,
}

/// Errors make `oproep check` fail; warnings are worth a look but do not break the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: where, how bad, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {severity}: {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl Problem {
    fn new(severity: Severity, file: &Path, line: Option<usize>) -> Problem {
        Problem {
            severity,
            file: file.display().to_string(),
            line,
            column: None,
            message: String::new(),
            hint: String::new(),
        }
    }

    fn says(mut self, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        self.message = message.into();
        self.hint = hint.into();
        self
    }
}

/// Every problem found: errors first, then warnings, each by file and line.
pub fn check_site(options: &CheckOptions) -> Vec<Problem> {
    let signatories_file = options.build.content_dir().join(SIGNATORIES_FILE);
    let mut problems = check_signatories(&signatories_file, today());
    match crate::render_site(&options.build) {
        Ok(rendered) => problems.extend(check_rendered(&rendered, options)),
        // The signatory check above reads the same file and reports the same problems, the
        // empty name even with its line; the build's version would only repeat it.
        Err(err) if error_path(&err) == Some(signatories_file.as_path()) => {}
        Err(err) => problems.push(problem_from_error(&err)),
    }
    finish(problems, &options.build.root)
}

/// A build error as a problem.
pub fn problem_from_error(err: &Error) -> Problem {
    let error = |path: &Path| Problem::new(Severity::Error, path, None);
    match err {
        Error::Content {
            location,
            message,
            hint,
        } => Problem {
            column: location.column,
            ..Problem::new(Severity::Error, &location.path, location.line).says(message, hint)
        },
        Error::DuplicateUrl { url, first, second } => error(second).says(
            format!(
                "two pages have the URL {url}; the other is {}",
                first.display()
            ),
            "rename one of the files",
        ),
        Error::Template {
            name,
            message,
            hint,
        } => error(Path::new(name)).says(format!("template error: {message}"), hint),
        Error::Io { path, source, .. } => error(path).says(err.to_string(), io_hint(source)),
        Error::Output { path, message } => error(path).says(message, ""),
        other => error(Path::new("")).says(other.to_string(), ""),
    }
}

fn io_hint(source: &std::io::Error) -> &'static str {
    match source.kind() {
        std::io::ErrorKind::NotFound => "check that the file exists",
        std::io::ErrorKind::PermissionDenied => "check that you may read the file",
        _ => "",
    }
}

/// The file a build error is about, if it names one.
fn error_path(err: &Error) -> Option<&Path> {
    match err {
        Error::Content { location, .. } => Some(&location.path),
        Error::Io { path, .. } => Some(path),
        _ => None,
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Paths relative to the site's folder (as campaigners see them), no repeats, errors first.
fn finish(mut problems: Vec<Problem>, root: &Path) -> Vec<Problem> {
    // Messages name other files too ("the other is ./content/over.md"), after a space.
    let in_message = format!(" {}/", root.display());
    for problem in &mut problems {
        if let Ok(relative) = Path::new(&problem.file).strip_prefix(root) {
            problem.file = relative.display().to_string();
        }
        problem.message = problem.message.replace(&in_message, " ");
    }
    problems.sort_by(|a, b| {
        (a.severity, &a.file, a.line, a.column, &a.message)
            .cmp(&(b.severity, &b.file, b.line, b.column, &b.message))
    });
    problems.dedup();
    problems
}

/// The checks that need the rendered site.
fn check_rendered(rendered: &crate::RenderedSite, options: &CheckOptions) -> Vec<Problem> {
    let pages = read_pages(rendered);
    let context = LinkContext::new(rendered, &pages, &options.build.root);
    let mut problems = check_descriptions(&context);
    problems.extend(check_internal_links(&pages, &context));
    if options.external {
        problems.extend(check_external_links(&pages, &context, options.timeout));
    }
    problems
}

// ---------------------------------------------------------------------------------------
// Descriptions

/// Pages without a description fall back to the site's, so every page shows the same text in
/// search results and link previews: worth a warning, not an error. Read from the front
/// matter of every rendered page's markdown file, so that a new kind of page is covered too.
fn check_descriptions(context: &LinkContext) -> Vec<Problem> {
    context
        .page_sources()
        .filter(|(file, text)| !has_description(file, text))
        .map(|(file, _)| {
            Problem::new(Severity::Warning, file, Some(1)).says(
                "the page has no description",
                "add `description: ...` to the front matter; search engines and link previews \
                 show it",
            )
        })
        .collect()
}

fn has_description(file: &Path, text: &str) -> bool {
    let Ok((front_matter, _)) = crate::load::split_front_matter(text, file) else {
        return true; // not a page; the build says so
    };
    let Ok(meta) = crate::yaml::parse::<serde_yaml::Value>(front_matter, file, 2) else {
        return true;
    };
    meta.get("description")
        .and_then(|d| d.as_str())
        .is_some_and(|d| !d.trim().is_empty())
}

// ---------------------------------------------------------------------------------------
// Signatories

/// Checks `content/signatories.yaml` itself, independent of the build: a missing file means
/// no signatories yet.
fn check_signatories(file: &Path, today: NaiveDate) -> Vec<Problem> {
    if !file.exists() {
        return Vec::new();
    }
    let text = match crate::load::read_text(file) {
        Ok(text) => text,
        Err(err) => return vec![problem_from_error(&err)],
    };
    // The same parser as the build, so an impossible date (2021-02-30) is the same error.
    let data: SignatoryData = match crate::yaml::parse(&text, file, 1) {
        Ok(data) => data,
        Err(err) => return vec![problem_from_error(&err)],
    };
    let entries = SignatoryLines::find(&text, data.signatories.len());
    let at = |i: usize, field: &str| Problem::new(Severity::Error, file, entries.field(i, field));
    let mut problems = Vec::new();
    // (name, place) -> the first entry with them
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, signatory) in data.signatories.iter().enumerate() {
        let name = normalise(&signatory.name);
        if name.is_empty() {
            problems.push(at(i, "name").says(
                format!("signatory {} has an empty name", i + 1),
                "fill in the name, or delete the entry",
            ));
            continue;
        }
        if signatory.date > today {
            problems.push(at(i, "date").says(
                format!(
                    "{} signed on {}, a date in the future",
                    signatory.name.trim(),
                    signatory.date
                ),
                "correct the date: the day they signed, written YYYY-MM-DD",
            ));
        }
        // Two people may share a name; in different places they are taken to be two people.
        let place = normalise(signatory.place.as_deref().unwrap_or_default());
        let has_place = !place.is_empty();
        if let Some(first) = seen.insert((name, place), i) {
            let also = match entries.field(first, "name") {
                Some(line) => format!("also on line {line}"),
                None => format!("also as signatory {}", first + 1),
            };
            let mut duplicate = at(i, "name").says(
                format!("{} is listed twice ({also})", signatory.name.trim()),
                duplicate_hint(has_place),
            );
            duplicate.severity = Severity::Warning;
            problems.push(duplicate);
        }
    }
    problems
}

fn duplicate_hint(has_place: bool) -> &'static str {
    if has_place {
        "if it is the same person, delete one of the two entries; two people with the same \
         name in the same place may both stay"
    } else {
        "if it is the same person, delete one of the two entries; if they are two people, \
         add their place so that they can be told apart"
    }
}

/// Lower case, single spaces: `Jan  Jansen ` and `jan jansen` are the same name.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Where each signatory's entry starts and ends in the YAML text, found by its `- ` lines;
/// the parser does not tell. Unknown (no lines) when the count does not add up, e.g. when
/// someone wrote the list in `[{...}]` style.
struct SignatoryLines<'a> {
    lines: Vec<&'a str>,
    /// Index of each entry's first line, plus the end of the list.
    starts: Vec<usize>,
}

impl<'a> SignatoryLines<'a> {
    fn find(text: &'a str, count: usize) -> SignatoryLines<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let starts = Self::entry_starts(&lines);
        let starts = if starts.len() == count + 1 {
            starts
        } else {
            Vec::new()
        };
        SignatoryLines { lines, starts }
    }

    fn entry_starts(lines: &[&str]) -> Vec<usize> {
        let Some(key) = lines.iter().position(|l| l.trim_end() == "signatories:") else {
            return Vec::new();
        };
        let mut starts = Vec::new();
        let mut indent = None;
        let mut end = lines.len();
        for (i, line) in lines.iter().enumerate().skip(key + 1) {
            let content = line.trim_start();
            let this_indent = line.len() - content.len();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let is_entry = content == "-" || content.starts_with("- ");
            if this_indent == 0 && !is_entry {
                end = i; // the next top-level key, such as `withdrawn:`
                break;
            }
            if is_entry && *indent.get_or_insert(this_indent) == this_indent {
                starts.push(i);
            }
        }
        starts.push(end);
        starts
    }

    /// The 1-based line of `field:` in entry `index`, or the entry's first line.
    fn field(&self, index: usize, field: &str) -> Option<usize> {
        let (&start, &end) = (self.starts.get(index)?, self.starts.get(index + 1)?);
        let key = format!("{field}:");
        let found = (start..end).find(|&i| {
            let content = self.lines[i].trim_start().trim_start_matches("- ");
            content.starts_with(&key)
        });
        Some(found.unwrap_or(start) + 1)
    }
}

// ---------------------------------------------------------------------------------------
// The rendered pages

/// One rendered HTML page, reduced to what the link checks need.
struct PageLinks {
    /// Output path, e.g. `actoren/rijk/index.html`.
    output: String,
    /// The page's own address, which relative links are resolved against.
    url: Option<Url>,
    /// Every `id` on the page (and `name` on `a`): the anchors a link may point at.
    ids: HashSet<String>,
    links: Vec<FoundLink>,
}

struct FoundLink {
    /// As it stands in the HTML (entities decoded).
    href: String,
    /// From `img` or `source`: reported as a missing image rather than a page.
    image: bool,
}

const LINK_ATTRIBUTES: [(&str, &str); 5] = [
    ("a[href]", "href"),
    ("link[href]", "href"),
    ("img[src]", "src"),
    ("script[src]", "src"),
    ("source[src]", "src"),
];

fn read_pages(rendered: &crate::RenderedSite) -> Vec<PageLinks> {
    let base = Url::parse(&rendered.base.absolute).ok();
    rendered
        .files
        .par_iter()
        .filter(|file| has_extension(&file.path, "html"))
        .filter_map(|file| {
            let html = match &file.contents {
                Contents::Bytes(bytes) => String::from_utf8_lossy(bytes),
                Contents::Parts(parts) => String::from_utf8(join_parts(parts))
                    .expect("parts are text")
                    .into(),
                _ => return None,
            };
            let output = slash_path(&file.path);
            let url = base
                .as_ref()
                .and_then(|b| b.join(&page_url_path(&output)).ok());
            Some(read_page(output, url, &html))
        })
        .collect()
}

fn read_page(output: String, url: Option<Url>, html: &str) -> PageLinks {
    let document = Html::parse_document(html);
    let mut ids = HashSet::new();
    if let Ok(selector) = Selector::parse("[id], a[name]") {
        for element in document.select(&selector) {
            let value = element.value();
            ids.extend(value.id().map(String::from));
            if value.name() == "a" {
                ids.extend(value.attr("name").map(String::from));
            }
        }
    }
    let mut links = Vec::new();
    for (css, attribute) in LINK_ATTRIBUTES {
        let Ok(selector) = Selector::parse(css) else {
            continue;
        };
        for element in document.select(&selector) {
            if let Some(href) = element.value().attr(attribute) {
                links.push(FoundLink {
                    href: href.trim().to_string(),
                    image: matches!(element.value().name(), "img" | "source"),
                });
            }
        }
    }
    PageLinks {
        output,
        url,
        ids,
        links,
    }
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|e| e == extension)
}

/// `actoren/rijk/index.html` as a URL path always uses `/`, whatever the platform.
fn slash_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// `x/index.html` is served as `x/`, `index.html` as the base itself; other files as they are.
fn page_url_path(output: &str) -> String {
    match output.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir.to_string(),
        _ => output.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Where a rendered page comes from

/// What made a page: a file in `content/`, or a template of the theme (the signing page,
/// the signatories list, the 404 page).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Origin {
    Content(PathBuf),
    Theme(String),
}

/// What the link checks know about the site: its address, its files, and where each page
/// comes from, with the text of every content file to find the line of a link in.
struct LinkContext {
    base: crate::render::BaseUrl,
    base_url: Option<Url>,
    theme: String,
    /// Every output path.
    files: HashSet<String>,
    /// Output path of every HTML page -> what made it.
    origins: HashMap<String, Origin>,
    /// The pages' markdown files, then the data files that may hold links too.
    texts: Vec<SourceText>,
}

struct SourceText {
    file: PathBuf,
    text: String,
    /// The markdown file of a page, not a data file.
    page: bool,
}

impl LinkContext {
    fn new(rendered: &crate::RenderedSite, pages: &[PageLinks], root: &Path) -> LinkContext {
        let site = &rendered.loaded.site;
        let content = root.join("content");
        let known = model_origins(site);
        let signatories = format!("{}/", site.settings.paths.signatories);
        let origins: HashMap<String, Origin> = pages
            .iter()
            .map(|page| {
                let origin = known
                    .get(&page.output)
                    .cloned()
                    .unwrap_or_else(|| guess_origin(&page.output, &content, &signatories));
                (page.output.clone(), origin)
            })
            .collect();
        let mut sources: Vec<&PathBuf> = origins
            .values()
            .filter_map(|origin| match origin {
                Origin::Content(file) => Some(file),
                Origin::Theme(_) => None,
            })
            .collect();
        sources.sort();
        sources.dedup();
        let mut texts: Vec<SourceText> = sources
            .into_iter()
            .filter_map(|file| source_text(file, true))
            .collect();
        // Values from the data files show on pages too (the site's description, the people).
        for data in [crate::load::SETTINGS_FILE, crate::load::PEOPLE_FILE] {
            texts.extend(source_text(&content.join(data), false));
        }
        LinkContext {
            base: rendered.base.clone(),
            base_url: Url::parse(&rendered.base.absolute).ok(),
            theme: site.settings.theme.clone(),
            files: rendered.files.iter().map(|f| slash_path(&f.path)).collect(),
            origins,
            texts,
        }
    }

    fn origin(&self, output: &str) -> Origin {
        self.origins
            .get(output)
            .cloned()
            .unwrap_or_else(|| Origin::Theme(String::new()))
    }

    /// Every page's markdown file with its text.
    fn page_sources(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.texts
            .iter()
            .filter(|t| t.page)
            .map(|t| (t.file.as_path(), t.text.as_str()))
    }

    /// Where to report a link found on a page: the first line that has it in the page's own
    /// source, else in any other content file (a call's text shows on several pages, but is
    /// written once), else the page's source without a line.
    fn locate(&self, origin: &Origin, href: &str) -> (PathBuf, Option<usize>, bool) {
        let candidates = self.written_forms(href);
        let own = match origin {
            Origin::Content(file) => Some(file),
            Origin::Theme(_) => None,
        };
        let texts = self.texts.iter();
        let ordered = texts
            .clone()
            .filter(|t| Some(&t.file) == own)
            .chain(texts.filter(|t| Some(&t.file) != own));
        for source in ordered {
            if let Some(line) = find_line(&source.text, &candidates) {
                return (source.file.clone(), Some(line), true);
            }
        }
        let file = match origin {
            Origin::Content(file) => file.clone(),
            Origin::Theme(name) => self.template_path(name),
        };
        (file, None, false)
    }

    /// How a link may be written in markdown: as it is, without the base path that the
    /// build put in front of `/...` links, and without percent-encoding.
    fn written_forms(&self, href: &str) -> Vec<String> {
        let mut forms = vec![href.to_string()];
        if let Some(rest) = href.strip_prefix(&self.base.path) {
            forms.push(format!("/{rest}"));
        }
        let decoded: Vec<String> = forms.iter().map(|f| decode(f)).collect();
        forms.extend(decoded);
        forms.sort();
        forms.dedup();
        forms
    }

    fn markdown_form(&self, href: &str) -> String {
        match href.strip_prefix(&self.base.path) {
            Some(rest) if !href.starts_with("//") => format!("/{rest}"),
            _ => href.to_string(),
        }
    }

    fn template_path(&self, name: &str) -> PathBuf {
        Path::new("themes")
            .join(&self.theme)
            .join("templates")
            .join(name)
    }
}

fn source_text(file: &Path, page: bool) -> Option<SourceText> {
    let text = std::fs::read_to_string(file).ok()?;
    Some(SourceText {
        file: file.to_path_buf(),
        text,
        page,
    })
}

/// Output path -> what made it, from the model, mirroring `render::page_jobs`.
fn model_origins(site: &Site) -> HashMap<String, Origin> {
    let index = |path: &str| format!("{path}index.html");
    let content = |file: &Path| Origin::Content(file.to_path_buf());
    let paths = &site.settings.paths;
    let mut map = HashMap::new();
    map.insert(index(""), content(&site.home.source.file));
    let sections = [&site.actors_section, &site.examples_section];
    for section in sections {
        map.insert(index(&section.source.path), content(&section.source.file));
    }
    let current = site.appeal.versions.len().saturating_sub(1);
    for (i, version) in site.appeal.versions.iter().enumerate() {
        let path = if i == current {
            index(&format!("{}/", paths.appeal))
        } else {
            index(&version.source.path)
        };
        map.insert(path, content(&version.source.file));
    }
    let sources = site
        .actors
        .iter()
        .map(|a| &a.source)
        .chain(site.examples.iter().map(|e| &e.source))
        .chain(site.pages.iter().map(|p| &p.source));
    for source in sources {
        map.insert(index(&source.path), content(&source.file));
    }
    map.insert(
        index(&format!("{}/", paths.sign)),
        Origin::Theme("sign.html".into()),
    );
    map.insert("404.html".into(), Origin::Theme("404.html".into()));
    map
}

/// A page the model above does not list, such as a kind of page added later: its markdown
/// file by the rule that the URL follows the file, else the theme.
fn guess_origin(output: &str, content: &Path, signatories: &str) -> Origin {
    // The signatories list has as many pages as it needs, all below its own path.
    if output.starts_with(signatories) {
        return Origin::Theme("signatories.html".into());
    }
    if let Some(dir) = output.strip_suffix("/index.html") {
        let candidates = [
            format!("{dir}.md"),
            format!("{dir}/_index.md"),
            format!("{dir}/index.md"),
        ];
        for candidate in candidates {
            let file = content.join(candidate);
            if file.is_file() {
                return Origin::Content(file);
            }
        }
    }
    Origin::Theme(String::new())
}

/// The first line (1-based) holding one of `candidates` as a whole link, not as part of a
/// longer one: `/oproep/` must not match inside `/oproep/2020-06-19/`.
fn find_line(text: &str, candidates: &[String]) -> Option<usize> {
    text.lines()
        .position(|line| {
            candidates
                .iter()
                .filter(|c| !c.is_empty())
                .any(|c| contains_link(line, c))
        })
        .map(|i| i + 1)
}

fn contains_link(line: &str, link: &str) -> bool {
    line.match_indices(link).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = &line[at + link.len()..];
        !before.is_some_and(is_url_char) && !continues_url(after)
    })
}

fn is_url_char(c: char) -> bool {
    c.is_alphanumeric() || "-_~/%#?&=+@.:".contains(c)
}

/// Whether the text right after a match is more of the same URL. A full stop is only part of
/// it when more follows (`/foto.jpg`), not at the end of a sentence.
fn continues_url(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        Some('.' | ':') => chars.next().is_some_and(|c| c.is_alphanumeric()),
        Some(c) => is_url_char(c),
        None => false,
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------
// Internal links

/// What is wrong with one internal link.
enum Broken {
    /// No file at the link's target, shown as a site path (`/bestanden/rapport.pdf`).
    Missing {
        what: Missing,
        target: String,
    },
    Anchor {
        fragment: String,
        target: String,
    },
    /// A relative link that climbs above the site's folder.
    Outside,
    Malformed,
}

/// What a link to nothing was meant to show, which decides the message and the hint.
#[derive(Clone, Copy)]
enum Missing {
    Page,
    Image,
    File,
}

impl Missing {
    /// `img`/`source` show images; a last segment with an extension other than `.html` is a
    /// file (`rapport.pdf`); anything else (`/nergens/`, `/nergens`) is meant as a page.
    fn of(link: &FoundLink, relative: &str) -> Missing {
        let last = relative.rsplit('/').next().unwrap_or_default();
        let extension = last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if link.image {
            Missing::Image
        } else if extension.is_some_and(|e| e != "html" && e != "htm") {
            Missing::File
        } else {
            Missing::Page
        }
    }

    fn name(self) -> &'static str {
        match self {
            Missing::Page => "page",
            Missing::Image => "image",
            Missing::File => "file",
        }
    }
}

/// A link, once classified.
enum Target {
    Internal(Url),
    External(Url),
    /// mailto:, tel:, a page's own top, a path of the same host outside the site.
    Skip,
    Broken(Broken),
}

fn check_internal_links(pages: &[PageLinks], context: &LinkContext) -> Vec<Problem> {
    let outputs: HashMap<&str, &PageLinks> = pages.iter().map(|p| (p.output.as_str(), p)).collect();
    pages
        .par_iter()
        .flat_map_iter(|page| {
            let origin = context.origin(&page.output);
            let mut seen = HashSet::new();
            let mut problems = Vec::new();
            for link in &page.links {
                if !seen.insert(&link.href) {
                    continue; // once per page
                }
                let broken = match classify(page, &link.href, context) {
                    Target::Internal(url) => check_target(&url, link, context, &outputs),
                    Target::Broken(broken) => Some(broken),
                    Target::External(_) | Target::Skip => None,
                };
                if let Some(broken) = broken {
                    problems.push(broken_link(&origin, &link.href, broken, context));
                }
            }
            problems
        })
        .collect()
}

/// Sorts a link into internal, external or not to be checked.
fn classify(page: &PageLinks, href: &str, context: &LinkContext) -> Target {
    let lower = href.to_ascii_lowercase();
    if href.is_empty() || href == "#" || lower.starts_with("mailto:") || lower.starts_with("tel:") {
        return Target::Skip;
    }
    let (Some(page_url), Some(base)) = (&page.url, &context.base_url) else {
        return Target::Skip;
    };
    let Ok(url) = page_url.join(href) else {
        return Target::Broken(Broken::Malformed);
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Target::Skip;
    }
    let same_origin = url.origin() == base.origin();
    if same_origin && url.path().starts_with(base.path()) {
        return Target::Internal(url);
    }
    if is_relative(href) {
        return Target::Broken(Broken::Outside);
    }
    if same_origin && href.starts_with('/') && !href.starts_with("//") {
        // A path on the same host outside the site: not the site's to check.
        return Target::Skip;
    }
    Target::External(url)
}

/// `../x/`, `foto.jpg`, `#anker`: no scheme and no leading `/`.
fn is_relative(href: &str) -> bool {
    let scheme = href
        .split_once(':')
        .is_some_and(|(s, _)| !s.contains(['/', '?', '#']));
    !scheme && !href.starts_with('/')
}

/// Whether an internal link's file exists and, for a `#fragment`, the anchor on that page.
fn check_target(
    url: &Url,
    link: &FoundLink,
    context: &LinkContext,
    pages: &HashMap<&str, &PageLinks>,
) -> Option<Broken> {
    let path = url.path();
    let relative = decode(path.strip_prefix(&context.base.path).unwrap_or(path));
    let shown = format!("/{relative}");
    let file = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.clone()
    };
    // `x` without the slash: static hosts redirect it to `x/`.
    let directory = format!("{relative}/index.html");
    let file = if !context.files.contains(&file) && context.files.contains(&directory) {
        directory
    } else {
        file
    };
    if !context.files.contains(&file) {
        return Some(Broken::Missing {
            what: Missing::of(link, &relative),
            target: shown,
        });
    }
    let fragment = decode(url.fragment().unwrap_or_default());
    // `#top` is the top of any page, by the HTML standard.
    if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
        return None;
    }
    let target = pages.get(file.as_str())?; // only HTML pages have anchors
    (!target.ids.contains(&fragment)).then(|| Broken::Anchor {
        fragment,
        target: page_url_path(&shown),
    })
}

fn broken_link(origin: &Origin, href: &str, broken: Broken, context: &LinkContext) -> Problem {
    let (file, line, found) = context.locate(origin, href);
    let written = context.markdown_form(href);
    let (message, mut hint) = match broken {
        Broken::Missing {
            what: Missing::Page,
            target,
        } => (
            format!("link to a page that does not exist: {written}"),
            format!("the page {target} does not exist; check the link or create the page"),
        ),
        Broken::Missing { what, target } => (
            format!("missing {}: {written}", what.name()),
            format!(
                "there is no {} {target}; put it at {}, or correct the link",
                what.name(),
                where_to_put(&target, &context.theme)
            ),
        ),
        Broken::Anchor { fragment, target } => (
            format!("link to an anchor that does not exist: {written}"),
            format!(
                "there is no heading or element with id `{fragment}` on {target}; headings get \
                 ids from their text: see the page's table of contents"
            ),
        ),
        Broken::Outside => (
            format!("the link {written} leads outside the site"),
            "start links within the site with / (e.g. /oproep/), or count the ../ again".into(),
        ),
        Broken::Malformed => (
            format!("the link {written} is not a valid address"),
            "check the link for typing errors".into(),
        ),
    };
    if !found {
        hint.push_str(&not_in_content(origin));
    }
    Problem::new(Severity::Error, &file, line).says(message, hint)
}

/// Where a missing file belongs: `content/` is published as it is; `static/` is the theme's.
fn where_to_put(target: &str, theme: &str) -> String {
    let relative = target.trim_start_matches('/');
    match relative.strip_prefix("static/") {
        Some(rest) => format!("themes/{theme}/static/{rest}"),
        None => format!("content/{relative}"),
    }
}

fn not_in_content(origin: &Origin) -> String {
    match origin {
        Origin::Theme(name) if name.is_empty() => {
            " (the page is made by the theme's templates)".into()
        }
        Origin::Theme(name) => {
            format!(" (the link is made by the theme's template {name} or one it uses)")
        }
        Origin::Content(_) => {
            " (the link is not written in the content: it comes from the theme's templates)".into()
        }
    }
}

// ---------------------------------------------------------------------------------------
// External links

/// How many external requests run at once: enough to be quick, few enough to be polite.
const PARALLEL_REQUESTS: usize = 8;

/// External links are requested once each. A dead one is a warning: other sites go down and
/// come back, and the site itself is not broken by it.
///
/// Only links written in the content are requested. Links the theme makes (share buttons
/// that differ per page) are the theme's business, and requesting them for every page would
/// flood those sites.
fn check_external_links(
    pages: &[PageLinks],
    context: &LinkContext,
    timeout: Duration,
) -> Vec<Problem> {
    // url -> every place it is written
    let mut uses: BTreeMap<String, BTreeSet<(PathBuf, Option<usize>)>> = BTreeMap::new();
    for page in pages {
        let origin = context.origin(&page.output);
        for link in &page.links {
            let Target::External(mut url) = classify(page, &link.href, context) else {
                continue;
            };
            let (file, line, written) = context.locate(&origin, &link.href);
            if written {
                url.set_fragment(None);
                uses.entry(url.to_string())
                    .or_default()
                    .insert((file, line));
            }
        }
    }
    let urls: Vec<&String> = uses.keys().collect();
    let failures = request_all(&urls, timeout);
    let mut problems = Vec::new();
    for (url, Failure(reason)) in failures {
        let Some(users) = uses.get(url) else { continue };
        for (file, line) in users {
            problems.push(Problem::new(Severity::Warning, file, *line).says(
                format!("external link does not work: {url} ({reason})"),
                "open it in a browser; if the page moved, update the link; if the site \
                 is down, try again later",
            ));
        }
    }
    problems
}

/// Why an external link does not work.
struct Failure(String);

fn request_all<'a>(urls: &[&'a String], timeout: Duration) -> Vec<(&'a String, Failure)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // Read the status ourselves: a 405 on HEAD means "try GET", not "dead".
        .http_status_as_error(false)
        .user_agent(concat!("oproep-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let run = || -> Vec<(&'a String, Failure)> {
        urls.par_iter()
            .filter_map(|&url| request(&agent, url, timeout).map(|f| (url, f)))
            .collect()
    };
    // Requests mostly wait, so they get their own threads instead of the CPU-sized pool.
    match rayon::ThreadPoolBuilder::new()
        .num_threads(PARALLEL_REQUESTS)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// None when the link works. HEAD first, as it skips the body; some servers refuse HEAD or
/// answer it wrongly, so any error status gets a second chance with GET.
fn request(agent: &ureq::Agent, url: &str, timeout: Duration) -> Option<Failure> {
    let status = match agent.head(url).call() {
        Ok(response) if response.status().as_u16() < 400 => return None,
        Ok(_) => agent.get(url).call(),
        Err(err) => Err(err),
    };
    match status {
        Ok(response) if response.status().as_u16() < 400 => None,
        Ok(response) => Some(Failure(format!("HTTP {}", response.status()))),
        Err(err) => Some(failure_of(err, timeout)),
    }
}

fn failure_of(err: ureq::Error, timeout: Duration) -> Failure {
    let reason = match err {
        ureq::Error::Timeout(_) => format!("no answer within {} s", timeout.as_secs_f32()),
        ureq::Error::HostNotFound => "the host does not exist".into(),
        ureq::Error::Io(e) => format!("cannot connect: {e}"),
        other => other.to_string(),
    };
    Failure(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_found_only_as_a_whole() {
        let text = "zie [x](/oproep/2020-06-19/)\nen [y](/oproep/).\n";
        assert_eq!(find_line(text, &["/oproep/".into()]), Some(2));
        assert_eq!(find_line(text, &["/oproep/2020-06-19/".into()]), Some(1));
        assert_eq!(find_line("url: \"/foto.jpg\"", &["/foto".into()]), None);
        assert_eq!(
            find_line("<https://e.org/a>.", &["https://e.org/a".into()]),
            Some(1)
        );
        assert_eq!(find_line("https://e.org/over/", &["/over/".into()]), None);
    }

    #[test]
    fn signatory_entries_are_found_by_their_dashes() {
        let text = "# kop\nsignatories:\n- name: A\n  date: 2020-01-01\n\n- name: B\n  place: X\n  date: 2020-01-02\nwithdrawn:\n- sender: abc\n  date: 2020-01-01\n";
        let lines = SignatoryLines::find(text, 2);
        assert_eq!(lines.field(0, "name"), Some(3));
        assert_eq!(lines.field(0, "date"), Some(4));
        assert_eq!(lines.field(1, "date"), Some(8));
        assert_eq!(lines.field(2, "name"), None);
        // A count that does not add up gives no lines rather than wrong ones.
        assert_eq!(SignatoryLines::find(text, 3).field(0, "name"), None);
    }

    #[test]
    fn indented_signatory_lists_work_too() {
        let text =
            "signatories:\n  - date: 2020-01-01\n    name: A\n  - name: B\n    date: 2020-01-02\n";
        let lines = SignatoryLines::find(text, 2);
        assert_eq!(lines.field(0, "name"), Some(3));
        assert_eq!(lines.field(1, "date"), Some(5));
    }

    #[test]
    fn signatory_problems() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("signatories.yaml");
        std::fs::write(
            &file,
            "signatories:\n- name: Jan Jansen\n  date: 2020-01-01\n- name: ' jan  JANSEN'\n  date: 2020-01-02\n- name: Jan Jansen\n  place: Utrecht\n  date: 2020-01-02\n- name: Later\n  date: 2030-01-01\n- name: ''\n  date: 2020-01-01\n",
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let problems = check_signatories(&file, today);
        let summary: Vec<(Severity, Option<usize>)> =
            problems.iter().map(|p| (p.severity, p.line)).collect();
        assert_eq!(
            summary,
            [
                (Severity::Warning, Some(4)),
                (Severity::Error, Some(10)),
                (Severity::Error, Some(11)),
            ],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("also on line 2"));
    }

    #[test]
    fn output_paths_become_urls() {
        assert_eq!(page_url_path("index.html"), "");
        assert_eq!(page_url_path("actoren/rijk/index.html"), "actoren/rijk/");
        assert_eq!(page_url_path("404.html"), "404.html");
        assert_eq!(
            page_url_path("bestanden/index.html.bak"),
            "bestanden/index.html.bak"
        );
    }

    #[test]
    fn relative_links() {
        assert!(is_relative("../x/"));
        assert!(is_relative("#anker"));
        assert!(is_relative("foto.jpg"));
        assert!(is_relative("a/b:c"));
        assert!(!is_relative("/x/"));
        assert!(!is_relative("https://e.org/"));
        assert!(!is_relative("mailto:a@b"));
    }
}
