//! Building fixture sites and reading the HTML that comes out.

mod common;

use common::*;

#[test]
fn builds_every_page_with_navigation_and_breadcrumbs() {
    let site = Site::new();
    site.build_ok(&[]);
    let pages = [
        "public/index.html",
        "public/oproep/index.html",
        "public/oproep/2020-06-19/index.html",
        "public/actoren/index.html",
        "public/actoren/rijk/index.html",
        "public/actoren/gemeenten/index.html",
        "public/voorbeelden/index.html",
        "public/voorbeelden/zwemles/index.html",
        "public/voorbeelden/wijkacademie/index.html",
        "public/over/index.html",
    ];
    for page in pages {
        let html = site.html(page);
        let nav = hrefs(&html, "nav.site-nav a");
        for target in ["/", "/oproep/", "/actoren/", "/voorbeelden/", "/over/"] {
            assert!(
                nav.contains(&target.to_string()),
                "{page}: nav lacks {target}: {nav:?}"
            );
        }
        assert_eq!(select(&html, "html[lang=nl]").len(), 1, "{page}: lang");
        assert_eq!(select(&html, "h1").len(), 1, "{page}: one h1");
        if page != "public/index.html" {
            let crumbs = hrefs(&html, "nav.breadcrumbs a");
            assert_eq!(
                crumbs.first().map(String::as_str),
                Some("/"),
                "{page}: {crumbs:?}"
            );
            let current = select(&html, "nav.breadcrumbs a[aria-current=page]");
            assert_eq!(current.len(), 1, "{page}: breadcrumb for the page itself");
        }
    }
    let example = site.html("public/voorbeelden/zwemles/index.html");
    assert_eq!(
        hrefs(&example, "nav.breadcrumbs a"),
        ["/", "/voorbeelden/", "/voorbeelden/zwemles/"]
    );
    // The about page shows the people from people.yaml.
    let about = site.html("public/over/index.html");
    let body = text(&select(&about, "main")[0]);
    assert!(
        body.contains("Saskia Moerbeek") && body.contains("Menno Evers"),
        "{body}"
    );
}

#[test]
fn the_menu_marks_the_page_itself_and_the_section_it_falls_under() {
    let site = Site::new();
    site.build_ok(&[]);
    let current = |page: &str| -> Vec<(String, String)> {
        let html = site.html(page);
        select(&html, "nav.site-nav a[aria-current]")
            .iter()
            .map(|a| {
                let attr = |name| a.value().attr(name).unwrap_or_default().to_string();
                (attr("href"), attr("aria-current"))
            })
            .collect()
    };
    let one = |url: &str, state: &str| vec![(url.to_string(), state.to_string())];
    assert_eq!(current("public/index.html"), one("/", "page"));
    assert_eq!(
        current("public/voorbeelden/index.html"),
        one("/voorbeelden/", "page")
    );
    assert_eq!(
        current("public/voorbeelden/zwemles/index.html"),
        one("/voorbeelden/", "true")
    );
    assert_eq!(
        current("public/actoren/rijk/index.html"),
        one("/actoren/", "true")
    );
    assert_eq!(
        current("public/oproep/2020-06-19/index.html"),
        one("/oproep/", "true")
    );
    assert_eq!(current("public/over/index.html"), one("/over/", "page"));
    // A page under no menu item marks none, not the home page.
    assert_eq!(current("public/zoeken/index.html"), vec![]);
}

#[test]
fn shared_fragments_are_on_every_page_and_a_site_can_replace_one() {
    let site = Site::new();
    site.write(
        "themes/default/templates/shared/footer.html",
        "<p class=\"eigen\">{{ site.title }} · {{ t.sign }}</p>\n",
    );
    site.build_ok(&[]);
    let mut with_footer = 0;
    for page in html_files(&site.path("public")) {
        let html = site.html(&format!("public/{}", page.display()));
        if select(&html, "footer").is_empty() {
            continue; // the print page has no frame
        }
        with_footer += 1;
        let footer = select(&html, "footer p.eigen");
        assert_eq!(footer.len(), 1, "{}: the site's own footer", page.display());
        assert!(
            text(&footer[0]).ends_with("· Onderteken"),
            "{}",
            text(&footer[0])
        );
        // The default theme's other fragments are still there.
        assert_eq!(select(&html, "header .header-row a.site-title").len(), 1);
        assert_eq!(select(&html, "head link[rel=stylesheet]").len(), 1);
    }
    assert!(with_footer > 20, "{with_footer} pages with a footer");
    // A fragment is rendered once for all pages, so it can not use a page's values.
    site.write(
        "themes/default/templates/shared/footer.html",
        "<p>{{ page.title }}</p>\n",
    );
    let out = site.build(&[]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("shared/footer.html") && message.contains("page.title"),
        "{message}"
    );
}

#[test]
fn actors_and_examples_link_to_each_other() {
    let site = Site::new();
    site.build_ok(&[]);
    let example = site.html("public/voorbeelden/wijkacademie/index.html");
    let links = hrefs(&example, "main a");
    assert!(links.contains(&"/actoren/rijk/".to_string()), "{links:?}");
    assert!(
        links.contains(&"/actoren/gemeenten/".to_string()),
        "{links:?}"
    );
    assert!(
        links.contains(&"/oproep/#oproep-waardering".to_string()),
        "{links:?}"
    );

    let gemeenten = hrefs(&site.html("public/actoren/gemeenten/index.html"), "main a");
    assert!(
        gemeenten.contains(&"/voorbeelden/zwemles/".to_string()),
        "{gemeenten:?}"
    );
    assert!(gemeenten.contains(&"/voorbeelden/wijkacademie/".to_string()));
    let rijk = hrefs(&site.html("public/actoren/rijk/index.html"), "main a");
    assert!(
        rijk.contains(&"/voorbeelden/wijkacademie/".to_string()),
        "{rijk:?}"
    );
    assert!(
        !rijk.contains(&"/voorbeelden/zwemles/".to_string()),
        "zwemles does not name rijk"
    );

    // The call a link points at exists on the appeal page.
    let appeal = site.html("public/oproep/index.html");
    assert_eq!(select(&appeal, "#oproep-waardering").len(), 1);
    let gemeenten = site.html("public/actoren/gemeenten/index.html");
    assert_eq!(select(&gemeenten, "ol.recommendations li").len(), 2);
}

#[test]
fn footnotes_link_to_their_sources() {
    let site = Site::new();
    site.build_ok(&[]);
    let appeal = site.html("public/oproep/index.html");
    let reference = hrefs(&appeal, "sup.footnote-reference a");
    assert_eq!(reference, ["#movisie"]);
    let definition = select(&appeal, "#movisie");
    assert_eq!(definition.len(), 1);
    assert_eq!(
        hrefs(&appeal, "#movisie a"),
        ["https://www.movisie.nl/publicatie/x"]
    );
    // Headings get anchors for the table of contents.
    assert_eq!(select(&appeal, "h2#eerste-deel").len(), 1);
}

#[test]
fn the_signing_link_on_every_page_is_the_mailto_from_the_settings() {
    let site = Site::new();
    site.build_ok(&[]);
    let settings: serde_yaml::Value = serde_yaml::from_str(SITE_YAML).unwrap();
    let signing = &settings["signing"];
    let expected_body = signing["body"].as_str().unwrap().replace('\n', "\r\n");
    let files = html_files(&site.path("public"));
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let html = site.html(&format!("public/{}", file.display()));
        let links = hrefs(&html, "a[data-sign]");
        assert!(!links.is_empty(), "{}: no signing link", file.display());
        for link in links {
            let (address, subject, body) = parse_mailto(&link);
            assert_eq!(address, signing["address"].as_str().unwrap());
            assert_eq!(subject, signing["subject"].as_str().unwrap());
            assert_eq!(body, expected_body);
        }
        // Other mail links (share, forward) leave the address to the reader, except the
        // withdrawal link, which goes to the signing address too.
        for link in hrefs(&html, "a[href^='mailto:']") {
            let (address, _, _) = parse_mailto(&link);
            assert!(
                address.is_empty() || address == signing["address"].as_str().unwrap(),
                "{}: a mail link to {address}",
                file.display()
            );
        }
    }
}

#[test]
fn front_matter_values_are_escaped() {
    let site = Site::new();
    site.write(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: \"<script>alert('x')</script> & co\"\ndescription: \"\\\"><img src=x onerror=alert(1)>\"\nplace: \"<b>Hilversum</b>\"\nactors: [gemeenten]\nthemes: [\"<i>sport</i>\"]\n---\nTekst <script>alert(2)</script>\n",
    );
    site.build_ok(&[]);
    for page in [
        "public/voorbeelden/zwemles/index.html",
        "public/voorbeelden/index.html",
        "public/actoren/gemeenten/index.html",
    ] {
        let html = site.html(page);
        assert!(
            select(&html, "script:not([src])").is_empty(),
            "{page}: an inline script"
        );
        for script in select(&html, "script[src]") {
            let src = script.value().attr("src").unwrap();
            assert!(src.starts_with("/static/"), "{page}: a script from {src}");
        }
        assert!(select(&html, "img").is_empty(), "{page}: an img element");
        assert!(
            select(&html, "main b, main i").is_empty(),
            "{page}: markup from front matter"
        );
        let main = text(&select(&html, "main")[0]);
        assert!(
            main.contains("<script>alert('x')</script> & co"),
            "{page}: title not shown as text: {main}"
        );
    }
    let example = site.html("public/voorbeelden/zwemles/index.html");
    let description = select(&example, "meta[name=description]")[0]
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    assert_eq!(description, "\"><img src=x onerror=alert(1)>");
    assert!(text(&select(&example, "main")[0]).contains("<script>alert(2)</script>"));
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::new();
    site.write(
        "content/voorbeelden/concept.md",
        "---\ntitle: Nog niet af\nplace: Utrecht\nactors: [rijk]\ndraft: true\n---\nConcept.\n",
    );
    site.build_ok(&[]);
    assert!(!site.path("public/voorbeelden/concept").exists());
    let overview = hrefs(&site.html("public/voorbeelden/index.html"), "main a");
    assert!(!overview.contains(&"/voorbeelden/concept/".to_string()));
    let rijk = hrefs(&site.html("public/actoren/rijk/index.html"), "main a");
    assert!(!rijk.contains(&"/voorbeelden/concept/".to_string()));

    site.build_ok(&["--drafts"]);
    assert!(site.path("public/voorbeelden/concept/index.html").exists());
    let overview = hrefs(&site.html("public/voorbeelden/index.html"), "main a");
    assert!(overview.contains(&"/voorbeelden/concept/".to_string()));
}

#[test]
fn a_site_can_override_one_template() {
    let site = Site::new();
    site.write(
        "themes/default/templates/example.html",
        "{% extends \"base.html\" %}{% block main %}<h1 class=\"eigen\">{{ page.title }} in {{ example.place }}</h1>{% endblock main %}",
    );
    site.build_ok(&[]);
    let example = site.html("public/voorbeelden/zwemles/index.html");
    let heading = select(&example, "h1.eigen");
    assert_eq!(heading.len(), 1);
    assert_eq!(text(&heading[0]), "Zwemles in Hilversum");
    // The other templates still come from the built-in theme.
    let actor = site.html("public/actoren/rijk/index.html");
    assert!(select(&actor, "h1.eigen").is_empty());
    assert_eq!(select(&actor, "ol.recommendations li").len(), 1);
    assert!(site.path("public/static/style.css").exists());
}

#[test]
fn init_creates_a_site_that_builds_without_a_themes_folder() {
    let dir = tempfile::tempdir().unwrap();
    let new_site = dir.path().join("nieuwe campagne");
    let out = oproep().arg("init").arg(&new_site).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!new_site.join("themes").exists());
    let out = oproep()
        .arg("build")
        .arg("--root")
        .arg(&new_site)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let index = std::fs::read_to_string(new_site.join("public/index.html")).unwrap();
    let html = scraper::Html::parse_document(&index);
    assert!(!hrefs(&html, "a[href^='mailto:']").is_empty());
    assert!(new_site.join("public/static/style.css").exists());
    assert!(new_site.join("public/over/index.html").exists());

    // A second init does not overwrite the site.
    let out = oproep().arg("init").arg(&new_site).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn output_and_base_url_options() {
    let site = Site::new();
    let out_dir = site.path("elders");
    site.build_ok(&[
        "--output",
        out_dir.to_str().unwrap(),
        "--base-url",
        "https://campagne.example/oproep/",
    ]);
    assert!(!site.path("public").exists());
    let html = site.html("elders/actoren/rijk/index.html");
    let canonical = select(&html, "link[rel=canonical]")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(canonical, "https://campagne.example/oproep/actoren/rijk/");
    assert!(hrefs(&html, "nav.site-nav a").contains(&"/oproep/voorbeelden/".to_string()));
}

#[test]
fn refuses_to_replace_a_folder_that_is_not_a_built_site() {
    let site = Site::new();
    site.write("mijn-bestanden/brief.txt", "belangrijk");
    let out = site.build(&["--output", site.path("mijn-bestanden").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("will not replace"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(site.path("mijn-bestanden/brief.txt")).unwrap(),
        "belangrijk"
    );
}

#[test]
fn help_and_version() {
    let out = oproep().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    for command in [
        vec!["--help"],
        vec!["build", "--help"],
        vec!["init", "--help"],
    ] {
        let out = oproep().args(&command).output().unwrap();
        assert!(out.status.success(), "{command:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{command:?}"
        );
    }
    let build_help =
        String::from_utf8_lossy(&oproep().args(["build", "--help"]).output().unwrap().stdout)
            .into_owned();
    for flag in ["--root", "--output", "--base-url", "--drafts"] {
        assert!(build_help.contains(flag), "{flag}");
    }
}

#[test]
fn the_repository_site_builds_with_all_its_pages() {
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("public");
    let out = oproep()
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(&output)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let count = |dir: &str| {
        std::fs::read_dir(output.join(dir))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().join("index.html").is_file())
            .count()
    };
    for page in [
        "index.html",
        "oproep/index.html",
        "oproep/2020-06-19/index.html",
        "over/index.html",
        "actoren/index.html",
        "voorbeelden/index.html",
    ] {
        assert!(output.join(page).is_file(), "{page}");
    }
    assert_eq!(count("actoren"), 5);
    assert!(count("voorbeelden") >= 8);
    let read =
        |p: &str| scraper::Html::parse_document(&std::fs::read_to_string(output.join(p)).unwrap());
    // The final appeal has five calls, its two sources as footnotes, and its date.
    let appeal = read("oproep/index.html");
    assert_eq!(select(&appeal, "ol.calls > li").len(), 5);
    assert_eq!(select(&appeal, ".footnote-definition").len(), 2);
    assert_eq!(select(&appeal, "time[datetime='2020-12-21']").len(), 1);
    for file in html_files(&output) {
        let html = read(file.to_str().unwrap());
        assert!(
            !hrefs(&html, "a[href^='mailto:']").is_empty(),
            "{}: no signing link",
            file.display()
        );
    }
    // The about page names the two authors and five round-table participants.
    let about = read("over/index.html");
    assert_eq!(
        select(
            &about,
            "#ronde-tafel ~ ol li, section[aria-labelledby=ronde-tafel] li"
        )
        .len(),
        5
    );
}

#[test]
fn the_interface_can_be_english() {
    let site = Site::new();
    site.write(
        "content/site.yaml",
        &SITE_YAML.replace("language: nl", "language: en"),
    );
    site.build_ok(&[]);
    let home = site.html("public/index.html");
    assert_eq!(select(&home, "html[lang=en]").len(), 1);
    assert_eq!(text(&select(&home, "a.sign-button")[0]), "Sign");
    let appeal = site.html("public/oproep/index.html");
    assert!(text(&select(&appeal, "main")[0]).contains("21 December 2020"));
}

#[cfg(unix)]
#[test]
fn unchanged_files_are_not_rewritten() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::new();
    site.build_ok(&[]);
    let inode = |p: &str| std::fs::metadata(site.path(p)).unwrap().ino();
    let untouched = inode("public/voorbeelden/wijkacademie/index.html");
    let changed = inode("public/voorbeelden/zwemles/index.html");
    site.write(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\nthemes: [sport]\n---\nNieuwe tekst.\n",
    );
    site.build_ok(&[]);
    assert_eq!(
        inode("public/voorbeelden/wijkacademie/index.html"),
        untouched,
        "an unchanged page was rewritten"
    );
    assert_ne!(inode("public/voorbeelden/zwemles/index.html"), changed);
    let page = std::fs::read_to_string(site.path("public/voorbeelden/zwemles/index.html")).unwrap();
    assert!(page.contains("Nieuwe tekst."));
}

#[test]
fn a_rebuild_removes_what_the_site_no_longer_has_and_says_what_changed() {
    let site = Site::new();
    site.build_ok(&[]);
    std::fs::remove_file(site.path("content/voorbeelden/zwemles.md")).unwrap();
    let out = site.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!site.path("public/voorbeelden/zwemles").exists());
    // The filter page for a theme only zwemles had is gone too.
    assert!(!site.path("public/voorbeelden/thema/sport").exists());
    let message = stderr(&out);
    assert!(
        message.contains("written") && message.contains("removed"),
        "{message}"
    );
    // A fresh build of the same content gives exactly the same files.
    let updated = snapshot(&site.path("public"));
    let fresh = tempfile::tempdir().unwrap();
    let fresh_out = fresh.path().join("public");
    site.build_ok(&["--output", fresh_out.to_str().unwrap()]);
    assert_eq!(
        updated.keys().collect::<Vec<_>>(),
        snapshot(&fresh_out).keys().collect::<Vec<_>>()
    );
    assert!(updated == snapshot(&fresh_out), "an updated file differs");
    // Nothing temporary is left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(site.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".oproep-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn one_thread_and_many_threads_build_the_same_bytes() {
    // Enough examples and signatories that the work is split between threads.
    let site = Site::new();
    for i in 0..120 {
        site.write(
            &format!("content/voorbeelden/voorbeeld-{i:03}.md"),
            &format!(
                "---\ntitle: Voorbeeld {i}\nplace: Plaats {}\nactors: [gemeenten]\ncalls: [ruimte]\nthemes: [thema-{}]\n---\nTekst van voorbeeld {i}.\n",
                i % 7,
                i % 5
            ),
        );
    }
    let mut signatories = String::from("signatories:\n");
    for i in 0..6_000 {
        signatories.push_str(&format!(
            "- name: Naam {i}\n  place: Plaats {}\n  date: 2021-0{}-1{}\n  publish: {}\n",
            i % 11,
            1 + i % 9,
            i % 10,
            i % 3 != 0
        ));
    }
    site.write("content/signatories.yaml", &signatories);
    let build_with = |threads: &str| {
        let output = site.path(&format!("public-{threads}"));
        let out = oproep()
            .args(["build", "--root"])
            .arg(site.dir.path())
            .arg("--output")
            .arg(&output)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        snapshot(&output)
    };
    let single = build_with("1");
    let parallel = build_with("4");
    assert!(single.len() > 150, "{} files", single.len());
    assert_eq!(
        single.keys().collect::<Vec<_>>(),
        parallel.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &single {
        assert!(parallel[path] == *bytes, "{} differs", path.display());
    }
}

#[test]
fn long_lists_of_examples_on_other_pages_show_the_first_twelve_and_link_to_all() {
    let site = Site::new();
    // With zwemles, 21 examples illustrate the call `ruimte` and name the actor `gemeenten`.
    for i in 1..=20 {
        site.write(
            &format!("content/voorbeelden/extra-{i:02}.md"),
            &format!(
                "---\ntitle: Extra {i:02}\nplace: Utrecht\nactors: [gemeenten]\ncalls: [ruimte]\n---\nTekst.\n"
            ),
        );
    }
    site.build_ok(&[]);

    let appeal = site.html("public/oproep/index.html");
    let calls = select(&appeal, "ol.calls > li");
    let links = |call: &scraper::ElementRef| -> Vec<(String, String)> {
        call.select(&scraper::Selector::parse(".call-examples a").unwrap())
            .map(|a| (a.value().attr("href").unwrap().to_string(), text(&a)))
            .collect()
    };
    let ruimte = links(&calls[0]);
    assert_eq!(ruimte.len(), 13, "{ruimte:?}");
    assert!(
        ruimte[..12]
            .iter()
            .all(|(href, _)| href.starts_with("/voorbeelden/")
                && !href.starts_with("/voorbeelden/oproep/"))
    );
    assert_eq!(
        ruimte[12],
        (
            "/voorbeelden/oproep/ruimte/".to_string(),
            "Alle 21 voorbeelden".to_string()
        )
    );
    // One example: shown, and nothing more to link to.
    assert_eq!(
        links(&calls[1]),
        [(
            "/voorbeelden/wijkacademie/".to_string(),
            "Wijkacademie".to_string()
        )]
    );

    let actor = site.html("public/actoren/gemeenten/index.html");
    assert_eq!(hrefs(&actor, "#voorbeelden ~ ul.link-list a").len(), 12);
    let more = select(&actor, "#voorbeelden ~ p a");
    assert_eq!(more.len(), 1);
    assert_eq!(
        more[0].value().attr("href"),
        Some("/voorbeelden/actor/gemeenten/")
    );
    assert_eq!(text(&more[0]), "Alle 22 voorbeelden");
    let rijk = site.html("public/actoren/rijk/index.html");
    assert!(select(&rijk, "#voorbeelden ~ p a").is_empty());

    // The pages linked to list them all.
    let filtered = site.html("public/voorbeelden/oproep/ruimte/index.html");
    assert_eq!(select(&filtered, "#example-cards article.card").len(), 21);
    let filtered = site.html("public/voorbeelden/actor/gemeenten/index.html");
    assert_eq!(select(&filtered, "#example-cards article.card").len(), 22);
}

/// With many pages of names each page links to the first, the last and the two either side of
/// it, with a gap shown for the pages between; following those links reaches every page.
#[test]
fn the_pages_of_names_link_to_their_neighbours_the_first_and_the_last() {
    let site = Site::new();
    let mut signatories = String::from("signatories:\n");
    // Twelve pages of 500 names, the last one short.
    for i in 0..5600 {
        signatories.push_str(&format!(
            "  - {{name: \"Naam {i:05}\", date: 2021-03-04, publish: true}}\n"
        ));
    }
    site.write("content/signatories.yaml", &signatories);
    site.build_ok(&[]);
    let page_path = |n: usize| match n {
        1 => "/ondertekenaars/".to_string(),
        n => format!("/ondertekenaars/pagina/{n}/"),
    };
    let count = 12;
    let mut reached = std::collections::BTreeSet::from([1]);
    for current in 1..=count {
        let html = site.html(&format!("public{}index.html", page_path(current)));
        let items = select(&html, "nav.pagination li");
        let mut linked = Vec::new();
        let mut shown = Vec::new();
        for item in &items {
            let link = item.select(&scraper::Selector::parse("a").unwrap()).next();
            match link {
                Some(link) => {
                    let label = text(&link);
                    let number: usize = label.trim().rsplit(' ').next().unwrap().parse().unwrap();
                    assert_eq!(link.value().attr("href"), Some(&*page_path(number)));
                    assert_eq!(
                        link.value().attr("aria-current") == Some("page"),
                        number == current,
                        "page {current}: only the page itself is marked current"
                    );
                    linked.push(number);
                    shown.push(number.to_string());
                    reached.insert(number);
                }
                None => {
                    assert_eq!(item.value().attr("aria-hidden"), Some("true"));
                    shown.push("…".into());
                }
            }
        }
        let near: Vec<usize> = (1..=count)
            .filter(|&n| n == 1 || n == count || n.abs_diff(current) <= 2)
            .collect();
        assert_eq!(linked, near, "page {current}");
        // A gap stands wherever pages are left out, and nowhere else.
        let mut expected = vec![near[0].to_string()];
        for pair in near.windows(2) {
            if pair[1] > pair[0] + 1 {
                expected.push("…".into());
            }
            expected.push(pair[1].to_string());
        }
        assert_eq!(shown, expected, "page {current}");
    }
    assert_eq!(reached.len(), count, "every page is linked from another");
    assert!(
        !site
            .path(&format!("public/ondertekenaars/pagina/{}", count + 1))
            .exists()
    );
}

/// The print page lists every named signatory. A theme's print page that shows the list as it
/// is gets it in full; one that does something else with it (counts its characters, escapes
/// it, shows it twice) gets what it asked for, made from the whole list.
#[test]
fn a_themes_print_page_gets_the_whole_list_whatever_it_does_with_it() {
    let site = Site::new();
    let mut signatories = String::from("signatories:\n");
    for i in 0..1200_usize {
        let publish = !i.is_multiple_of(4);
        signatories.push_str(&format!(
            "  - {{name: \"Naam {i:04} <b>\", date: 2021-03-04, publish: {publish}}}\n"
        ));
    }
    site.write("content/signatories.yaml", &signatories);
    let named: Vec<String> = (0..1200)
        .filter(|i: &usize| !i.is_multiple_of(4))
        .map(|i| format!("Naam {i:04} <b>"))
        .collect();
    let print = "public/ondertekenaars/afdrukken/index.html";
    let names_in = |html: &scraper::Html, css: &str| -> Vec<String> {
        select(html, css).iter().map(text).collect()
    };

    site.build_ok(&[]);
    let html = site.html(print);
    assert_eq!(names_in(&html, "ul.names-print li .name"), named);

    let template = |main: &str| {
        site.write(
            "themes/default/templates/print.html",
            &format!(
                "{{% extends \"base.html\" %}}\n{{% block main %}}{main}{{% endblock main %}}\n"
            ),
        );
        site.build_ok(&[]);
        std::fs::read_to_string(site.path(print)).unwrap()
    };
    let page = template(
        "<ul id=\"a\">{{ names_html | safe }}</ul><ul id=\"b\">{{ names_html | safe }}</ul>",
    );
    let html = scraper::Html::parse_document(&page);
    assert_eq!(
        names_in(&html, "#a li .name"),
        named,
        "the list twice: once"
    );
    assert_eq!(names_in(&html, "#b li .name"), named, "and again");

    let page = template(
        "<p id=\"length\">{{ names_html | length }}</p><ul id=\"list\">{{ names_html | safe }}</ul>",
    );
    let html = scraper::Html::parse_document(&page);
    let start = page.find("<ul id=\"list\">").unwrap() + "<ul id=\"list\">".len();
    let items = &page[start..start + page[start..].find("</ul>").unwrap()];
    assert_eq!(names_in(&html, "#list li .name"), named);
    let length = text(&select(&html, "#length")[0]);
    assert_eq!(
        length,
        items.chars().count().to_string(),
        "the length of the whole list"
    );

    let page = template("<pre>{{ names_html }}</pre>");
    assert!(page.contains("&lt;li&gt;"), "escaped, as the template asks");
    assert!(
        page.contains("Naam 1199 &amp;lt;b&amp;gt;"),
        "escaped twice"
    );
    let pre = &page[page.find("<pre>").unwrap()..page.find("</pre>").unwrap()];
    assert!(
        !pre.contains("<li>") && pre.contains("Naam 0001"),
        "{pre:.200}"
    );
}
