//! Fixture sites for the integration tests: a small valid site in a temporary folder that each
//! test changes as it needs, built with the real `oproep` binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use scraper::{Html, Selector};

pub mod server;

pub struct Site {
    pub dir: tempfile::TempDir,
}

pub const SITE_YAML: &str = r#"title: "Testoproep"
description: "Een oproep om te testen."
base_url: "https://example.org/"
language: nl
signing:
  address: "teken@example.org"
  subject: "Ik teken & deel"
  body: |
    Ik onderteken.

    Naam:
    Plaats:
"#;

impl Site {
    /// A valid site with two calls, two actors, two examples and an about page.
    pub fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        site.write("content/site.yaml", SITE_YAML);
        site.write(
            "content/index.md",
            "---\ntitle: Testoproep\ndescription: Thuis\n---\nDe kern van de oproep.\n",
        );
        site.write(
            "content/oproep/2020-12-21.md",
            "---\ntitle: De oproep\ndate: 2020-12-21\ncalls:\n  - id: ruimte\n    title: Meer ruimte\n    text: Meer ruimte voor community building.\n  - id: waardering\n    title: Waardering\n    text: Waardering voor vrijwilligers.\n---\n## Eerste deel\n\nTekst met een bron.[^movisie]\n\n[^movisie]: Het rapport: <https://www.movisie.nl/publicatie/x>.\n",
        );
        site.write(
            "content/oproep/2020-06-19.md",
            "---\ntitle: De eerste oproep\ndate: 2020-06-19\ncalls:\n  - id: ruimte\n    title: Ruimte\n    text: Ruimte.\n---\nDe eerste versie.\n",
        );
        site.write(
            "content/actoren/_index.md",
            "---\ntitle: Handelingsperspectieven\n---\nWat de oproep vraagt.\n",
        );
        site.write(
            "content/actoren/rijk.md",
            "---\ntitle: Rijk\norder: 1\nrecommendations:\n  - Pleit in Europa.\n---\n",
        );
        site.write(
            "content/actoren/gemeenten.md",
            "---\ntitle: Gemeenten\norder: 2\nrecommendations:\n  - Schep ruimte.\n  - Besef dat cijfers niet alles zeggen.\n---\n",
        );
        site.write(
            "content/voorbeelden/_index.md",
            "---\ntitle: Goede voorbeelden\n---\nVoorbeelden.\n",
        );
        site.write(
            "content/voorbeelden/zwemles.md",
            "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\nthemes: [sport]\n---\nZwemles via de welzijnsorganisatie.\n",
        );
        site.write(
            "content/voorbeelden/wijkacademie.md",
            "---\ntitle: Wijkacademie\nplace: Rotterdam\nactors: [rijk, gemeenten]\ncalls: [waardering]\n---\nOuders leren van elkaar.\n",
        );
        site.write(
            "content/over.md",
            "---\ntitle: Over de oproep\ntemplate: about.html\n---\nHoe de oproep ontstond.\n",
        );
        site.write(
            "content/people.yaml",
            "authors:\n  - name: Saskia Moerbeek\n    role: directeur\nround_table:\n  - name: Menno Evers\n    place: Haarlem\n",
        );
        site
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Saves a file as many editors do: a hidden temporary file beside it, renamed over it, so
    /// that a watcher sees it whole in one event however slowly this test runs.
    pub fn save(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let temporary = path.with_file_name(format!(".{name}.tmp"));
        fs::write(&temporary, text).unwrap();
        fs::rename(temporary, path).unwrap();
    }

    /// Adds `count` small examples, `extra-000` on: enough of them make a large site.
    pub fn write_examples(&self, count: usize) {
        for i in 0..count {
            self.write(
                &format!("content/voorbeelden/extra-{i:03}.md"),
                &format!(
                    "---\ntitle: Extra {i:03}\nplace: Utrecht\nactors: [gemeenten]\n---\nTekst.\n"
                ),
            );
        }
    }

    /// Runs `oproep build --root SITE` with extra arguments.
    pub fn build(&self, args: &[&str]) -> Output {
        oproep()
            .arg("build")
            .arg("--root")
            .arg(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// Builds and fails the test with the error output if the build fails.
    pub fn build_ok(&self, args: &[&str]) {
        let out = self.build(args);
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn html(&self, relative: &str) -> Html {
        let text = fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
        Html::parse_document(&text)
    }
}

pub fn oproep() -> Command {
    Command::cargo_bin("oproep").unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

pub fn hrefs(html: &Html, css: &str) -> Vec<String> {
    select(html, css)
        .iter()
        .filter_map(|e| e.value().attr("href").map(String::from))
        .collect()
}

pub fn text(element: &scraper::ElementRef) -> String {
    element.text().collect::<String>()
}

/// Every file below `dir` with its bytes: to show that a failed build changed nothing.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every HTML file below `dir`, relative to it.
pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

/// Splits a `mailto:` URL per RFC 6068 into (address, subject, body), percent-decoded.
pub fn parse_mailto(link: &str) -> (String, String, String) {
    let rest = link.strip_prefix("mailto:").expect("a mailto: link");
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    let mut subject = String::new();
    let mut body = String::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap();
        // RFC 6068: these characters must be percent-encoded inside a value.
        assert!(
            !value.contains([' ', '\n', '\r', '&', '?', '#']),
            "unencoded character in {value:?}"
        );
        match name {
            "subject" => subject = decode(value),
            "body" => body = decode(value),
            other => panic!("unexpected header {other}"),
        }
    }
    (decode(address), subject, body)
}
