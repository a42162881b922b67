//! What makes the site findable and shareable: sitemap, robots.txt, feed, search index,
//! share links, example filter pages and the version comparison.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::*;

fn site_with_news() -> Site {
    let site = Site::new();
    site.write(
        "content/nieuws/_index.md",
        "---\ntitle: Nieuws\ndescription: Updates\n---\nWat er gebeurt.\n",
    );
    site.write(
        "content/nieuws/eerste.md",
        "---\ntitle: \"Eerste <b>bericht</b> & meer\"\ndate: 2021-01-05\ndescription: Het begin\n---\nDe oproep is **gepubliceerd**.\n",
    );
    site.write(
        "content/nieuws/tweede.md",
        "---\ntitle: Tweede bericht\ndate: 2021-02-01\n---\nMeer nieuws.\n",
    );
    site
}

#[test]
fn the_sitemap_lists_every_page_and_robots_points_at_it() {
    let site = site_with_news();
    site.build_ok(&[]);
    let xml = fs::read_to_string(site.path("public/sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("sitemap.xml is well-formed XML");
    let listed: BTreeSet<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap().to_string())
        .collect();
    let public = site.path("public");
    for file in html_files(&public) {
        let file = file.to_string_lossy().replace('\\', "/");
        if file == "404.html" || file.contains("afdrukken") {
            continue;
        }
        let url = format!(
            "https://example.org/{}",
            file.trim_end_matches("index.html")
        );
        assert!(listed.contains(&url), "{url} is not in the sitemap");
    }
    assert!(listed.iter().all(|u| u.starts_with("https://example.org/")));
    let robots = fs::read_to_string(site.path("public/robots.txt")).unwrap();
    assert!(
        robots.contains("Sitemap: https://example.org/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn the_news_feed_parses_with_a_feed_parser() {
    let site = site_with_news();
    site.build_ok(&[]);
    let bytes = fs::read(site.path("public/nieuws/atom.xml")).unwrap();
    let feed = feed_rs::parser::parse(&bytes[..]).expect("a valid feed");
    assert_eq!(feed.entries.len(), 2);
    // Newest first, with absolute links and the title as text.
    assert_eq!(
        feed.entries[0].title.as_ref().unwrap().content,
        "Tweede bericht"
    );
    assert_eq!(
        feed.entries[1].title.as_ref().unwrap().content,
        "Eerste <b>bericht</b> & meer"
    );
    assert_eq!(
        feed.entries[1].links[0].href,
        "https://example.org/nieuws/eerste/"
    );
    let content = feed.entries[1]
        .content
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap();
    assert!(
        content.contains("<strong>gepubliceerd</strong>"),
        "{content}"
    );
    // Every page points at the feed.
    let home = site.html("public/index.html");
    assert_eq!(
        hrefs(&home, "link[rel=alternate][type='application/atom+xml']"),
        ["/nieuws/atom.xml"]
    );
    assert!(hrefs(&home, "nav.site-nav a").contains(&"/nieuws/".to_string()));
}

#[test]
fn the_search_index_holds_every_page_text() {
    let site = site_with_news();
    site.build_ok(&[]);
    let index: Vec<serde_json::Value> =
        serde_json::from_str(&fs::read_to_string(site.path("public/zoeken/index.json")).unwrap())
            .unwrap();
    let find = |url: &str| {
        index
            .iter()
            .find(|e| e["url"] == url)
            .unwrap_or_else(|| panic!("{url} not indexed"))
    };
    assert!(
        find("/voorbeelden/zwemles/")["text"]
            .as_str()
            .unwrap()
            .contains("welzijnsorganisatie")
    );
    assert!(
        find("/nieuws/eerste/")["text"]
            .as_str()
            .unwrap()
            .contains("gepubliceerd")
    );
    assert!(
        find("/over/")["text"]
            .as_str()
            .unwrap()
            .contains("ontstond")
    );
    assert!(
        find("/oproep/")["text"]
            .as_str()
            .unwrap()
            .contains("Tekst met een bron")
    );
}

#[test]
fn pages_carry_open_graph_and_share_links_with_their_own_url() {
    let site = Site::new();
    site.build_ok(&[]);
    for (file, url) in [
        (
            "public/voorbeelden/zwemles/index.html",
            "https://example.org/voorbeelden/zwemles/",
        ),
        (
            "public/actoren/rijk/index.html",
            "https://example.org/actoren/rijk/",
        ),
    ] {
        let html = site.html(file);
        let meta = |property: &str| {
            select(&html, &format!("meta[property='{property}']"))[0]
                .value()
                .attr("content")
                .unwrap()
                .to_string()
        };
        assert_eq!(meta("og:url"), url);
        assert!(meta("og:image").starts_with("https://example.org/"));
        assert_eq!(select(&html, "meta[name='twitter:card']").len(), 1);
        let share = hrefs(&html, ".share-links a");
        assert!(share.len() >= 7, "{share:?}");
        for link in &share {
            let decoded = percent_encoding::percent_decode_str(link)
                .decode_utf8()
                .unwrap();
            assert!(decoded.contains(url), "{link} does not carry {url}");
        }
        // Nothing is loaded from another host: no script, stylesheet or image from elsewhere.
        for src in hrefs(&html, "link[rel=stylesheet]")
            .iter()
            .chain(&hrefs(&html, "link[rel=icon]"))
        {
            assert!(src.starts_with('/'), "{src}");
        }
        assert!(select(&html, "script[src^='http'], img[src^='http'], iframe").is_empty());
    }
}

#[test]
fn actor_pages_forward_the_recommendations_by_mail() {
    let site = Site::new();
    site.write(
        "content/actoren/gemeenten.md",
        "---\ntitle: Gemeenten\norder: 2\nrecipient: je wethouder\nrecommendations:\n  - Schep ruimte.\n---\n",
    );
    site.build_ok(&[]);
    let html = site.html("public/actoren/gemeenten/index.html");
    let forward = hrefs(&html, ".forward a[href^='mailto:']");
    assert_eq!(forward.len(), 1);
    let (address, subject, body) = parse_mailto(&forward[0]);
    assert_eq!(address, "", "the reader fills in the recipient");
    assert!(subject.contains("Gemeenten"), "{subject}");
    assert!(body.starts_with("Beste,"), "{body}");
    assert!(body.contains("- Schep ruimte."), "{body}");
    assert!(
        body.contains("https://example.org/actoren/gemeenten/"),
        "{body}"
    );
}

#[test]
fn example_filters_work_as_pages_without_script() {
    let site = Site::new();
    site.build_ok(&[]);
    let overview = site.html("public/voorbeelden/index.html");
    let facet_links = hrefs(&overview, "#facet-links a");
    assert!(
        facet_links.contains(&"/voorbeelden/actor/rijk/".to_string()),
        "{facet_links:?}"
    );
    let rijk = site.html("public/voorbeelden/actor/rijk/index.html");
    let cards = hrefs(&rijk, "#example-cards .card h3 a");
    assert_eq!(cards, ["/voorbeelden/wijkacademie/"]);
    let by_place = site.html("public/voorbeelden/plaats/hilversum/index.html");
    assert_eq!(
        hrefs(&by_place, "#example-cards .card h3 a"),
        ["/voorbeelden/zwemles/"]
    );
    let by_call = site.html("public/voorbeelden/oproep/ruimte/index.html");
    assert_eq!(
        hrefs(&by_call, "#example-cards .card h3 a"),
        ["/voorbeelden/zwemles/"]
    );
    let by_theme = site.html("public/voorbeelden/thema/sport/index.html");
    assert_eq!(
        hrefs(&by_theme, "#example-cards .card h3 a"),
        ["/voorbeelden/zwemles/"]
    );
    // Each filter page lists every filter and marks its own link as the current page.
    let current = "#facet-links a[aria-current=page]";
    assert_eq!(hrefs(&overview, current), Vec::<String>::new());
    for (html, url) in [
        (&rijk, "/voorbeelden/actor/rijk/"),
        (&by_place, "/voorbeelden/plaats/hilversum/"),
        (&by_call, "/voorbeelden/oproep/ruimte/"),
        (&by_theme, "/voorbeelden/thema/sport/"),
    ] {
        assert_eq!(hrefs(html, current), [url]);
        assert_eq!(hrefs(html, "#facet-links a[data-filter]"), facet_links);
    }
}

#[test]
fn the_changes_page_shows_what_changed_between_versions() {
    let site = Site::new();
    site.write(
        "content/oproep/2020-06-19.md",
        "---\ntitle: De eerste oproep\ndate: 2020-06-19\ncalls:\n  - id: ruimte\n    title: Ruimte\n    text: Ruimte.\n---\n## Eerste deel\n\nTekst met een <oude> bron.\n",
    );
    site.build_ok(&[]);
    let html = site.html("public/oproep/wijzigingen/index.html");
    let removed: Vec<String> = select(&html, ".diff del").iter().map(text).collect();
    let added: Vec<String> = select(&html, ".diff ins").iter().map(text).collect();
    assert!(removed.iter().any(|w| w.contains("<oude>")), "{removed:?}");
    assert!(added.iter().any(|w| w.contains("Waardering")), "{added:?}");
    let appeal = site.html("public/oproep/index.html");
    assert!(hrefs(&appeal, "main a").contains(&"/oproep/wijzigingen/".to_string()));
}

#[test]
fn signatories_show_the_version_they_signed() {
    let site = Site::new();
    site.write(
        "content/signatories.yaml",
        "signatories:\n- name: Vroeg\n  date: 2020-07-01\n  publish: true\n- name: Laat\n  date: 2021-01-10\n  publish: true\n",
    );
    site.build_ok(&[]);
    let html = site.html("public/ondertekenaars/index.html");
    let items: Vec<String> = select(&html, "#static-list .names li")
        .iter()
        .map(text)
        .collect();
    let early = items.iter().find(|t| t.contains("Vroeg")).unwrap();
    let late = items.iter().find(|t| t.contains("Laat")).unwrap();
    assert!(early.contains("19 juni 2020"), "{early}");
    assert!(late.contains("21 december 2020"), "{late}");
    // The print page has the appeal and every published name.
    let print = site.html("public/ondertekenaars/afdrukken/index.html");
    let body = text(&select(&print, "main")[0]);
    assert!(
        body.contains("Meer ruimte voor community building.")
            && body.contains("Vroeg")
            && body.contains("Laat")
    );
}
