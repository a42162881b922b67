//! `oproep check` on fixture sites in tests/fixtures/check/, run with the real binary:
//! `clean` has no problems at all, `broken` has one planted problem of each kind. Problems
//! that stop the build are planted in copies of `clean`, one at a time.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name)
}

/// A copy of a fixture site in a temporary folder, to plant a problem in.
fn copy_of(name: &str) -> tempfile::TempDir {
    let from = fixture(name);
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

fn write(root: &Path, relative: &str, text: &str) {
    std::fs::write(root.join(relative), text).unwrap();
}

fn check(root: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("oproep")
        .unwrap()
        .arg("check")
        .arg("--root")
        .arg(root)
        .args(args)
        // The external test talks to a local server; a proxy from the environment must not.
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `check --format json`, parsed.
fn problems(root: &Path, args: &[&str]) -> (Output, Vec<Value>) {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let out = check(root, &args);
    let parsed: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&out)));
    (out, parsed.as_array().expect("a JSON array").clone())
}

/// (severity, file, line) of each problem, in the order given.
fn places(problems: &[Value]) -> Vec<(String, String, Option<u64>)> {
    problems
        .iter()
        .map(|p| {
            (
                p["severity"].as_str().unwrap().to_string(),
                p["file"].as_str().unwrap().to_string(),
                p["line"].as_u64(),
            )
        })
        .collect()
}

fn place(severity: &str, file: &str, line: u64) -> (String, String, Option<u64>) {
    (severity.into(), file.into(), Some(line))
}

/// The planted problems of `broken`: where, and a piece of the message and of the hint.
const PLANTED: [(&str, &str, u64, &str, &str); 7] = [
    (
        "error",
        "content/index.md",
        7,
        "link to a page that does not exist: /nergens/",
        "the page /nergens/ does not exist; check the link or create the page",
    ),
    (
        "error",
        "content/over.md",
        8,
        "link to an anchor that does not exist: /oproep/#bestaat-niet",
        "there is no heading or element with id `bestaat-niet` on /oproep/",
    ),
    (
        "error",
        "content/signatories.yaml",
        12,
        "Piet Later signed on 2999-01-01, a date in the future",
        "correct the date",
    ),
    (
        "error",
        "content/voorbeelden/zwemles.md",
        8,
        "missing image: /voorbeelden/zwembad.jpg",
        "put it at content/voorbeelden/zwembad.jpg",
    ),
    (
        "error",
        "content/voorbeelden/zwemles.md",
        12,
        "missing file: /bestanden/rapport.pdf",
        "put it at content/bestanden/rapport.pdf",
    ),
    (
        "warning",
        "content/over.md",
        1,
        "the page has no description",
        "add `description: ...` to the front matter",
    ),
    (
        "warning",
        "content/signatories.yaml",
        8,
        "jan  jansen is listed twice (also on line 2)",
        "delete one of the two entries",
    ),
];

#[test]
fn planted_problems_are_reported_with_file_line_and_hint() {
    let out = check(&fixture("broken"), &[]);
    assert!(!out.status.success(), "errors must fail the check");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // Errors first, then warnings, each by file and line; every problem has a hint line.
    let expected: Vec<String> = PLANTED
        .iter()
        .map(|(severity, file, line, message, _)| format!("{file}:{line}: {severity}: {message}"))
        .collect();
    let reported: Vec<&str> = lines.iter().step_by(2).copied().collect();
    assert_eq!(
        reported[..PLANTED.len()],
        expected.iter().map(String::as_str).collect::<Vec<_>>()[..],
        "{text}"
    );
    for (i, (.., hint)) in PLANTED.iter().enumerate() {
        let hint_line = lines[2 * i + 1];
        assert!(
            hint_line.starts_with("  hint: ") && hint_line.contains(hint),
            "{hint_line:?} should hold {hint:?}"
        );
    }
    assert_eq!(lines.last(), Some(&"5 errors, 2 warnings"), "{text}");
}

#[test]
fn json_output_has_the_same_problems() {
    let (out, found) = problems(&fixture("broken"), &[]);
    assert!(!out.status.success());
    let expected: Vec<_> = PLANTED
        .iter()
        .map(|(severity, file, line, ..)| place(severity, file, *line))
        .collect();
    assert_eq!(places(&found), expected);
    for (problem, (.., message, hint)) in found.iter().zip(PLANTED) {
        assert_eq!(problem["message"], message);
        assert!(
            problem["hint"].as_str().unwrap().contains(hint),
            "{problem}"
        );
    }
}

#[test]
fn a_clean_site_has_no_problems() {
    let out = check(&fixture("clean"), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(stdout(&out), "0 errors, 0 warnings\n");
    let (out, found) = problems(&fixture("clean"), &[]);
    assert!(out.status.success());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_repository_content_has_no_problems() {
    let out = check(Path::new(env!("CARGO_MANIFEST_DIR")), &[]);
    assert_eq!(stdout(&out), "0 errors, 0 warnings\n");
    assert!(out.status.success());
}

#[test]
fn an_unknown_actor_stops_the_build_and_is_reported() {
    let site = copy_of("clean");
    let example = site.path().join("content/voorbeelden/zwemles.md");
    let text = std::fs::read_to_string(&example).unwrap();
    write(
        site.path(),
        "content/voorbeelden/zwemles.md",
        &text.replace("actors: [rijk]", "actors: [provincie]"),
    );
    let (out, found) = problems(site.path(), &[]);
    assert!(!out.status.success());
    assert_eq!(
        places(&found),
        [place("error", "content/voorbeelden/zwemles.md", 5)]
    );
    assert_eq!(found[0]["message"], "unknown actor `provincie`");
    assert!(found[0]["hint"].as_str().unwrap().contains("rijk"));
}

#[test]
fn an_impossible_date_is_reported_at_its_line() {
    let site = copy_of("clean");
    write(
        site.path(),
        "content/signatories.yaml",
        "signatories:\n- name: Jan Jansen\n  date: 2020-12-21\n- name: Ria de Vries\n  date: 2021-02-30\n",
    );
    let (out, found) = problems(site.path(), &[]);
    assert!(!out.status.success());
    assert_eq!(
        places(&found),
        [place("error", "content/signatories.yaml", 5)]
    );
    assert!(found[0]["message"].as_str().unwrap().contains("date"));
    assert!(found[0]["hint"].as_str().unwrap().contains("YYYY-MM-DD"));
}

#[test]
fn an_empty_name_is_reported_at_its_line() {
    let site = copy_of("clean");
    write(
        site.path(),
        "content/signatories.yaml",
        "signatories:\n- name: Jan Jansen\n  date: 2020-12-21\n- name: ''\n  date: 2020-12-22\n",
    );
    let (out, found) = problems(site.path(), &[]);
    assert!(!out.status.success());
    // Once, at its line, not again as the build's own error without one.
    assert_eq!(
        places(&found),
        [place("error", "content/signatories.yaml", 4)]
    );
    assert_eq!(found[0]["message"], "signatory 2 has an empty name");
}

#[test]
fn a_broken_link_shown_on_several_pages_is_reported_once_where_it_is_written() {
    let site = copy_of("clean");
    let appeal = site.path().join("content/oproep/2020-12-21.md");
    let text = std::fs::read_to_string(&appeal).unwrap();
    // A call's text is shown on the appeal and on the home page.
    write(
        site.path(),
        "content/oproep/2020-12-21.md",
        &text.replace("(/voorbeelden/)", "(/voorbeeldn/)"),
    );
    let (_, found) = problems(site.path(), &[]);
    assert_eq!(
        places(&found),
        [place("error", "content/oproep/2020-12-21.md", 8)]
    );
}

#[test]
fn drafts_count_only_with_drafts() {
    let site = copy_of("clean");
    write(
        site.path(),
        "content/concept.md",
        "---\ntitle: Concept\ndescription: Nog niet af.\ndraft: true\n---\nTekst.\n",
    );
    write(
        site.path(),
        "content/index.md",
        "---\ntitle: Controle\ndescription: De startpagina.\n---\nZie [het concept](/concept/).\n",
    );
    let (out, found) = problems(site.path(), &[]);
    assert!(!out.status.success());
    assert_eq!(places(&found), [place("error", "content/index.md", 5)]);
    let (out, found) = problems(site.path(), &["--drafts"]);
    assert!(out.status.success());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn two_pages_with_one_url_are_reported_with_both_files() {
    let site = copy_of("clean");
    let about = std::fs::read_to_string(site.path().join("content/over.md")).unwrap();
    write(site.path(), "content/Over.md", &about);
    let (out, found) = problems(site.path(), &[]);
    assert!(!out.status.success());
    assert_eq!(found.len(), 1, "{found:#?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("two pages have the URL /over/"),
        "{message}"
    );
    // Both files, relative to the site's folder.
    let files = [found[0]["file"].as_str().unwrap(), message];
    assert!(
        files.iter().any(|f| f.contains("content/Over.md")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.contains("content/over.md")),
        "{files:?}"
    );
    assert!(
        !message.contains(site.path().to_str().unwrap()),
        "{message}"
    );
}

#[test]
fn a_broken_link_made_by_the_theme_points_at_the_template() {
    let site = copy_of("clean");
    std::fs::create_dir_all(site.path().join("themes/default/templates")).unwrap();
    write(
        site.path(),
        "themes/default/templates/sign.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1><h2 id=\"adres\">Adres</h2>\
         <a href=\"{{ site.base_path }}nergens/\">weg</a>{% endblock main %}",
    );
    let (_, found) = problems(site.path(), &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["file"], "themes/default/templates/sign.html");
    assert_eq!(found[0]["line"], Value::Null);
    assert_eq!(
        found[0]["message"],
        "link to a page that does not exist: /nergens/"
    );
    assert!(
        found[0]["hint"]
            .as_str()
            .unwrap()
            .contains("template sign.html")
    );
}

#[test]
fn links_work_the_way_static_hosts_serve_them() {
    let site = copy_of("clean");
    // `/over` is redirected to `/over/` by static hosts; `#top` is the top of any page.
    write(
        site.path(),
        "content/index.md",
        "---\ntitle: Controle\ndescription: De startpagina.\n---\n\
         [over](/over) [anker](/over#wie-wij-zijn) [boven](#top) [thuis](./) [css](/static/style.css)\n\n\
         [weg](/nergens) [stuk](/over#nergens)\n",
    );
    let (_, found) = problems(site.path(), &[]);
    assert_eq!(
        places(&found),
        [
            place("error", "content/index.md", 7),
            place("error", "content/index.md", 7),
        ]
    );
    assert_eq!(
        found[0]["message"],
        "link to a page that does not exist: /nergens"
    );
    assert_eq!(
        found[1]["message"],
        "link to an anchor that does not exist: /over#nergens"
    );
}

/// A tiny HTTP server: `/ok` works, `/missing` is gone, `/slow` answers too late,
/// `/head-refused` answers only GET. Returns its port and the requests it saw.
fn serve() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || answer(stream, &log));
        }
    });
    (port, seen)
}

fn answer(mut stream: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    reader.read_line(&mut request).unwrap();
    let mut header = String::new();
    while reader.read_line(&mut header).unwrap_or(0) > 0 && header.trim() != "" {
        header.clear();
    }
    let mut parts = request.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock().unwrap().push(format!("{method} {path}"));
    let status = match (method, path) {
        (_, "/ok") => "200 OK",
        ("HEAD", "/head-refused") => "405 Method Not Allowed",
        ("GET", "/head-refused") => "200 OK",
        (_, "/slow") => {
            std::thread::sleep(Duration::from_secs(5));
            "200 OK"
        }
        _ => "404 Not Found",
    };
    let body = if method == "HEAD" { "" } else { "ok" };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{body}"
    );
}

#[test]
fn external_links_are_requested_with_a_timeout() {
    let (port, seen) = serve();
    let site = copy_of("clean");
    let base = format!("http://127.0.0.1:{port}");
    write(
        site.path(),
        "content/extern.md",
        &format!(
            "---\ntitle: Extern\ndescription: Links naar elders.\n---\n\
             [werkt]({base}/ok#deel)\n\n\
             [weg]({base}/missing)\n\n\
             [traag]({base}/slow)\n\n\
             [alleen GET]({base}/head-refused)\n"
        ),
    );

    // Without --external nothing is requested.
    let (out, found) = problems(site.path(), &[]);
    assert!(out.status.success() && found.is_empty(), "{found:#?}");
    assert!(seen.lock().unwrap().is_empty());

    let started = std::time::Instant::now();
    let (out, found) = problems(site.path(), &["--external", "--timeout", "1"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout is ignored"
    );
    // Dead external links are warnings: the site itself is not broken by them.
    assert!(out.status.success(), "{found:#?}");
    assert_eq!(
        places(&found),
        [
            place("warning", "content/extern.md", 7),
            place("warning", "content/extern.md", 9),
        ]
    );
    let messages: Vec<&str> = found
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            format!("external link does not work: {base}/missing (HTTP 404 Not Found)"),
            format!("external link does not work: {base}/slow (no answer within 1 s)"),
        ]
    );
    let seen = seen.lock().unwrap();
    for request in ["HEAD /ok", "HEAD /head-refused", "GET /head-refused"] {
        assert!(seen.iter().any(|r| r == request), "{request} in {seen:?}");
    }
}
