//! Publishing under a sub-path: a site built for `https://example.org/oproep/` keeps every link,
//! asset, feed entry, sitemap entry and search result under `/oproep/`, and every internal URL
//! resolves to a file of the output. `--base-url` wins over `base_url` in the settings. A site
//! built for a local address works under a plain static file server, at the root and below a
//! folder: the test serves the output over HTTP and follows every link from the home page.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use common::*;
use percent_encoding::percent_decode_str;
use scraper::{ElementRef, Html, Selector};
use url::Url;

const SUB_PATH: &str = "https://example.org/oproep/";

// ---------------------------------------------------------------------------------------------
// The fixture: a site with every kind of page, and every kind of link content can hold.

/// `Site::new()` plus news, a nested page, assets, images, relative and root-relative links in
/// markdown, an example whose source is on the site, and three pages of signatories.
fn full_site() -> Site {
    let site = Site::new();
    site.write(
        "content/index.md",
        "---\ntitle: Testoproep\ndescription: Thuis\n---\nDe kern van [de oproep](/oproep/). \
         Lees [over ons](over/), [het materiaal](/campagne/materiaal/) of \
         [de voorbeelden](/voorbeelden/#lijst).\n\n\
         ![Een foto](/bestanden/foto.png)\n",
    );
    site.write(
        "content/over.md",
        "---\ntitle: Over de oproep\ntemplate: about.html\n---\nHoe de oproep ontstond. \
         [Terug naar huis](/), [naar de voorbeelden](../voorbeelden/), \
         [de flyer](/bestanden/flyer.pdf), [een kop](#kop), [de vorige versie](/oproep/2020-06-19/), \
         [extern](https://www.movisie.nl/), [mail](mailto:info@example.net), \
         [bel](tel:+31201234567), [het Rijk](/actoren/rijk/).\n\n\
         ![Een foto](../bestanden/foto.png \"foto\")\n\n## Kop\n\nTekst.\n",
    );
    site.write(
        "content/campagne/materiaal.md",
        "---\ntitle: Materiaal\ndescription: Flyers en affiches.\n---\n\
         [De flyer](../../bestanden/flyer.pdf) en [nog eens](/bestanden/flyer.pdf). \
         Zie ook [het materiaaloverzicht](./) en [de handelingsperspectieven](/actoren/).\n",
    );
    site.write(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\n\
         themes: [sport]\nsource:\n  title: De oproep\n  url: \"/oproep/\"\n---\n\
         Zwemles via de welzijnsorganisatie. ![Zwembad](/bestanden/foto.png)\n",
    );
    site.write(
        "content/nieuws/_index.md",
        "---\ntitle: Nieuws\ndescription: Wat er gebeurt.\n---\nHet laatste nieuws.\n",
    );
    site.write(
        "content/nieuws/eerste-bericht.md",
        "---\ntitle: Eerste bericht\ndate: 2021-01-15\ndescription: Het eerste nieuws.\n---\n\
         Al [honderd ondertekenaars](/ondertekenaars/)! Zie [de oproep](/oproep/#oproep-ruimte).\n\n\
         ![Een foto](/bestanden/foto.png)\n",
    );
    site.write(
        "content/nieuws/tweede-bericht.md",
        "---\ntitle: Tweede bericht\ndate: 2021-02-01\n---\nLees [het eerste bericht](../eerste-bericht/).\n",
    );
    // A tiny valid PNG and a PDF-looking file: assets are copied as they are.
    fs::create_dir_all(site.path("content/bestanden")).unwrap();
    fs::write(site.path("content/bestanden/foto.png"), PNG).unwrap();
    fs::write(
        site.path("content/bestanden/flyer.pdf"),
        b"%PDF-1.4\n%%EOF\n",
    )
    .unwrap();
    // 1,001 published signatories: three pages of names and a data chunk.
    let mut yaml = String::from("signatories:\n");
    for i in 0..1001 {
        let place = ["Haarlem", "Utrecht", "Zwolle"][i % 3];
        writeln!(
            yaml,
            "- name: Ondertekenaar {i}\n  place: {place}\n  date: 2021-01-{:02}\n  publish: true",
            1 + i % 28
        )
        .unwrap();
    }
    site.write("content/signatories.yaml", &yaml);
    site
}

const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

// ---------------------------------------------------------------------------------------------
// Reading every URL in the output.

/// Where a URL was found and what was wrong with it.
#[derive(Default)]
struct Audit {
    problems: Vec<String>,
    /// Internal URLs checked, to show the audit did not pass by finding nothing.
    internal: usize,
    external: usize,
    /// Files of the output some HTML page links to.
    linked: BTreeSet<PathBuf>,
    files: BTreeMap<&'static str, usize>,
}

impl Audit {
    fn assert_clean(&self, what: &str) {
        let problems: BTreeSet<&String> = self.problems.iter().collect();
        assert!(
            self.problems.is_empty(),
            "{what}: {} URLs leave the sub-path or resolve to nothing:\n  {}",
            problems.len(),
            problems
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
}

/// How strictly to treat a URL.
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    /// May point anywhere; internal ones must stay under the base and resolve.
    Any,
    /// Must be the site's own (stylesheets, scripts, canonical links, sitemap and feed entries).
    Own,
}

struct Auditor<'a> {
    out: &'a Path,
    base: Url,
    audit: Audit,
}

/// Reads every HTML, XML, JSON, CSS and JS file in `out`, a site built for `base`.
fn audit(out: &Path, base: &str) -> Audit {
    let mut auditor = Auditor {
        out,
        base: Url::parse(base).unwrap(),
        audit: Audit::default(),
    };
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(out).unwrap().to_path_buf();
        let extension = relative
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = match extension.as_str() {
            "html" => "html",
            "xml" | "rss" | "atom" => "xml",
            "json" | "webmanifest" => "json",
            "css" => "css",
            "js" => "js",
            "txt" => "txt",
            _ => continue,
        };
        *auditor.audit.files.entry(kind).or_default() += 1;
        let text = fs::read_to_string(entry.path()).unwrap();
        let page = auditor.page_url(&relative);
        match kind {
            "html" => auditor.html(&relative, &page, &text),
            "xml" => auditor.xml(&relative, &page, &text),
            "json" => match serde_json::from_str(&text) {
                Ok(value) => auditor.json(&relative, &page, &value, None),
                Err(e) => auditor.problem(&relative, "", &format!("invalid JSON: {e}")),
            },
            "css" => auditor.css(&relative, &page, &text),
            "js" => auditor.js(&relative, &text),
            // robots.txt: `Sitemap: https://...`.
            _ => {
                for url in absolute_urls(&text) {
                    auditor.check(&relative, &page, &url, Rule::Any, true);
                }
            }
        }
    }
    auditor.audit
}

impl Auditor<'_> {
    /// The address a file is served at: folders for `index.html`.
    fn page_url(&self, relative: &Path) -> Url {
        let path = relative.to_string_lossy().replace('\\', "/");
        let path = match path.strip_suffix("index.html") {
            Some(folder) if folder.is_empty() || folder.ends_with('/') => folder.to_string(),
            _ => path,
        };
        self.base.join(&path).unwrap()
    }

    fn problem(&mut self, file: &Path, url: &str, message: &str) {
        self.audit
            .problems
            .push(format!("{}: `{url}`: {message}", file.display()));
    }

    fn html(&mut self, file: &Path, page: &Url, text: &str) {
        let html = Html::parse_document(text);
        let all = Selector::parse("*").unwrap();
        // A <base href> changes what relative URLs resolve against.
        let base_element = Selector::parse("base[href]").unwrap();
        let page = match html.select(&base_element).next() {
            Some(b) => page.join(b.value().attr("href").unwrap()).unwrap(),
            None => page.clone(),
        };
        // The 404 page is served at any missing address, so relative URLs there point nowhere.
        let served_anywhere = file.file_name().is_some_and(|n| n == "404.html");
        for element in html.select(&all) {
            for Found {
                url,
                rule,
                resolves,
            } in urls_of(&element)
            {
                if served_anywhere && is_relative_path(&url) {
                    self.problem(
                        file,
                        &url,
                        "a relative URL on the 404 page, which is served at any address",
                    );
                    continue;
                }
                self.check(file, &page, &url, rule, resolves);
            }
            // Signatory data: the script loads `data-url` + `N.json` for N below `data-chunks`.
            let value = element.value();
            if let (Some(prefix), Some(chunks)) =
                (value.attr("data-url"), value.attr("data-chunks"))
            {
                for i in 0..chunks.parse::<usize>().unwrap_or(0) {
                    self.check(file, &page, &format!("{prefix}{i}.json"), Rule::Any, true);
                }
            }
            if value.name() == "script" && value.attr("type") == Some("application/ld+json") {
                let json: String = element.text().collect();
                if let Ok(json) = serde_json::from_str(&json) {
                    self.json(file, &page, &json, None);
                }
            }
        }
    }

    /// Sitemaps and feeds: `<loc>`, `<link>`, `<id>`, `<uri>`, `<icon>`, `<logo>`, every
    /// `href="..."` (also inside escaped HTML content) and every absolute URL in the text.
    fn xml(&mut self, file: &Path, page: &Url, text: &str) {
        for tag in ["loc", "link", "id", "uri", "icon", "logo", "url"] {
            for value in tag_texts(text, tag) {
                let value = unescape_xml(&value);
                if value.starts_with("http://") || value.starts_with("https://") {
                    self.check(file, page, &value, Rule::Own, true);
                }
            }
        }
        for tag in ["<link", "<atom:link", "<xhtml:link"] {
            for element in start_tags(text, tag) {
                for value in attribute_values(&element, "href") {
                    self.check(file, page, &unescape_xml(&value), Rule::Own, true);
                }
            }
        }
        // Feed entries carry HTML content, escaped: its links too.
        let unescaped = unescape_xml(&unescape_xml(text));
        for attribute in ["href", "src"] {
            for value in attribute_values(&unescaped, attribute) {
                let resolvable = !is_relative_path(&value);
                self.check(file, page, &value, Rule::Any, resolvable);
            }
        }
        for value in absolute_urls(&unescaped) {
            self.check(file, page, &value, Rule::Any, false);
        }
    }

    /// A search index or other data: absolute URLs anywhere, and root-relative ones under
    /// keys that name a link.
    fn json(&mut self, file: &Path, page: &Url, value: &serde_json::Value, key: Option<&str>) {
        match value {
            serde_json::Value::String(s) => {
                let link_key = key.is_some_and(|k| {
                    let k = k.to_ascii_lowercase();
                    [
                        "url",
                        "href",
                        "link",
                        "permalink",
                        "path",
                        "src",
                        "image",
                        "@id",
                    ]
                    .iter()
                    .any(|name| k == *name || k.ends_with(&format!("_{name}")))
                });
                // Relative values are left alone: what a script joins them to is unknown.
                let absolute = s.starts_with("http://") || s.starts_with("https://");
                let root_relative = s.starts_with('/') && !s.starts_with("//");
                if absolute || (link_key && root_relative && !s.contains(char::is_whitespace)) {
                    self.check(file, page, s, Rule::Any, true);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.json(file, page, item, key);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    self.json(file, page, v, Some(k));
                }
            }
            _ => {}
        }
    }

    fn css(&mut self, file: &Path, page: &Url, text: &str) {
        let mut rest = text;
        while let Some(start) = rest.find("url(") {
            rest = &rest[start + 4..];
            let end = rest.find(')').unwrap_or(rest.len());
            let url = rest[..end].trim().trim_matches(['"', '\'']);
            self.check(file, page, url, Rule::Any, true);
            rest = &rest[end..];
        }
        for line in text.lines() {
            if let Some(import) = line.trim().strip_prefix("@import") {
                let url = import
                    .trim()
                    .trim_end_matches(';')
                    .trim_matches(['"', '\'']);
                if !url.starts_with("url(") {
                    self.check(file, page, url, Rule::Any, true);
                }
            }
        }
    }

    /// A script that builds URLs from a hard-coded root path (`"/static/..."`) breaks under a
    /// sub-path; URLs should come from the page (`data-url`, `href`).
    fn js(&mut self, file: &Path, text: &str) {
        for quote in ['"', '\'', '`'] {
            let needle = format!("{quote}/");
            for (i, _) in text.match_indices(&needle) {
                let after = &text[i + 2..];
                if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    let literal: String = after.chars().take_while(|c| *c != quote).collect();
                    let line = text[..i].lines().count();
                    self.problem(
                        file,
                        &format!("/{literal}"),
                        &format!("line {line}: a script hard-codes a root path"),
                    );
                }
            }
        }
    }

    /// Checks one URL found in `file`, resolved against `page`.
    fn check(&mut self, file: &Path, page: &Url, raw: &str, rule: Rule, must_resolve: bool) {
        let raw = raw.trim();
        if raw.starts_with('#') {
            return; // the same page
        }
        let url = match page.join(raw) {
            Ok(url) => url,
            Err(e) => return self.problem(file, raw, &format!("not a URL: {e}")),
        };
        match url.scheme() {
            "http" | "https" => {}
            "mailto" | "tel" | "data" if rule == Rule::Any => return,
            other => return self.problem(file, raw, &format!("unexpected scheme `{other}:`")),
        }
        let same_host = url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default();
        if !same_host {
            if rule == Rule::Own {
                return self.problem(
                    file,
                    raw,
                    &format!("not on the site's address {}", self.base),
                );
            }
            self.audit.external += 1;
            return;
        }
        self.audit.internal += 1;
        if !url.as_str().starts_with(self.base.as_str()) || url.scheme() != self.base.scheme() {
            return self.problem(file, raw, &format!("leaves the sub-path {}", self.base));
        }
        if !must_resolve {
            return;
        }
        match resolve(self.out, &self.base, &url) {
            Ok(target) => {
                if file.extension().is_some_and(|e| e == "html") {
                    self.audit.linked.insert(target);
                }
            }
            Err(message) => self.problem(file, raw, &message),
        }
    }
}

/// The file of the output an internal URL is served from.
fn resolve(out: &Path, base: &Url, url: &Url) -> Result<PathBuf, String> {
    let rest = &url.path()[base.path().len()..];
    let decoded = percent_decode_str(rest).decode_utf8_lossy().into_owned();
    if decoded.split('/').any(|part| part == "..") {
        return Err("leaves the output folder".into());
    }
    let mut relative = PathBuf::from(&decoded);
    let on_disk = out.join(&relative);
    if decoded.is_empty() || decoded.ends_with('/') {
        relative.push("index.html");
    } else if on_disk.is_dir() {
        return Err(
            "a folder without a trailing `/`: a static host redirects it, and relative links \
             on the page then break"
                .into(),
        );
    }
    if out.join(&relative).is_file() {
        Ok(relative)
    } else {
        Err(format!(
            "resolves to no file (looked for {})",
            relative.display()
        ))
    }
}

/// A URL an element holds: the value, how strict to be, and whether it must name a file.
struct Found {
    url: String,
    rule: Rule,
    resolves: bool,
}

/// The URLs an element holds.
fn urls_of(element: &ElementRef) -> Vec<Found> {
    let value = element.value();
    let rule = match value.name() {
        "link" | "script" => Rule::Own,
        _ => Rule::Any,
    };
    let mut urls = Vec::new();
    for (name, attribute) in value.attrs() {
        let url = attribute.trim().to_string();
        match name {
            "href" | "src" | "action" | "formaction" | "poster" | "cite" | "data" => {
                urls.push(Found {
                    url,
                    rule,
                    resolves: true,
                })
            }
            "srcset" => {
                for candidate in attribute.split(',') {
                    if let Some(url) = candidate.split_whitespace().next() {
                        let url = url.to_string();
                        urls.push(Found {
                            url,
                            rule,
                            resolves: true,
                        });
                    }
                }
            }
            // What scripts load: `data-index="/oproep/zoeken/index.json"`. A value ending in `/`
            // may be a folder the script adds file names to (`data-url`): it must stay under
            // the base; its files are checked with `data-chunks` in `Auditor::html`.
            _ if name.starts_with("data-") && url.starts_with('/') && !url.starts_with("//") => {
                let resolves = !url.ends_with('/');
                urls.push(Found {
                    url,
                    rule,
                    resolves,
                })
            }
            // `<meta property="og:url" content="...">` and the like.
            _ if url.starts_with("http://") || url.starts_with("https://") => urls.push(Found {
                url,
                rule: Rule::Any,
                resolves: true,
            }),
            _ => {}
        }
    }
    urls
}

fn is_relative_path(url: &str) -> bool {
    let url = url.trim();
    !(url.is_empty()
        || url.starts_with('/')
        || url.starts_with('#')
        || url
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['/', '?', '#'])))
}

/// The texts of `<tag>...</tag>` (also `<tag attr="...">...</tag>`).
fn tag_texts(xml: &str, tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        // `<link` must not match `<linkage`.
        if !rest.starts_with(['>', ' ', '\t', '\n', '\r', '/']) {
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        if rest[..gt].ends_with('/') {
            continue; // empty element
        }
        rest = &rest[gt + 1..];
        if let Some(end) = rest.find(&close) {
            found.push(rest[..end].trim().to_string());
        }
    }
    found
}

/// Every start tag `<name ...>` in a text, from `<` to `>`.
fn start_tags(text: &str, open: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices(open) {
        let after = &text[i + open.len()..];
        if after.starts_with(char::is_whitespace) {
            let end = after.find('>').unwrap_or(after.len());
            found.push(after[..end].to_string());
        }
    }
    found
}

/// Every `name="value"` or `name='value'`.
fn attribute_values(text: &str, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("{name}={quote}");
        for (i, _) in text.match_indices(&needle) {
            // Only whole attribute names: ` href=`, not `data-href=`.
            if text[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == ':') {
                continue;
            }
            let after = &text[i + needle.len()..];
            if let Some(end) = after.find(quote) {
                found.push(after[..end].to_string());
            }
        }
    }
    found
}

/// Every `http://` or `https://` URL in a text.
fn absolute_urls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (i, _) in text.match_indices(scheme) {
            let url: String = text[i..]
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, '<' | '>' | '"' | '\''))
                .collect();
            found.push(url.trim_end_matches(['.', ',', ')', ';']).to_string());
        }
    }
    found
}

/// Replaces the five named entities and numeric character references (`&#x2F;`, `&#47;`).
fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
                    None => name
                        .strip_prefix('#')
                        .and_then(|d| d.parse().ok())
                        .and_then(char::from_u32),
                },
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds with extra arguments into a fresh folder and returns it.
fn build_into(site: &Site, args: &[&str]) -> PathBuf {
    let out = site.path("uit");
    let mut all = vec!["--output", out.to_str().unwrap()];
    all.extend_from_slice(args);
    site.build_ok(&all);
    out
}

fn built_pages(out: &Path) -> BTreeSet<PathBuf> {
    html_files(out).into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn the_repositorys_own_site_stays_under_a_sub_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let result = oproep()
        .arg("build")
        .arg("--root")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--output")
        .arg(&out)
        .args(["--base-url", SUB_PATH])
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
    let audit = audit(&out, SUB_PATH);
    audit.assert_clean("the repository's site at https://example.org/oproep/");
    assert!(audit.files["html"] >= 20, "{:?}", audit.files);
    assert!(
        audit.internal > 500,
        "only {} internal URLs",
        audit.internal
    );
}

#[test]
fn a_site_with_every_kind_of_page_stays_under_a_sub_path() {
    every_kind_of_page_under(SUB_PATH);
}

/// `/oproep/` is also the appeal's own folder, so a link that forgot the base path to the
/// appeal would still land on a page; a base that names no section catches that.
#[test]
fn a_site_with_every_kind_of_page_stays_under_a_deeper_sub_path() {
    every_kind_of_page_under("https://example.org/campagnes/2021/");
}

fn every_kind_of_page_under(base: &str) {
    let base_path = Url::parse(base).unwrap().path().to_string();
    let site = full_site();
    let out = build_into(&site, &["--base-url", base]);
    let pages = built_pages(&out);
    for page in [
        "index.html",
        "404.html",
        "oproep/index.html",
        "oproep/2020-06-19/index.html",
        "actoren/index.html",
        "actoren/rijk/index.html",
        "voorbeelden/index.html",
        "voorbeelden/zwemles/index.html",
        "over/index.html",
        "campagne/materiaal/index.html",
        "onderteken/index.html",
        "ondertekenaars/index.html",
        "ondertekenaars/pagina/3/index.html",
    ] {
        assert!(
            pages.contains(Path::new(page)),
            "{page} not built: {pages:?}"
        );
    }
    let audit = audit(&out, base);
    audit.assert_clean(&format!("the fixture site at {base}"));
    eprintln!(
        "{base}: {} internal and {} external URLs in {:?}",
        audit.internal, audit.external, audit.files
    );
    assert!(
        audit.internal > 200,
        "only {} internal URLs",
        audit.internal
    );
    assert!(audit.external > 0, "the external links were not seen");
    // Content links were put under the sub-path, not only the theme's.
    let about = site.html("uit/over/index.html");
    let links = hrefs(&about, "main a");
    for expected in [
        "",
        "bestanden/flyer.pdf",
        "oproep/2020-06-19/",
        "actoren/rijk/",
    ] {
        let expected = format!("{base_path}{expected}");
        assert!(links.contains(&expected), "{expected}: {links:?}");
    }
    let home = site.html("uit/index.html");
    let images: Vec<_> = select(&home, "main img")
        .iter()
        .filter_map(|i| i.value().attr("src").map(String::from))
        .collect();
    assert_eq!(images, [format!("{base_path}bestanden/foto.png")]);
    // Every page but the 404 page can be reached by a link.
    let unlinked: Vec<_> = pages
        .iter()
        .filter(|p| !audit.linked.contains(*p) && p.as_path() != Path::new("404.html"))
        .collect();
    assert!(unlinked.is_empty(), "no page links to {unlinked:?}");
}

/// The audit is only worth something if it fails: a theme template with links that leave the
/// sub-path or point nowhere is caught, each of them.
#[test]
fn the_audit_catches_links_that_leave_the_sub_path() {
    let site = full_site();
    site.write(
        "content/kapot.md",
        "---\ntitle: Kapot\ntemplate: kapot.html\n---\nTekst.\n",
    );
    site.write(
        "themes/default/templates/kapot.html",
        r#"<!doctype html><html lang="nl"><head><title>Kapot</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="https://cdn.example.net/icon.png">
<script src="{{ site.base_path }}static/bestaat-niet.js"></script>
</head><body>
<a href="/actoren/">zonder basis</a>
<a href="{{ site.base_path }}actoren">map zonder schuine streep</a>
<a href="../../buiten/">buiten de basis</a>
<a href="https://example.org/elders/">zelfde host, ander pad</a>
<a href="https://www.movisie.nl/">extern mag</a>
<img src="static/share.png" alt="">
<form action="/zoeken/"></form>
<a href="javascript:alert(1)">script</a>
<div data-index="/zoeken/index.json"></div>
</body></html>"#,
    );
    let out = build_into(&site, &["--base-url", SUB_PATH]);
    let audit = audit(&out, SUB_PATH);
    let problems: Vec<&String> = audit
        .problems
        .iter()
        .filter(|p| p.starts_with("kapot/index.html:"))
        .collect();
    for bad in [
        "`/static/style.css`: leaves",
        "`https://cdn.example.net/icon.png`: not on the site's address",
        "static/bestaat-niet.js`: resolves to no file",
        "`/actoren/`: leaves",
        "`/oproep/actoren`: a folder without a trailing",
        "`../../buiten/`: leaves",
        "`https://example.org/elders/`: leaves",
        "`static/share.png`: resolves to no file",
        "`/zoeken/`: leaves",
        "`javascript:alert(1)`: unexpected scheme",
        "`/zoeken/index.json`: leaves",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(bad)),
            "not caught: {bad}\n{problems:#?}"
        );
    }
    assert_eq!(problems.len(), 11, "{problems:#?}");
}

#[test]
fn a_sub_path_in_the_settings_works_without_the_flag_and_without_a_trailing_slash() {
    let site = full_site();
    let settings = SITE_YAML.replace(
        "base_url: \"https://example.org/\"",
        "base_url: \"https://example.org/oproep\"",
    );
    assert_ne!(settings, SITE_YAML);
    site.write("content/site.yaml", &settings);
    let out = build_into(&site, &[]);
    audit(&out, SUB_PATH).assert_clean("base_url: https://example.org/oproep in site.yaml");
    // The publishing workflows pass the host's address as it is, without a trailing slash.
    let out = build_into(&site, &["--base-url", "https://example.org/oproep"]);
    audit(&out, SUB_PATH).assert_clean("--base-url https://example.org/oproep");
    let canonical = select(
        &site.html("uit/actoren/rijk/index.html"),
        "link[rel=canonical]",
    )[0]
    .value()
    .attr("href")
    .unwrap()
    .to_string();
    assert_eq!(canonical, "https://example.org/oproep/actoren/rijk/");
}

#[test]
fn the_base_url_flag_wins_over_the_settings_everywhere() {
    let site = full_site();
    site.write(
        "content/site.yaml",
        &SITE_YAML.replace(
            "base_url: \"https://example.org/\"",
            "base_url: \"https://example.org/oproep/\"",
        ),
    );
    let out = build_into(&site, &["--base-url", "https://other.example/"]);
    let audit = audit(&out, "https://other.example/");
    audit.assert_clean("--base-url https://other.example/ over base_url in site.yaml");
    assert!(
        audit.internal > 200,
        "only {} internal URLs",
        audit.internal
    );
    // Nothing of the address in the settings is left in any file.
    let mut leftovers = Vec::new();
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        if let Ok(text) = fs::read_to_string(entry.path())
            && text.contains("example.org/oproep")
        {
            leftovers.push(entry.path().strip_prefix(&out).unwrap().to_path_buf());
        }
    }
    assert!(
        leftovers.is_empty(),
        "the settings' address is in {leftovers:?}"
    );
    let home = site.html("uit/index.html");
    let nav = hrefs(&home, "nav.site-nav a");
    assert!(nav.contains(&"/actoren/".to_string()), "{nav:?}");
}

#[test]
fn a_site_built_for_a_local_address_works_under_a_plain_static_server() {
    let site = full_site();
    // At the root, as `python3 -m http.server --directory public` serves it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let base = format!("http://{address}/");
    let out = build_into(&site, &["--base-url", &base]);
    audit(&out, &base).assert_clean(&format!("--base-url {base}"));
    serve_static(listener, out.clone(), "/");
    let pages = crawl(address, &base, &out);
    assert!(pages > 15, "only {pages} pages reached");
}

#[test]
fn a_site_built_for_a_folder_works_when_a_static_server_serves_it_there() {
    let site = full_site();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let base = format!("http://{address}/oproep/");
    let out = build_into(&site, &["--base-url", &base]);
    serve_static(listener, out.clone(), "/oproep/");
    let pages = crawl(address, &base, &out);
    assert!(pages > 15, "only {pages} pages reached");
    // The server has nothing outside the folder: a link that left it would have failed above.
    assert_eq!(get(address, "/").0, 404);
}

// ---------------------------------------------------------------------------------------------
// A static file server as simple as `python3 -m http.server`, and a crawler.

/// Serves `dir` at `prefix` (`/` or `/oproep/`): `x/` is `x/index.html`, a folder without
/// `/` is redirected, anything else is the file or 404.
fn serve_static(listener: TcpListener, dir: PathBuf, prefix: &'static str) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let dir = dir.clone();
            std::thread::spawn(move || answer(stream, &dir, prefix));
        }
    });
}

fn answer(mut stream: TcpStream, dir: &Path, prefix: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
    let (status, location, body, kind) = match decoded.strip_prefix(prefix) {
        Some(rest) if !rest.split('/').any(|p| p == "..") => {
            let file = dir.join(rest);
            if rest.is_empty() || rest.ends_with('/') {
                read(&file.join("index.html"))
            } else if file.is_dir() {
                (
                    "301 Moved Permanently",
                    Some(format!("{path}/")),
                    Vec::new(),
                    "",
                )
            } else {
                read(&file)
            }
        }
        _ => ("404 Not Found", None, Vec::new(), "text/plain"),
    };
    let mut head = format!(
        "HTTP/1.0 {status}\r\nContent-Length: {}\r\nContent-Type: {kind}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(location) = location {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn read(file: &Path) -> (&'static str, Option<String>, Vec<u8>, &'static str) {
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    };
    match fs::read(file) {
        Ok(body) if file.is_file() => ("200 OK", None, body, kind),
        _ => ("404 Not Found", None, Vec::new(), "text/plain"),
    }
}

/// `GET path` over HTTP/1.0: the status code, the Content-Type and the body.
fn get(address: SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let kind = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    (status, kind, response[split + 4..].to_vec())
}

/// Follows every internal link from the home page over HTTP; every one must answer 200, and
/// every HTML page of the output but the 404 page must be reached. Returns the pages reached.
fn crawl(address: SocketAddr, base: &str, out: &Path) -> usize {
    let base = Url::parse(base).unwrap();
    let mut queue = VecDeque::from([(base.clone(), "the start".to_string())]);
    let mut seen = BTreeSet::from([base.to_string()]);
    let mut failures = Vec::new();
    let mut reached = BTreeSet::new();
    while let Some((url, from)) = queue.pop_front() {
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let (status, kind, body) = get(address, &path);
        if status != 200 {
            failures.push(format!("{path} (linked from {from}): HTTP {status}"));
            continue;
        }
        if !kind.starts_with("text/html") {
            continue;
        }
        if let Ok(target) = resolve(out, &base, &url) {
            reached.insert(target);
        }
        let html = Html::parse_document(&String::from_utf8_lossy(&body));
        let mut found = Vec::new();
        for element in html.select(&Selector::parse("*").unwrap()) {
            found.extend(
                urls_of(&element)
                    .into_iter()
                    .filter(|f| f.resolves)
                    .map(|f| f.url),
            );
            let value = element.value();
            if let (Some(prefix), Some(chunks)) =
                (value.attr("data-url"), value.attr("data-chunks"))
            {
                for i in 0..chunks.parse::<usize>().unwrap_or(0) {
                    found.push(format!("{prefix}{i}.json"));
                }
            }
        }
        for raw in found {
            let Ok(mut next) = url.join(raw.trim()) else {
                continue;
            };
            next.set_fragment(None);
            let internal = next.scheme() == "http"
                && next.host_str() == base.host_str()
                && next.port_or_known_default() == base.port_or_known_default();
            if internal && seen.insert(next.to_string()) {
                queue.push_back((next, path.clone()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "links that fail under a static server:\n  {}",
        failures.join("\n  ")
    );
    let unreached: Vec<_> = html_files(out)
        .into_iter()
        .filter(|p| !reached.contains(p) && p != Path::new("404.html"))
        .collect();
    assert!(
        unreached.is_empty(),
        "pages no link leads to: {unreached:?}"
    );
    reached.len()
}
