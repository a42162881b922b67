//! `oproep serve`: a fixture site served on a free port, changed on disk while it runs.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::server::Server;
use common::*;

const EXAMPLE: &str =
    "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\n---\n";

#[test]
fn a_change_is_rebuilt_and_open_pages_are_told_to_reload() {
    let site = Site::new();
    let server = Server::start(&site);
    let (status, page) = server.get("/voorbeelden/zwemles/");
    assert_eq!(status, 200);
    assert!(
        page.contains("/__oproep/reload.js"),
        "the reload script is injected"
    );
    assert!(!page.contains("oproep-error"));
    let events = server.events();

    let saved = Instant::now();
    site.write(
        "content/voorbeelden/zwemles.md",
        &format!("{EXAMPLE}Nu ook op zaterdag.\n"),
    );
    let event = events
        .recv_timeout(Duration::from_secs(1))
        .expect("a reload event within a second");
    assert_eq!(event, "event: reload");
    let latency = saved.elapsed();
    let (_, page) = server.get("/voorbeelden/zwemles/");
    assert!(page.contains("Nu ook op zaterdag."), "the page is rebuilt");
    let line = server.wait_for_line("changed", Duration::from_secs(1));
    assert!(line.contains("content/voorbeelden/zwemles.md"), "{line}");
    assert!(line.contains(" ms"), "{line}");
    eprintln!("save to reload event: {latency:?}");

    // `oproep build` never has the reload script.
    site.build_ok(&[]);
    let built =
        std::fs::read_to_string(site.path("public/voorbeelden/zwemles/index.html")).unwrap();
    assert!(!built.contains("__oproep"));
    assert!(server.interrupt().success());
}

#[test]
fn a_broken_change_shows_the_error_over_the_last_good_page_until_fixed() {
    let site = Site::new();
    let server = Server::start(&site);
    let events = server.events();

    site.write(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: Zwemles\nplace: [Hilversum\nactors: [gemeenten]\n---\nKapot.\n",
    );
    events
        .recv_timeout(Duration::from_secs(1))
        .expect("a reload event");
    let (status, page) = server.get("/voorbeelden/zwemles/");
    assert_eq!(status, 200, "the last good page is still served");
    assert!(
        page.contains("Zwemles via de welzijnsorganisatie."),
        "old content"
    );
    assert!(!page.contains("Kapot."));
    let html = scraper::Html::parse_document(&page);
    let overlay = select(&html, "#oproep-error");
    assert_eq!(overlay.len(), 1, "the error overlay is shown");
    assert!(
        text(&overlay[0]).contains("voorbeelden/zwemles.md:3"),
        "{}",
        text(&overlay[0])
    );
    // Every page shows it, not just the broken one.
    let (_, home) = server.get("/");
    assert!(home.contains("oproep-error"));
    let line = server.wait_for_line("build failed", Duration::from_secs(1));
    assert!(line.contains("last good site"), "{line}");

    site.write(
        "content/voorbeelden/zwemles.md",
        &format!("{EXAMPLE}Weer heel.\n"),
    );
    events
        .recv_timeout(Duration::from_secs(1))
        .expect("a reload event after the fix");
    let (_, page) = server.get("/voorbeelden/zwemles/");
    assert!(page.contains("Weer heel."));
    assert!(!page.contains("oproep-error"), "the overlay is gone");
    assert!(server.interrupt().success());
}

#[test]
fn unknown_paths_get_the_404_page_and_folders_redirect() {
    let site = Site::new();
    let server = Server::start(&site);
    let (status, page) = server.get("/bestaat-niet/");
    assert_eq!(status, 404);
    assert!(page.contains("Pagina niet gevonden"));
    let (status, _) = server.get("/static/style.css");
    assert_eq!(status, 200);
    // ureq follows the redirect from /over to /over/.
    let (status, page) = server.get("/over");
    assert_eq!(status, 200);
    assert!(page.contains("Hoe de oproep ontstond."));
}

#[test]
fn a_rebuild_renders_only_what_changed_and_serves_what_a_full_build_makes() {
    let site = Site::new();
    site.write(
        "content/info/uitleg.md",
        "---\ntitle: Uitleg\n---\nHoe het werkt.\n",
    );
    let server = Server::start(&site);

    // Only the body of one example: only its own page goes through the templates again. (Saved
    // in one event: a plain write can reach the server as two bursts when the machine is busy.)
    site.save(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\nthemes: [sport]\n---\nNu ook op zaterdag.\n",
    );
    let line = server.wait_for_line("changed", Duration::from_secs(5));
    assert!(
        line.contains("(1 rendered anew, 1 content file read; the other pages as they were)"),
        "{line}"
    );

    // A new signatory changes the count and the list of names: only the pages that show them
    // are rendered (the home page, the signatories page and the print page), not the others.
    site.save(
        "content/signatories.yaml",
        "signatories:\n- name: Nieuwe Ondertekenaar\n  place: Utrecht\n  date: 2021-02-03\n  publish: true\n",
    );
    let line = server.wait_for_line("changed", Duration::from_secs(5));
    let pages: usize = line
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no page count in {line}"));
    assert!(
        line.contains("(3 rendered anew, 1 content file read)"),
        "{line}"
    );

    // A renamed folder is a change, though no file in it was written.
    std::fs::rename(site.path("content/info"), site.path("content/hulp")).unwrap();
    server.wait_for_line("changed content/hulp", Duration::from_secs(5));
    let (status, _) = server.get("/hulp/uitleg/");
    assert_eq!(status, 200);

    // What the server serves after these rebuilds is what a build from scratch writes.
    let fresh = tempfile::tempdir().unwrap();
    let output = fresh.path().join("public");
    let base_url = format!("{}/", server.base);
    site.build_ok(&[
        "--output",
        output.to_str().unwrap(),
        "--base-url",
        &base_url,
    ]);
    let built = html_files(&output);
    assert_eq!(built.len(), pages);
    let injected = "<script src=\"/__oproep/reload.js\"></script>";
    for file in built {
        let expected = std::fs::read_to_string(output.join(&file)).unwrap();
        let url = format!("/{}", file.to_string_lossy()).replace("index.html", "");
        let (status, served) = server.get(&url);
        assert!(status == 200 || url == "/404.html", "{url}: {status}");
        assert_eq!(served.replace(injected, ""), expected, "{url} differs");
    }
    // So is the search index, whose example entries `serve` keeps between builds.
    let (_, index) = server.get("/zoeken/index.json");
    assert!(index.contains("Nu ook op zaterdag."), "{index}");
    assert_eq!(
        index,
        std::fs::read_to_string(output.join("zoeken/index.json")).unwrap()
    );
    assert!(server.interrupt().success());
}

/// Rebuilds a site as `serve` does, keeps the files it serves as `serve` does, and compares
/// them with the site rendered whole from scratch.
struct Served {
    options: oproep::BuildOptions,
    cache: oproep::cache::BuildCache,
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl Served {
    fn new(site: &Site) -> Served {
        Served {
            options: oproep::BuildOptions::new(site.dir.path()),
            cache: Default::default(),
            files: Default::default(),
        }
    }

    /// Rebuilds after `changed` (paths in `content/`); returns whether the build was patched
    /// into the last one and the paths of the files it rendered.
    fn rebuild(
        &mut self,
        changed: &[&str],
        themes_changed: bool,
    ) -> oproep::Result<(bool, Vec<String>)> {
        let changes = oproep::cache::Changes::Paths(changed.iter().map(PathBuf::from).collect());
        let rerendered = oproep::rerender(&self.options, &mut self.cache, changes, themes_changed)?;
        if !rerendered.partial {
            self.files.clear();
        }
        let mut paths: Vec<String> = Vec::new();
        for file in &rerendered.files {
            self.files.insert(file.path.clone(), bytes_of(file));
            paths.push(file.path.display().to_string());
        }
        paths.sort();
        Ok((rerendered.partial, paths))
    }

    fn page(&self, path: &str) -> String {
        String::from_utf8_lossy(&self.files[&PathBuf::from(path)]).into_owned()
    }

    fn assert_whole(&self, what: &str) {
        let fresh = oproep::render_site(&self.options).unwrap();
        assert_eq!(self.files.len(), fresh.files.len(), "{what}: other files");
        for file in &fresh.files {
            assert!(
                self.files.get(&file.path) == Some(&bytes_of(file)),
                "{what}: {} is not what the site rendered whole has",
                file.path.display()
            );
        }
    }
}

#[test]
fn a_change_to_examples_text_alone_is_patched_into_the_last_build_and_any_other_is_not() {
    let site = Site::new();
    let mut served = Served::new(&site);
    let (patched, _) = served.rebuild(&[], false).unwrap();
    assert!(!patched, "a first build renders everything");

    // Text below the front matter, saved the way editors do, through a temporary file that is
    // gone by the time the build looks: that page and the search index, and nothing else.
    let zwemles = "content/voorbeelden/zwemles.md";
    let front_matter = "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\nthemes: [sport]\n---\n";
    site.write(zwemles, &format!("{front_matter}Nu ook op zondag.\n"));
    let temporary = "voorbeelden/zwemles.md.tmp";
    let (patched, paths) = served
        .rebuild(&["voorbeelden/zwemles.md", temporary], false)
        .unwrap();
    assert!(patched);
    assert_eq!(
        paths,
        ["voorbeelden/zwemles/index.html", "zoeken/index.json"]
    );
    let page = served.page("voorbeelden/zwemles/index.html");
    assert!(page.contains("Nu ook op zondag."));
    served.assert_whole("the text of an example");

    // Anything more is rendered whole, and comes out the same.
    macro_rules! whole_after {
        ($changed:expr, $themes_changed:expr, $what:expr $(,)?) => {
            let (patched, _) = served.rebuild($changed, $themes_changed).unwrap();
            assert!(!patched, "{} is rendered whole", $what);
            served.assert_whole($what);
        };
    }
    site.write(zwemles, &format!("{front_matter}Nu ook op maandag.\n"));
    whole_after!(
        &["voorbeelden/zwemles.md"],
        true,
        "a change to the theme too",
    );
    site.write(
        zwemles,
        &front_matter.replace("Zwemles", "Zwemles op zaterdag"),
    );
    whole_after!(
        &["voorbeelden/zwemles.md"],
        false,
        "a change to the front matter",
    );
    site.write(
        "content/voorbeelden/nieuw.md",
        &format!("{EXAMPLE}Nieuw.\n"),
    );
    whole_after!(&["voorbeelden/nieuw.md"], false, "a new example");
    std::fs::remove_file(site.path("content/voorbeelden/nieuw.md")).unwrap();
    whole_after!(&["voorbeelden/nieuw.md"], false, "a removed example");
    let about = "---\ntitle: Over de oproep\ntemplate: about.html\n---\nAnders.\n";
    site.write("content/over.md", about);
    whole_after!(&["over.md"], false, "a page that is not an example");

    // After a failed build there is nothing to patch: even a fix of the text alone is rendered
    // whole, as the last good build is not what is on disk.
    let wijkacademie = "content/voorbeelden/wijkacademie.md";
    let front_matter = "---\ntitle: Wijkacademie\nplace: Rotterdam\nactors: [rijk, gemeenten]\ncalls: [waardering]\n---\n";
    site.write(
        wijkacademie,
        &format!("{front_matter}Kapot: [de link](/bestaat-niet/\n"),
    );
    site.write("content/over.md", "---\ntitle: [Over\n---\n");
    let error = served
        .rebuild(&["voorbeelden/wijkacademie.md", "over.md"], false)
        .err();
    let error = error
        .expect("a broken front matter fails the build")
        .to_string();
    assert!(error.contains("over.md:2"), "{error}");
    site.write("content/over.md", about);
    site.write(wijkacademie, &format!("{front_matter}Weer heel.\n"));
    whole_after!(
        &["voorbeelden/wijkacademie.md", "over.md"],
        false,
        "the fix",
    );
    site.write(wijkacademie, &format!("{front_matter}En nog beter.\n"));
    let (patched, _) = served
        .rebuild(&["voorbeelden/wijkacademie.md"], false)
        .unwrap();
    assert!(patched, "after a good build, text is patched again");
    served.assert_whole("the text after a failed build");
}

/// Adding, changing or removing a signatory re-renders the pages that show signatories and
/// the names' data files, and nothing else, while the number of pages of names stays the same;
/// one more page of names, and the site is rendered whole.
#[test]
fn a_change_to_the_signatories_is_patched_while_their_pages_stay_as_many() {
    use oproep::model::Signatory;
    use oproep::signing::store::{self, SignatoryData};
    let site = Site::new();
    let content = site.path("content");
    let signatory = |i: usize| Signatory {
        name: format!("Naam {i:05}"),
        function: None,
        organisation: None,
        place: Some(["Ede", "Zwolle"][i % 2].to_string()),
        date: "2021-03-04".parse().unwrap(),
        category: None,
        publish: !i.is_multiple_of(5),
        highlight: false,
        sender: Some(format!("afzender-{i}")),
    };
    let mut data = SignatoryData {
        signatories: (0..1100).map(signatory).collect(),
        ..Default::default()
    };
    store::save(&content, &data).unwrap();
    let mut served = Served::new(&site);
    let (patched, all) = served.rebuild(&[], false).unwrap();
    assert!(!patched);

    data.signatories.push(signatory(7001));
    store::save(&content, &data).unwrap();
    let (patched, paths) = served.rebuild(&["signatories.yaml"], false).unwrap();
    assert!(patched, "one more signatory is patched in");
    assert!(paths.len() < all.len() / 2, "{paths:?}");
    assert!(
        paths.iter().all(|p| !p.starts_with("voorbeelden/")),
        "{paths:?}"
    );
    assert!(
        served
            .page("ondertekenaars/pagina/2/index.html")
            .contains("Naam 07001")
    );
    assert!(
        served.page("index.html").contains(">1101<"),
        "the count on the home page"
    );
    served.assert_whole("one signatory added");

    // One who did not consent to their name being shown: counted, not named.
    data.signatories[7].name = "Verborgen <Naam>".into();
    data.signatories[7].publish = false;
    store::save(&content, &data).unwrap();
    let (patched, _) = served.rebuild(&["signatories.yaml"], false).unwrap();
    assert!(patched);
    assert!(
        !served
            .files
            .values()
            .any(|bytes| { String::from_utf8_lossy(bytes).contains("Verborgen") })
    );
    served.assert_whole("consent withdrawn");

    data.signatories.remove(3);
    store::save(&content, &data).unwrap();
    assert!(served.rebuild(&["signatories.yaml"], false).unwrap().0);
    served.assert_whole("one signatory removed");

    // Enough for a third page of names: every page's links change, so the site is rendered
    // whole.
    data.signatories.extend((2000..2300).map(signatory));
    store::save(&content, &data).unwrap();
    let (patched, _) = served.rebuild(&["signatories.yaml"], false).unwrap();
    assert!(!patched, "a new page of names is rendered whole");
    assert!(
        served
            .files
            .contains_key(&PathBuf::from("ondertekenaars/pagina/3/index.html"))
    );
    served.assert_whole("a third page");
}

/// The page at `url_path` (`voorbeelden/zwemles/`) in a site rendered in memory.
fn rendered_page(site: &oproep::RenderedSite, url_path: &str) -> String {
    let path = std::path::Path::new(url_path).join("index.html");
    let file = site
        .files
        .iter()
        .find(|file| file.path == path)
        .unwrap_or_else(|| panic!("no page {url_path}"));
    String::from_utf8(bytes_of(file)).unwrap()
}

#[test]
fn a_rebuild_trusts_the_watcher_and_a_check_afterwards_finds_what_it_missed() {
    use oproep::cache::{BuildCache, Changes};
    let site = Site::new();
    let options = oproep::BuildOptions::new(site.dir.path());
    let content = site.path("content");
    let markdown_files = walkdir::WalkDir::new(&content)
        .into_iter()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "md")
        })
        .count();
    let mut cache = BuildCache::default();
    let mut build = |changes: Changes| {
        cache.set_changes(changes);
        let rendered = oproep::render_site_cached(&options, &mut cache).unwrap();
        let missed = cache.missed_changes(&content).unwrap();
        (rendered, cache.files_read(), missed)
    };
    let nothing = || Changes::Paths(vec![]);
    let paths = |paths: &[&str]| Changes::Paths(paths.iter().map(PathBuf::from).collect());

    let (_, read, missed) = build(Changes::Unknown);
    assert_eq!(read, markdown_files, "a first build reads every file");
    assert_eq!(missed, Vec::<PathBuf>::new());
    let (_, read, _) = build(nothing());
    assert_eq!(read, 0, "nothing changed, nothing read");

    // A change the watcher reports.
    let zwemles = "content/voorbeelden/zwemles.md";
    site.write(zwemles, &format!("{EXAMPLE}Nu ook op zondag.\n"));
    let (rendered, read, missed) = build(paths(&["voorbeelden/zwemles.md"]));
    assert_eq!(read, 1);
    assert!(rendered_page(&rendered, "voorbeelden/zwemles/").contains("Nu ook op zondag."));
    assert_eq!(missed, Vec::<PathBuf>::new());

    // A change the watcher missed, of the same length and with the old modification time
    // put back: the build trusts the watcher, the check after it finds the file by its
    // change time, and the build it asks for reads it.
    let file = site.path(zwemles);
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    site.write(zwemles, &format!("{EXAMPLE}Nu ook op maandag.\n"));
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let (rendered, read, missed) = build(nothing());
    assert_eq!(read, 0);
    assert!(rendered_page(&rendered, "voorbeelden/zwemles/").contains("Nu ook op zondag."));
    assert_eq!(missed, [PathBuf::from("voorbeelden/zwemles.md")]);
    let (rendered, read, missed) = build(Changes::Paths(missed));
    assert_eq!(read, 1);
    assert!(rendered_page(&rendered, "voorbeelden/zwemles/").contains("Nu ook op maandag."));
    assert_eq!(missed, Vec::<PathBuf>::new());

    // A folder the watcher names stands for every file in it.
    let (_, read, _) = build(paths(&["voorbeelden"]));
    let in_folder = std::fs::read_dir(site.path("content/voorbeelden"))
        .unwrap()
        .count();
    assert_eq!(read, in_folder);

    // A new file and a deleted one that the watcher names: listed, or left out, at once.
    site.write(
        "content/nieuw.md",
        "---\ntitle: Nieuw\n---\nEen nieuwe pagina.\n",
    );
    std::fs::remove_file(site.path("content/voorbeelden/wijkacademie.md")).unwrap();
    let (rendered, read, missed) = build(paths(&["nieuw.md", "voorbeelden/wijkacademie.md"]));
    assert_eq!(read, 1, "only the new file");
    assert!(rendered_page(&rendered, "nieuw/").contains("Een nieuwe pagina."));
    let has_page = |rendered: &oproep::RenderedSite, prefix: &str| {
        rendered.files.iter().any(|f| f.path.starts_with(prefix))
    };
    assert!(!has_page(&rendered, "voorbeelden/wijkacademie"));
    assert_eq!(missed, Vec::<PathBuf>::new());

    // A new file and a deleted one that the watcher missed: the check names both, in order.
    site.write(
        "content/later.md",
        "---\ntitle: Later\n---\nNog een pagina.\n",
    );
    std::fs::remove_file(site.path("content/nieuw.md")).unwrap();
    let (_, read, missed) = build(nothing());
    assert_eq!(read, 0);
    assert_eq!(
        missed,
        [PathBuf::from("later.md"), PathBuf::from("nieuw.md")]
    );
    let (rendered, read, missed) = build(Changes::Paths(missed));
    assert_eq!(read, 1, "only the new file");
    assert!(rendered_page(&rendered, "later/").contains("Nog een pagina."));
    assert!(!has_page(&rendered, "nieuw"));
    assert_eq!(missed, Vec::<PathBuf>::new());

    // Hidden files are left out however they are named.
    site.write("content/.concept.md", "---\ntitle: Verborgen\n---\n");
    let (rendered, read, missed) = build(paths(&[".concept.md"]));
    assert_eq!(read, 0);
    assert!(!has_page(&rendered, "concept"));
    assert_eq!(missed, Vec::<PathBuf>::new());

    // When the watcher lost track, everything is read again.
    let (_, read, _) = build(Changes::Unknown);
    assert_eq!(read, markdown_files);

    // The signatory file is a content file like the others.
    site.write(
        "content/signatories.yaml",
        "signatories:\n- name: Nieuwe Ondertekenaar\n  place: Utrecht\n  date: 2021-02-03\n  publish: true\n",
    );
    let (rendered, read, _) = build(paths(&["signatories.yaml"]));
    assert_eq!(read, 1);
    assert!(rendered_page(&rendered, "ondertekenaars/").contains("Nieuwe Ondertekenaar"));
    let (_, read, missed) = build(nothing());
    assert_eq!(read, 0);
    assert_eq!(missed, Vec::<PathBuf>::new());
}

/// `THP_enabled` in the kernel's status of a process: 0 once huge pages are off for it.
#[cfg(target_os = "linux")]
fn huge_pages_enabled(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .expect("the kernel reports THP_enabled")
        .trim()
        .to_string()
}

/// Set before `main` (src/memory.rs); this test binary never changes its own setting.
#[test]
#[cfg(target_os = "linux")]
fn the_command_runs_a_small_site_on_small_pages() {
    let site = Site::new();
    let server = Server::start(&site);
    assert_eq!(huge_pages_enabled(server.child.id()), "0");
}

/// A one-shot build of a large site turns huge pages on (tests/memory.rs); `serve`, which frees
/// and allocates anew on every rebuild, keeps them off.
#[test]
#[cfg(target_os = "linux")]
fn the_command_runs_a_large_site_on_small_pages_too() {
    let site = Site::new();
    site.write_examples(500);
    let server = Server::start(&site);
    let (status, page) = server.get("/voorbeelden/extra-499/");
    assert_eq!(status, 200);
    assert!(page.contains("Extra 499"));
    assert_eq!(huge_pages_enabled(server.child.id()), "0");
}

/// `serve` finds example pages and cards by a hash of the files they are made from; what else
/// they show (an actor's title, a call's title, the section's title, the site's settings) must
/// still reach them. After each change every page is compared with a build from scratch; and in
/// debug builds, as here, every page found by that hash is rendered anew and compared too (the
/// test above changes one example and keeps the others).
#[test]
fn example_pages_follow_what_they_show_from_other_files() {
    use oproep::cache::BuildCache;
    let site = Site::new();
    let options = oproep::BuildOptions::new(site.dir.path());
    let mut cache = BuildCache::default();
    let mut build = || oproep::render_site_cached(&options, &mut cache).unwrap();
    build();
    let changes: [(&str, &str, &str); 4] = [
        (
            "content/actoren/gemeenten.md",
            "---\ntitle: Alle gemeenten\norder: 2\nrecommendations:\n  - Schep ruimte.\n---\n",
            "Alle gemeenten",
        ),
        (
            "content/oproep/2020-12-21.md",
            "---\ntitle: De oproep\ndate: 2020-12-21\ncalls:\n  - id: ruimte\n    title: Veel meer ruimte\n    text: Meer ruimte.\n  - id: waardering\n    title: Waardering\n    text: Waardering.\n---\nTekst.\n",
            "Veel meer ruimte",
        ),
        (
            "content/voorbeelden/_index.md",
            "---\ntitle: Mooie voorbeelden\n---\nVoorbeelden.\n",
            "Mooie voorbeelden",
        ),
        (
            "content/site.yaml",
            &SITE_YAML.replace("title: \"Testoproep\"", "title: \"Nieuw: Testoproep\""),
            "Nieuw: Testoproep",
        ),
    ];
    for (file, text, shown) in changes {
        site.write(file, text);
        let served = build();
        let zwemles = rendered_page(&served, "voorbeelden/zwemles/");
        assert!(
            zwemles.contains(shown),
            "{file}: {shown:?} not on the example page"
        );
        let fresh = oproep::render_site(&options).unwrap();
        for page in &fresh.files {
            let url = page.path.to_string_lossy().replace("index.html", "");
            if let oproep::render::Contents::Bytes(bytes) = &page.contents
                && (url.ends_with('/') || url.is_empty())
            {
                assert_eq!(
                    rendered_page(&served, &url),
                    String::from_utf8_lossy(bytes),
                    "after changing {file}: {url} differs from a fresh build"
                );
            }
        }
    }
}

/// The bytes of a file of a site rendered in memory.
fn bytes_of(file: &oproep::render::OutputFile) -> Vec<u8> {
    use oproep::render::Contents;
    match &file.contents {
        Contents::Bytes(bytes) => bytes.clone(),
        Contents::Shared(bytes) => bytes.to_vec(),
        Contents::Parts(elements) => oproep::render::join_parts(elements),
        Contents::Embedded(bytes) => bytes.to_vec(),
        Contents::CopyOf(path) => std::fs::read(path).unwrap(),
    }
}

/// `serve` reads a signatory file as `oproep sign` writes it block by block, and keeps each
/// block while its lines stay the same. After each kind of change every file it holds (pages,
/// the names' data files) must be what a build from scratch makes; a hand edit in another
/// style goes the long way, and a broken line fails as a build from scratch does.
#[test]
fn signatories_follow_every_change_to_their_file_in_serve() {
    use oproep::cache::BuildCache;
    use oproep::model::Signatory;
    use oproep::signing::store::{self, SignatoryData};
    let site = Site::new();
    let content = site.path("content");
    let options = oproep::BuildOptions::new(site.dir.path());
    let signatory = |i: usize| Signatory {
        name: format!("Naam {:05}", (i * 7919) % 100_000),
        function: i.is_multiple_of(3).then(|| "wijkwerker".to_string()),
        organisation: None,
        place: Some(["Ede", "Zwolle", "Assen"][i % 3].to_string()),
        date: "2021-03-04".parse().unwrap(),
        category: None,
        publish: !i.is_multiple_of(4),
        highlight: i.is_multiple_of(300),
        sender: Some(format!("afzender-{i}")),
    };
    let mut data = SignatoryData {
        signatories: (0..1200).map(signatory).collect(),
        ..Default::default()
    };
    store::save(&content, &data).unwrap();
    let mut cache = BuildCache::default();
    let mut build = || oproep::render_site_cached(&options, &mut cache);
    build().unwrap();

    let same_as_fresh = |served: &oproep::RenderedSite, what: &str| {
        let fresh = oproep::render_site(&options).unwrap();
        let served: std::collections::HashMap<_, _> = served
            .files
            .iter()
            .map(|file| (file.path.clone(), bytes_of(file)))
            .collect();
        assert_eq!(served.len(), fresh.files.len(), "{what}: other files");
        for file in &fresh.files {
            assert!(
                served.get(&file.path) == Some(&bytes_of(file)),
                "{what}: {} differs from a fresh build",
                file.path.display()
            );
        }
    };
    data.signatories.push(signatory(5000));
    store::save(&content, &data).unwrap();
    let served = build().unwrap();
    assert!(
        rendered_page(&served, "").contains(">1201<"),
        "the new count"
    );
    same_as_fresh(&served, "one added at the end");

    data.signatories[600].name = "Zoë \"Z\" <b>".into();
    store::save(&content, &data).unwrap();
    same_as_fresh(&build().unwrap(), "one changed in the middle");

    data.signatories.remove(100);
    store::save(&content, &data).unwrap();
    same_as_fresh(&build().unwrap(), "one removed");

    // A hand edit: one line in YAML's own style, which only the YAML parser reads.
    let file = content.join("signatories.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().nth(900).unwrap().to_string();
    assert!(line.starts_with("{\"name\":"), "{line}");
    let edited = text.replacen(
        &line,
        "{name: Met de hand, date: 2021-05-06, publish: true},",
        1,
    );
    std::fs::write(&file, &edited).unwrap();
    let served = build().unwrap();
    assert!(rendered_page(&served, "ondertekenaars/afdrukken/").contains("Met de hand"));
    same_as_fresh(&served, "a hand edit in YAML style");

    // An empty name fails the build, with the same message as a build from scratch.
    let line = edited.lines().nth(700).unwrap();
    let name = line.strip_prefix("{\"name\":\"").unwrap();
    let rest = &name[name.find('"').unwrap()..];
    let blank = format!("{{\"name\":\" {rest}");
    std::fs::write(&file, edited.replacen(line, &blank, 1)).unwrap();
    let served = build().err().expect("an empty name fails").to_string();
    let fresh = oproep::render_site(&options).err().unwrap().to_string();
    assert_eq!(served, fresh);
    assert!(served.contains("signatories.yaml"), "{served}");
}
