//! Hostile names and paths in `content/`: each is handled or refused with a clear message
//! naming the file, and nothing is written outside the output folder.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Site, snapshot, stderr};

/// Every file of the site except the output folder `public/`.
fn outside_output(site: &Site) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(site.dir.path())
        .into_iter()
        .filter(|(p, _)| !p.starts_with("public"))
        .collect()
}

/// Runs the binary with a time limit; a hang is a failure.
fn run_with_timeout(binary: &Path, args: &[&std::ffi::OsStr], limit: Duration) -> (bool, String) {
    let mut child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.success(), err);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("oproep {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn names_with_spaces_and_non_ascii_letters_build_to_slugified_urls() {
    let site = Site::new();
    site.write(
        "content/voorbeelden/Zwemles in Hilversum é.md",
        "---\ntitle: Zwemles in Hilversum\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\n---\nTekst.\n",
    );
    site.write(
        "content/Über uns.md",
        "---\ntitle: Über uns\n---\nWie wij zijn.\n",
    );
    site.build_ok(&[]);
    for page in [
        "public/voorbeelden/zwemles-in-hilversum-e/index.html",
        "public/uber-uns/index.html",
    ] {
        assert!(site.path(page).is_file(), "{page} is missing");
    }
}

#[test]
fn dot_dot_in_links_and_sources_reads_and_writes_nothing_outside() {
    let site = Site::new();
    site.write(
        "content/voorbeelden/zwemles.md",
        "---\ntitle: Zwemles\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\nsource: {title: Bron, url: \"../../../../etc/passwd\"}\n---\n![x](../../../../etc/passwd)\n\n[weg](../../../../../tmp/x)\n",
    );
    site.write(
        "content/over.md",
        "---\ntitle: Over\n---\n![x](/../../../../etc/passwd) en ![y](../../../../etc/shadow)\n",
    );
    let before = outside_output(&site);
    let out = site.build(&[]);
    // Handled or refused, both are fine; but nothing changes outside public/.
    assert_eq!(
        before,
        outside_output(&site),
        "the build changed files outside public/"
    );
    if out.status.success() {
        // Only links were written; the file itself was not read into the site.
        for (path, bytes) in snapshot(&site.path("public")) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("root:x:0:0"),
                "/etc/passwd was copied into public/{}",
                path.display()
            );
        }
    } else {
        let err = stderr(&out);
        assert!(
            err.contains("zwemles.md") || err.contains("over.md"),
            "{err}"
        );
    }
}

#[test]
fn a_template_path_with_dot_dot_is_refused_naming_the_file() {
    let site = Site::new();
    site.write(
        "content/over.md",
        "---\ntitle: Over\ntemplate: ../../../../../../etc/passwd\n---\nTekst.\n",
    );
    let before = outside_output(&site);
    let out = site.build(&[]);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "a template outside the theme was accepted"
    );
    assert!(
        err.contains("over.md"),
        "the message does not name the file:\n{err}"
    );
    assert!(!err.contains("root:x:0:0"), "/etc/passwd was read:\n{err}");
    assert_eq!(before, outside_output(&site));
    assert!(!site.path("public").exists());
}

#[test]
fn output_at_the_site_root_or_at_content_is_refused_and_content_survives() {
    let site = Site::new();
    let root = site.dir.path().to_path_buf();
    for target in [
        root.clone(),
        root.join("content"),
        root.join("content/voorbeelden"),
    ] {
        let before = snapshot(&root.join("content"));
        let out = site.build(&["--output", target.to_str().unwrap()]);
        let after = snapshot(&root.join("content"));
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "CONTENT CHANGED OR DELETED by --output {}",
            target.display()
        );
        assert_eq!(
            before,
            after,
            "content changed by --output {}",
            target.display()
        );
        assert!(
            !out.status.success(),
            "--output {} was accepted",
            target.display()
        );
        assert!(
            stderr(&out).contains("would replace the site's own files"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn output_at_content_is_refused_even_when_content_holds_an_index_html() {
    // A campaigner may keep a hand-made `index.html` among the content files (it is copied as
    // an asset). Then `--output content` looks like a previous build.
    let site = Site::new();
    site.write("content/index.html", "<p>eigen pagina</p>\n");
    let content = site.path("content");
    let before = snapshot(&content);
    let out = site.build(&["--output", content.to_str().unwrap()]);
    let after = if content.is_dir() {
        snapshot(&content)
    } else {
        BTreeMap::new()
    };
    let lost: Vec<&PathBuf> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    assert!(
        lost.is_empty(),
        "CONTENT DELETED by --output content (exit {:?}): lost {lost:?}\n{}",
        out.status.code(),
        stderr(&out)
    );
    assert!(!out.status.success(), "--output content was accepted");
}

#[test]
fn a_symlink_loop_in_content_does_not_hang_the_build() {
    let site = Site::new();
    std::os::unix::fs::symlink(".", site.path("content/voorbeelden/loop")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", site.path("content/geheim.txt")).unwrap();
    let root = site.dir.path().as_os_str();
    let (ok, err) = run_with_timeout(
        &assert_cmd::cargo::cargo_bin("oproep"),
        &["build".as_ref(), "--root".as_ref(), root],
        Duration::from_secs(20),
    );
    if ok {
        assert!(site.path("public/voorbeelden/zwemles/index.html").is_file());
        assert!(!site.path("public/voorbeelden/loop").exists());
        assert!(
            !site.path("public/geheim.txt").exists(),
            "a symlink to a file outside content/ was published"
        );
    } else {
        assert!(
            err.contains("loop"),
            "the message does not name the path:\n{err}"
        );
    }
}

#[test]
fn a_non_utf8_markdown_file_is_refused_naming_the_file_and_line() {
    let site = Site::new();
    let mut bytes = b"---\ntitle: Kapot\n---\nEerste regel.\nCaf".to_vec();
    bytes.extend([0xe9, b'\n']); // Latin-1 "é"
    fs::write(site.path("content/kapot.md"), bytes).unwrap();
    let out = site.build(&[]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("kapot.md:5"),
        "file and line not named:\n{err}"
    );
    assert!(err.contains("UTF-8"), "{err}");
}

#[test]
fn a_very_large_markdown_file_builds_or_is_refused_in_bounded_time() {
    // 100 MB takes about a minute in a debug build; use the release binary when it is up to
    // date, else 20 MB with the debug binary.
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/oproep");
    let fresh = release.is_file() && {
        let built = fs::metadata(&release).and_then(|m| m.modified()).unwrap();
        walkdir::WalkDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
            .into_iter()
            .filter_map(|e| e.ok())
            .all(|e| e.metadata().unwrap().modified().unwrap() <= built)
    };
    let (binary, megabytes) = if fresh {
        (release, 100)
    } else {
        (assert_cmd::cargo::cargo_bin("oproep"), 20)
    };
    let site = Site::new();
    let paragraph = "Dit is een alinea met **vet** en een [link](https://example.org/) erin, \
                     herhaald om de pagina groot te maken.\n\n";
    let mut text = String::from("---\ntitle: Groot\n---\n");
    while text.len() < megabytes * 1024 * 1024 {
        text.push_str(paragraph);
    }
    site.write("content/groot.md", &text);
    drop(text);
    let started = Instant::now();
    let root = site.dir.path().as_os_str();
    let (ok, err) = run_with_timeout(
        &binary,
        &["build".as_ref(), "--root".as_ref(), root],
        Duration::from_secs(120),
    );
    eprintln!(
        "{megabytes} MB markdown file with {}: {} in {:?}",
        binary.display(),
        if ok { "built" } else { "refused" },
        started.elapsed()
    );
    if ok {
        let page = fs::metadata(site.path("public/groot/index.html")).unwrap();
        assert!(page.len() > (megabytes * 1024 * 1024) as u64);
    } else {
        assert!(
            err.contains("groot.md"),
            "the message does not name the file:\n{err}"
        );
    }
}

#[test]
fn an_empty_content_folder_is_refused_naming_site_yaml_and_init() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("content")).unwrap();
    let out = common::oproep()
        .arg("build")
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("content/site.yaml"), "{err}");
    assert!(err.contains("oproep init"), "{err}");
    assert!(!dir.path().join("public").exists());
}
