//! Signing: importing real mail files into the signatory data, and what the site shows of it.

mod common;

use std::fs;
use std::path::PathBuf;

use common::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Runs `oproep sign ARGS --root SITE` and returns (success, stdout, stderr).
fn sign(site: &Site, args: &[&str]) -> (bool, String, String) {
    let out = oproep()
        .arg("sign")
        .args(args)
        .arg("--root")
        .arg(site.dir.path())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn import(site: &Site, files: &[&str], extra: &[&str]) -> String {
    let mut args = vec!["import".to_string()];
    args.extend(files.iter().map(|f| fixture(f).display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, stdout, stderr) = sign(site, &args);
    assert!(ok, "import failed:\n{stderr}");
    stdout
}

/// The report line for the mail whose origin contains `origin`.
fn line<'a>(report: &'a str, origin: &str) -> &'a str {
    let found: Vec<&str> = report.lines().filter(|l| l.contains(origin)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one line for {origin} in:\n{report}"
    );
    found[0]
}

fn data(site: &Site) -> serde_yaml::Value {
    serde_yaml::from_str(&fs::read_to_string(site.path("content/signatories.yaml")).unwrap())
        .unwrap()
}

fn names(site: &Site) -> Vec<String> {
    data(site)["signatories"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn import_reports_every_mail_and_records_no_address() {
    let site = Site::new();
    let report = import(&site, &["inbox.mbox", "xss.eml"], &[]);
    assert!(
        line(&report, "message 1").starts_with("skipped"),
        "{report}"
    );
    assert!(
        line(&report, "message 1").contains("later mail"),
        "{report}"
    );
    assert!(line(&report, "message 2").starts_with("added"), "{report}");
    assert!(line(&report, "message 2").contains("Piet Pietersen"));
    assert!(line(&report, "message 3").starts_with("added"), "{report}");
    assert!(
        line(&report, "message 4").starts_with("rejected"),
        "{report}"
    );
    assert!(
        line(&report, "message 4").to_lowercase().contains("name"),
        "{report}"
    );
    assert!(line(&report, "xss.eml").starts_with("added"), "{report}");
    assert!(
        report.contains("3 added, 0 updated, 0 withdrawn, 1 skipped, 1 rejected"),
        "{report}"
    );

    let text = fs::read_to_string(site.path("content/signatories.yaml")).unwrap();
    assert!(!text.contains('@'), "an address in the data:\n{text}");
    assert!(!text.to_lowercase().contains("example.nl"));
    let all = data(&site);
    let jan = all["signatories"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Jan Jansen")
        .unwrap();
    // The later mail (other letter case, same address) counts: with function and consent.
    assert_eq!(jan["function"], "opbouwwerker");
    assert_eq!(jan["publish"], true);
    assert_eq!(jan["date"], "2021-01-13");
    assert_eq!(
        names(&site).iter().filter(|n| *n == "Jan Jansen").count(),
        1
    );
    // The key that recognises senders is private: outside content/ and never published.
    assert!(site.path(".oproep/signing.key").is_file());
}

#[test]
fn importing_the_same_export_twice_changes_nothing() {
    let site = Site::new();
    import(&site, &["inbox.mbox", "xss.eml"], &[]);
    let before = fs::read(site.path("content/signatories.yaml")).unwrap();
    let report = import(&site, &["inbox.mbox", "xss.eml"], &[]);
    assert!(
        report.contains("0 added, 0 updated, 0 withdrawn, 4 skipped, 1 rejected"),
        "{report}"
    );
    assert!(
        line(&report, "message 3").contains("already recorded"),
        "{report}"
    );
    assert_eq!(
        fs::read(site.path("content/signatories.yaml")).unwrap(),
        before
    );
}

#[test]
fn a_withdrawal_removes_the_signatory_for_good() {
    let site = Site::new();
    import(&site, &["inbox.mbox"], &[]);
    assert!(names(&site).contains(&"Piet Pietersen".to_string()));
    let report = import(&site, &["withdraw.eml"], &[]);
    assert!(
        line(&report, "withdraw.eml").starts_with("withdrawn"),
        "{report}"
    );
    assert!(!names(&site).contains(&"Piet Pietersen".to_string()));
    // The old signing mail, imported again, does not sign them up again.
    let report = import(&site, &["inbox.mbox"], &[]);
    assert!(line(&report, "message 2").contains("withdrawn"), "{report}");
    assert!(!names(&site).contains(&"Piet Pietersen".to_string()));
    assert!(names(&site).contains(&"Jan Jansen".to_string()));
}

#[test]
fn dry_run_writes_nothing() {
    let site = Site::new();
    let report = import(&site, &["inbox.mbox", "xss.eml"], &["--dry-run"]);
    assert!(report.contains("3 added"), "{report}");
    assert!(report.contains("dry run"), "{report}");
    assert!(!site.path("content/signatories.yaml").exists());
    assert!(!site.path(".oproep").exists());
}

#[test]
fn a_second_import_while_one_runs_stops_with_a_clear_message() {
    let site = Site::new();
    fs::create_dir_all(site.path(".oproep")).unwrap();
    let lock = fs::File::create(site.path(".oproep/signatories.lock")).unwrap();
    lock.lock().unwrap();
    let (ok, _, stderr) = sign(&site, &["import", fixture("inbox.mbox").to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("another `oproep sign` command"), "{stderr}");
    assert!(!site.path("content/signatories.yaml").exists());
    drop(lock);
    import(&site, &["inbox.mbox"], &[]);
    assert!(site.path("content/signatories.yaml").exists());
}

#[test]
fn the_site_names_only_those_who_consented_and_escapes_names() {
    let site = Site::new();
    import(&site, &["inbox.mbox", "xss.eml"], &[]);
    site.build_ok(&[]);
    let page = site.html("public/ondertekenaars/index.html");
    let main = text(&select(&page, "main")[0]);
    assert!(main.contains("Jan Jansen"), "{main}");
    assert!(
        !main.contains("Piet Pietersen"),
        "a name without consent is shown"
    );
    assert!(main.contains("en 1 ander die"), "{main}");
    assert!(
        main.contains("<script>alert('naam')</script>"),
        "the name is not shown as text"
    );
    assert!(select(&page, "main script, main img, main svg[onload]").is_empty());
    let count = text(&select(&page, ".count-number")[0]);
    assert_eq!(count, "3");
    let home = site.html("public/index.html");
    assert_eq!(text(&select(&home, ".count-number")[0]), "3");

    // The data file the filters load holds names as JSON strings, nothing else.
    let chunk = fs::read_to_string(site.path("public/ondertekenaars/data/0.json")).unwrap();
    let rows: Vec<Vec<String>> = serde_json::from_str(&chunk).unwrap();
    assert!(
        rows.iter()
            .any(|r| r[0] == "<script>alert('naam')</script><img src=x onerror=alert(1)>")
    );
    assert!(!rows.iter().any(|r| r[0] == "Piet Pietersen"));

    // No address anywhere in the site but the signing address.
    for file in walkdir::WalkDir::new(site.path("public"))
        .into_iter()
        .map(|e| e.unwrap())
    {
        if file.file_type().is_file() {
            let text = String::from_utf8_lossy(&fs::read(file.path()).unwrap()).into_owned();
            for needle in ["example.nl", "example.net", "EXAMPLE.NL"] {
                assert!(
                    !text.contains(needle),
                    "{} contains {needle}",
                    file.path().display()
                );
            }
        }
    }
}

#[test]
fn add_and_remove_by_hand() {
    let site = Site::new();
    let (ok, out, err) = sign(
        &site,
        &[
            "add",
            "Els de Vries",
            "--place",
            "Gouda",
            "--publish",
            "--date",
            "2021-03-01",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("added Els de Vries"));
    let (ok, _, err) = sign(&site, &["add", "els de vries", "--place", "gouda"]);
    assert!(!ok);
    assert!(err.contains("already signed"), "{err}");
    sign(&site, &["add", "Els de Vries", "--place", "Delft"]);
    let (ok, _, err) = sign(&site, &["remove", "Els de Vries"]);
    assert!(!ok);
    assert!(err.contains("--place"), "{err}");
    let (ok, out, err) = sign(&site, &["remove", "Els de Vries", "--place", "Delft"]);
    assert!(ok, "{err}");
    assert!(out.contains("removed Els de Vries"));
    assert_eq!(names(&site), ["Els de Vries"]);
    assert_eq!(data(&site)["signatories"][0]["place"], "Gouda");
}

#[test]
fn remove_by_address_recognises_any_letter_case() {
    let site = Site::new();
    import(&site, &["inbox.mbox"], &[]);
    let (ok, out, err) = sign(&site, &["remove", "--email", "Jan.Jansen@Example.nl"]);
    assert!(ok, "{err}");
    assert!(out.contains("removed Jan Jansen"));
    assert!(!names(&site).contains(&"Jan Jansen".to_string()));
}
