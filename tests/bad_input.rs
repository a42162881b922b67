//! Each kind of bad input: a message that names the file (and line) and says what to do, a
//! non-zero exit, and the previous `public/` left exactly as it was.

mod common;

use common::*;

/// Builds a good site, breaks it with `change`, builds again and checks the failure.
fn assert_fails_cleanly(change: impl FnOnce(&Site), expected: &[&str]) -> String {
    let site = Site::new();
    site.build_ok(&[]);
    let before = snapshot(&site.path("public"));
    change(&site);
    let out = site.build(&[]);
    let message = stderr(&out);
    assert!(!out.status.success(), "the build should fail");
    for part in expected {
        assert!(message.contains(part), "message lacks {part:?}:\n{message}");
    }
    assert!(message.contains("hint:"), "no hint:\n{message}");
    assert_eq!(snapshot(&site.path("public")), before, "public/ changed");
    // No temporary folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(site.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".oproep"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    message
}

#[test]
fn yaml_syntax_error_names_file_line_and_column() {
    assert_fails_cleanly(
        |s| {
            s.write(
                "content/voorbeelden/zwemles.md",
                "---\ntitle: Zwemles\nplace: [Hilversum\nactors: [gemeenten]\n---\nx\n",
            )
        },
        &["voorbeelden/zwemles.md:", "hint:"],
    );
    let message = assert_fails_cleanly(
        |s| {
            s.write(
                "content/site.yaml",
                "title: \"Test\"\ndescription: x\n  base_url: : y\n",
            )
        },
        &["content/site.yaml:3:"],
    );
    assert!(
        message.contains("indentation") || message.contains("quotes"),
        "{message}"
    );
}

#[test]
fn yaml_error_in_front_matter_points_at_the_file_line() {
    // The bad line is line 4 of the file (line 3 of the front matter).
    assert_fails_cleanly(
        |s| {
            s.write(
                "content/voorbeelden/zwemles.md",
                "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten\n---\nx\n",
            )
        },
        &["voorbeelden/zwemles.md:"],
    );
    let site = Site::new();
    site.write(
        "content/actoren/rijk.md",
        "---\ntitle: Rijk\norder: een\n---\n",
    );
    let message = stderr(&site.build(&[]));
    assert!(message.contains("actoren/rijk.md:3:"), "{message}");
}

#[test]
fn missing_required_field() {
    let message = assert_fails_cleanly(
        |s| {
            s.write(
                "content/voorbeelden/zwemles.md",
                "---\ntitle: Zwemles\nactors: [gemeenten]\n---\nx\n",
            )
        },
        &[
            "voorbeelden/zwemles.md",
            "missing field `place`",
            "add `place: ...`",
        ],
    );
    assert!(!message.contains("panicked"));
}

#[test]
fn misspelt_field_is_reported() {
    assert_fails_cleanly(
        |s| {
            s.write("content/voorbeelden/zwemles.md", "---\ntitle: Zwemles\nplace: Hilversum\nplaats: Hilversum\nactors: [gemeenten]\n---\nx\n")
        },
        &["voorbeelden/zwemles.md:4", "unknown field `plaats`"],
    );
}

#[test]
fn example_naming_an_unknown_actor() {
    assert_fails_cleanly(
        |s| {
            s.write("content/voorbeelden/zwemles.md", "---\ntitle: Zwemles\nplace: Hilversum\nactors:\n  - gemeenten\n  - provincie\n---\nx\n")
        },
        &[
            "voorbeelden/zwemles.md:6",
            "unknown actor `provincie`",
            "gemeenten, rijk",
        ],
    );
}

#[test]
fn example_naming_an_unknown_call() {
    assert_fails_cleanly(
        |s| {
            s.write("content/voorbeelden/zwemles.md", "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [zwemmen]\n---\nx\n")
        },
        &[
            "voorbeelden/zwemles.md:5",
            "unknown call `zwemmen`",
            "ruimte, waardering",
        ],
    );
}

#[test]
fn two_pages_with_the_same_url() {
    assert_fails_cleanly(
        |s| {
            s.write(
                "content/over/index.md",
                "---\ntitle: Nog een over\n---\nx\n",
            )
        },
        &["two pages have the URL /over/", "over.md", "index.md"],
    );
}

#[test]
fn template_error_names_template_and_line() {
    assert_fails_cleanly(
        |s| {
            s.write(
                "themes/default/templates/actor.html",
                "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock main %}\n",
            )
        },
        &["actor.html", "3:", "themes/default/templates/actor.html"],
    );
}

#[test]
fn template_render_error_names_the_variable() {
    assert_fails_cleanly(
        |s| {
            s.write("themes/default/templates/actor.html", "{% extends \"base.html\" %}\n{% block main %}{{ actor.bestaat_niet }}{% endblock main %}\n")
        },
        &["template actor.html", "bestaat_niet"],
    );
}

#[test]
fn file_that_is_not_utf8() {
    assert_fails_cleanly(
        |s| {
            std::fs::write(
                s.path("content/voorbeelden/zwemles.md"),
                b"---\ntitle: Zwemles\nplace: M\xfcnchen\n---\n",
            )
            .unwrap()
        },
        &["voorbeelden/zwemles.md:3", "not UTF-8", "UTF-8"],
    );
}

#[test]
fn missing_settings_and_front_matter() {
    assert_fails_cleanly(
        |s| std::fs::remove_file(s.path("content/site.yaml")).unwrap(),
        &["content/site.yaml", "missing"],
    );
    assert_fails_cleanly(
        |s| {
            s.write(
                "content/voorbeelden/zwemles.md",
                "Alleen tekst, geen front matter.\n",
            )
        },
        &["voorbeelden/zwemles.md:1", "no front matter"],
    );
}

#[test]
fn bad_base_url() {
    assert_fails_cleanly(
        |s| {
            s.write(
                "content/site.yaml",
                &SITE_YAML.replace("https://example.org/", "example.org"),
            )
        },
        &["content/site.yaml", "not an absolute URL"],
    );
}

#[test]
fn a_content_error_is_reported_before_a_template_error() {
    // The content and the theme are read at the same time; the campaigner's file comes first.
    let message = assert_fails_cleanly(
        |s| {
            s.write(
                "themes/default/templates/actor.html",
                "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock main %}\n",
            );
            s.write(
                "content/voorbeelden/zwemles.md",
                "---\ntitle: Zwemles\nplace: [Hilversum\nactors: [gemeenten]\n---\nx\n",
            );
        },
        &["voorbeelden/zwemles.md:"],
    );
    assert!(!message.contains("actor.html"), "{message}");
}
