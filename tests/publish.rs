//! Ready-made publishing: the repository's GitHub Actions workflow and GitLab CI file, and the
//! ones `oproep init` writes, are valid YAML and run the build; the binary is one
//! self-contained file that says its version.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_yaml::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

/// The README's build command: the first line of its first `sh` block, without the comment.
fn readme_build_command() -> String {
    let readme = read(&Path::new(ROOT).join("README.md"));
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("a ```sh block in README.md");
    let line = block.lines().next().unwrap();
    let command = line.split('#').next().unwrap().trim().to_string();
    assert!(
        command.ends_with(" build"),
        "not a build command: {command}"
    );
    command
}

fn string<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Every `run` of every step of every job of a GitHub Actions workflow, with its job.
fn github_runs(workflow: &Value) -> Vec<(String, String)> {
    let jobs = workflow
        .get("jobs")
        .and_then(Value::as_mapping)
        .expect("jobs");
    let mut runs = Vec::new();
    for (name, job) in jobs {
        for step in job
            .get("steps")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(run) = string(step, "run") {
                runs.push((name.as_str().unwrap().to_string(), run.to_string()));
            }
        }
    }
    runs
}

/// Every `uses` of every step, with its `with:` block.
fn github_uses(workflow: &Value) -> Vec<(String, Value)> {
    let mut uses = Vec::new();
    for job in workflow["jobs"].as_mapping().unwrap().values() {
        for step in job
            .get("steps")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(action) = string(step, "uses") {
                let with = step.get("with").cloned().unwrap_or(Value::Null);
                uses.push((action.to_string(), with));
            }
        }
    }
    uses
}

/// What both GitHub workflows must do to publish on GitHub Pages; returns the build line.
fn check_github_pages(path: &Path, build: &str) -> String {
    let workflow = yaml(path);
    let what = path.display();
    // `on:` is a key, not the YAML 1.1 boolean.
    let on = workflow.get("on").expect("on:");
    assert!(on.get("push").is_some(), "{what}: runs on push");
    let permissions = &workflow["permissions"];
    assert_eq!(string(permissions, "pages"), Some("write"), "{what}");
    assert_eq!(string(permissions, "id-token"), Some("write"), "{what}");
    let uses = github_uses(&workflow);
    let action = |name: &str| {
        uses.iter()
            .find(|(u, _)| u.starts_with(&format!("{name}@")))
            .unwrap_or_else(|| panic!("{what}: no step uses {name}"))
            .1
            .clone()
    };
    action("actions/checkout");
    action("dtolnay/rust-toolchain");
    action("actions/configure-pages");
    action("actions/deploy-pages");
    assert_eq!(
        string(&action("actions/upload-pages-artifact"), "path"),
        Some("public"),
        "{what}: uploads public/"
    );
    let deploy = workflow["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .find(|job| {
            job.get("steps")
                .and_then(Value::as_sequence)
                .is_some_and(|s| {
                    s.iter().any(|s| {
                        string(s, "uses").is_some_and(|u| u.starts_with("actions/deploy-pages@"))
                    })
                })
        })
        .unwrap();
    assert_eq!(
        string(&deploy["environment"], "name"),
        Some("github-pages"),
        "{what}"
    );
    let runs = github_runs(&workflow);
    let (_, line) = runs
        .iter()
        .find(|(_, run)| run.contains(build))
        .unwrap_or_else(|| panic!("{what}: no step runs `{build}`: {runs:?}"));
    // The address comes from GitHub Pages, through the environment (not pasted into the script).
    assert!(line.contains("--base-url \"$PAGES_URL\""), "{what}: {line}");
    line.clone()
}

/// What both GitLab CI files must do to publish on GitLab Pages; returns the script.
fn check_gitlab_pages(path: &Path, build: &str) -> Vec<String> {
    let ci = yaml(path);
    let what = path.display();
    let job = ci
        .get("pages")
        .unwrap_or_else(|| panic!("{what}: no `pages` job"));
    assert!(
        string(job, "image").is_some_and(|i| i.starts_with("rust")),
        "{what}"
    );
    let paths: Vec<&str> = job["artifacts"]["paths"]
        .as_sequence()
        .expect("artifacts.paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        paths.contains(&"public") || paths.contains(&"public/"),
        "{what}: {paths:?}"
    );
    let rules = serde_yaml::to_string(&job["rules"]).unwrap();
    assert!(
        rules.contains("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
        "{what}: only on the default branch: {rules}"
    );
    let script: Vec<String> = job["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .map(|line| line.as_str().unwrap().to_string())
        .collect();
    let line = script
        .iter()
        .find(|line| line.contains(build))
        .unwrap_or_else(|| panic!("{what}: the script does not run `{build}`: {script:?}"));
    assert!(
        line.contains("--base-url \"$CI_PAGES_URL\""),
        "{what}: {line}"
    );
    script
}

#[test]
fn the_repositorys_workflows_run_the_readmes_build_command() {
    let build = readme_build_command();
    assert_eq!(build, "cargo run --release -- build");
    let root = Path::new(ROOT);
    check_github_pages(&root.join(".github/workflows/pages.yml"), &build);
    check_gitlab_pages(&root.join(".gitlab-ci.yml"), &build);
}

/// The files `oproep init` writes, in a new site.
fn init_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("campagne");
    let out = oproep().arg("init").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, site)
}

#[test]
fn init_writes_workflows_that_install_oproep_and_build() {
    let (_dir, site) = init_site();
    // A campaign has no Rust source: the workflows install oproep, then run `oproep build`.
    let line = check_github_pages(&site.join(".github/workflows/pages.yml"), "oproep build");
    assert!(line.starts_with("oproep build"), "{line}");
    let workflow = yaml(&site.join(".github/workflows/pages.yml"));
    let runs = github_runs(&workflow);
    let install = runs
        .iter()
        .position(|(_, run)| run.contains("cargo install --locked"))
        .expect("a step installs oproep");
    let build = runs
        .iter()
        .position(|(_, run)| run.contains("oproep build"))
        .unwrap();
    assert!(install < build, "{runs:?}");

    let script = check_gitlab_pages(&site.join(".gitlab-ci.yml"), "oproep build");
    let install = script
        .iter()
        .position(|l| l.starts_with("cargo install --locked") && l.ends_with(" oproep"))
        .expect("the script installs oproep");
    let build = script
        .iter()
        .position(|l| l.starts_with("oproep build"))
        .unwrap();
    assert!(install < build, "{script:?}");

    // Netlify: the build command and the folder to publish.
    let netlify = read(&site.join("netlify.toml"));
    assert!(netlify.contains("[build]"), "{netlify}");
    assert!(netlify.contains("publish = \"public\""), "{netlify}");
    let command = netlify_command(&netlify);
    assert!(
        command.starts_with("cargo install --locked oproep && oproep build"),
        "{command}"
    );

    // The site is still one that builds as it is, and the new files are not published.
    let out = oproep()
        .arg("build")
        .arg("--root")
        .arg(&site)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.join("public/index.html").exists());
    for entry in walkdir::WalkDir::new(site.join("public")) {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !matches!(
                name.as_str(),
                "pages.yml" | ".gitlab-ci.yml" | "netlify.toml"
            ),
            "{name} is published"
        );
    }
}

/// `command = '...'` from the `[build]` table of a netlify.toml.
fn netlify_command(toml: &str) -> String {
    let line = toml
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("command"))
        .expect("a build command");
    let value = line.split_once('=').unwrap().1.trim();
    let quote = value.chars().next().expect("a value");
    assert!(matches!(quote, '\'' | '"'), "{line}");
    value
        .strip_prefix(quote)
        .and_then(|v| v.strip_suffix(quote))
        .unwrap_or_else(|| panic!("unbalanced quotes: {line}"))
        .to_string()
}

#[test]
fn the_publishing_guide_matches_the_files() {
    let root = Path::new(ROOT);
    let guide = read(&root.join("docs/publishing.md"));
    for needle in [
        "cargo install --path .",
        "cargo run --release -- build",
        ".github/workflows/pages.yml",
        ".gitlab-ci.yml",
        "netlify.toml",
        "python3 -m http.server --directory public",
        "--base-url http://127.0.0.1:8000/",
        "oproep serve",
        "oproep --version",
    ] {
        assert!(
            guide.contains(needle),
            "docs/publishing.md does not mention {needle}"
        );
    }
    // The Netlify build command in the guide is the one `oproep init` writes.
    let (_dir, site) = init_site();
    let command = netlify_command(&read(&site.join("netlify.toml")));
    assert!(
        guide.contains(&command),
        "docs/publishing.md does not give the Netlify command `{command}`"
    );
}

#[test]
fn version_prints_the_cargo_version() {
    let out = oproep().arg("--version").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("oproep {}", env!("CARGO_PKG_VERSION"))
    );
}

/// One binary: copied on its own to an empty folder, far from the source, it creates and
/// builds a site with the theme it carries.
#[test]
fn the_binary_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir
        .path()
        .join(format!("oproep{}", std::env::consts::EXE_SUFFIX));
    fs::copy(assert_cmd::cargo::cargo_bin("oproep"), &binary).unwrap();
    let run = |args: &[&str]| {
        // Another test thread forking while the copy was open can leave it "busy" (ETXTBSY)
        // for a moment: try again briefly.
        let mut tries = 0;
        let out = loop {
            match std::process::Command::new(&binary)
                .args(args)
                .current_dir(dir.path())
                .env_remove("CARGO_MANIFEST_DIR")
                .output()
            {
                Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        };
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["init", "site"]);
    run(&["build", "--root", "site"]);
    let public = dir.path().join("site/public");
    for file in ["index.html", "static/style.css", "404.html"] {
        assert!(public.join(file).is_file(), "{file}");
    }
    assert!(!dir.path().join("site/themes").exists());
    // The release profile makes that one file small and fast.
    let cargo = read(&Path::new(ROOT).join("Cargo.toml"));
    let release = cargo
        .split("[profile.release]")
        .nth(1)
        .expect("a [profile.release] in Cargo.toml");
    let release = release.split("\n[").next().unwrap();
    assert!(release.contains("lto = true"), "{release}");
    assert!(release.contains("codegen-units = 1"), "{release}");
}
