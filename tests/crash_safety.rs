//! Crash safety of `oproep sign import`: killed with SIGKILL at any moment, the signatory data
//! still parses and holds every signatory recorded before; two imports at once are serialised
//! by a lock and lose nothing.
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Site;

const EARLIER: usize = 300;
const NEW: usize = 2_000;
const TRIALS: usize = 100;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("oproep")
}

/// An mbox with `count` signing mails from distinct senders, names `{prefix} {i:05}`.
fn mbox(prefix: &str, count: usize) -> String {
    let mut text = String::with_capacity(count * 400);
    for i in 0..count {
        let address = format!("{}.{i}@example.nl", prefix.to_lowercase());
        let day = 1 + i % 28;
        text.push_str(&format!(
            "From {address} Mon Jan {day:02} 10:00:00 2021\n\
             From: {prefix} {i:05} <{address}>\n\
             To: teken@example.org\n\
             Subject: Ik teken\n\
             Date: Mon, {day:02} Feb 2021 10:00:00 +0100\n\
             Message-ID: <{prefix}-{i}@example.nl>\n\
             MIME-Version: 1.0\n\
             Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 8bit\n\
             \n\
             Ik onderteken.\n\
             \n\
             Naam: {prefix} {i:05}\n\
             Plaats: Utrecht\n\
             Mijn naam mag op de website (ja/nee): ja\n\
             \n"
        ));
    }
    text
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix} {i:05}")).collect()
}

/// The names in `content/signatories.yaml`, parsed as YAML (what a user's tools would do).
fn recorded_names(root: &Path) -> Vec<String> {
    let file = root.join("content/signatories.yaml");
    let text =
        fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let value: serde_yaml::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} does not parse as YAML: {e}", file.display()));
    value["signatories"]
        .as_sequence()
        .unwrap_or_else(|| panic!("no `signatories` list in {}", file.display()))
        .iter()
        .map(|s| s["name"].as_str().expect("a name").to_string())
        .collect()
}

fn import(root: &Path, mbox: &Path) -> std::process::Output {
    Command::new(bin())
        .args(["sign", "import"])
        .arg(mbox)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn kill_9_at_random_moments_never_loses_or_damages_the_signatory_data() {
    let started = Instant::now();
    let site = Site::new();
    let mails = tempfile::tempdir().unwrap();
    let small = mails.path().join("earlier.mbox");
    let big = mails.path().join("big.mbox");
    fs::write(&small, mbox("Eerder", EARLIER)).unwrap();
    fs::write(&big, mbox("Nieuw", NEW)).unwrap();

    let out = import(site.dir.path(), &small);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let earlier = names("Eerder", EARLIER);
    let mut first = recorded_names(site.dir.path());
    first.sort();
    assert_eq!(first, earlier);
    let content_before = listing(&site.path("content"));

    // One full import on a copy, to know the range of moments to kill at.
    let probe = tempfile::tempdir().unwrap();
    copy_dir(site.dir.path(), probe.path());
    let t = Instant::now();
    let out = import(probe.path(), &big);
    let full = t.elapsed();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let all_count = EARLIER + NEW;
    assert_eq!(recorded_names(probe.path()).len(), all_count);
    eprintln!("one full import of {NEW} mails onto {EARLIER}: {full:?}");

    // Deterministic pseudo-random delays (LCG) between 0 and the duration of a full import,
    // run four trials at a time to keep the test short.
    let mut state: u64 = 0x5eed_0f0b_0ee9;
    let span = full.as_micros().max(1) as u64;
    let delays: Vec<Duration> = (0..TRIALS)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Duration::from_micros((state >> 33) % span)
        })
        .collect();
    let earlier_set: BTreeSet<&String> = earlier.iter().collect();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let delays = &delays;
                let site = &site;
                let big = &big;
                let earlier_set = &earlier_set;
                let content_before = &content_before;
                scope.spawn(move || {
                    (w..TRIALS)
                        .step_by(4)
                        .map(|trial| {
                            trial_once(
                                trial,
                                delays[trial],
                                site.dir.path(),
                                big,
                                earlier_set,
                                content_before,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let count = |o: Outcome| outcomes.iter().filter(|&&x| x == o).count();
    let leftover_temp_files = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Before(true) | Outcome::After(true)))
        .count();
    eprintln!(
        "{TRIALS} trials: {} killed before the save, {} killed after it, {} finished before \
         the kill; {leftover_temp_files} trial(s) left a hidden content/.signatories-*.tmp \
         behind; total {:?}",
        count(Outcome::Before(false)) + count(Outcome::Before(true)),
        count(Outcome::After(false)) + count(Outcome::After(true)),
        count(Outcome::Finished),
        started.elapsed()
    );
    assert_eq!(outcomes.len(), TRIALS);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Killed before the data was saved; whether a temporary file was left behind.
    Before(bool),
    /// Killed after the data was saved; whether a temporary file was left behind.
    After(bool),
    /// The import had finished before the kill.
    Finished,
}

fn trial_once(
    trial: usize,
    delay: Duration,
    prepared: &Path,
    big: &Path,
    earlier_set: &BTreeSet<&String>,
    content_before: &BTreeSet<String>,
) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(prepared, dir.path());
    let mut child = Command::new(bin())
        .args(["sign", "import"])
        .arg(big)
        .arg("--root")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    if !killed {
        assert!(
            status.success(),
            "trial {trial}: the import failed by itself"
        );
    }

    let found = recorded_names(dir.path());
    let found_set: BTreeSet<&String> = found.iter().collect();
    let missing: Vec<&&String> = earlier_set.difference(&found_set).take(5).collect();
    assert!(
        missing.is_empty(),
        "trial {trial} (killed after {delay:?}): earlier signatories lost, e.g. {missing:?}"
    );
    let all_count = EARLIER + NEW;
    assert!(
        found.len() == EARLIER || found.len() == all_count,
        "trial {trial} (killed after {delay:?}): a partial list of {} signatories",
        found.len()
    );

    // Nothing but the data file and (hidden, skipped by the build) temporary files.
    let mut temp_left = false;
    for name in listing(&dir.path().join("content")).difference(content_before) {
        assert!(
            name.starts_with(".signatories-") && name.ends_with(".tmp"),
            "trial {trial}: stray file content/{name} left behind"
        );
        temp_left = true;
    }
    if !killed {
        assert!(
            !temp_left,
            "trial {trial}: a finished import left a temporary file"
        );
        Outcome::Finished
    } else if found.len() == EARLIER {
        Outcome::Before(temp_left)
    } else {
        Outcome::After(temp_left)
    }
}

#[test]
fn two_imports_at_once_are_serialised_by_a_lock_and_lose_nothing() {
    let site = Site::new();
    let mails = tempfile::tempdir().unwrap();
    let a = mails.path().join("a.mbox");
    let b = mails.path().join("b.mbox");
    fs::write(&a, mbox("Alfa", 1_500)).unwrap();
    fs::write(&b, mbox("Bravo", 1_500)).unwrap();
    // Make the key first, so that both imports start from the same settled state.
    let seed = mails.path().join("seed.mbox");
    fs::write(&seed, mbox("Zaad", 5)).unwrap();
    assert!(import(site.dir.path(), &seed).status.success());

    let mut rounds_with_a_refusal = 0;
    for round in 0..5 {
        let root = tempfile::tempdir().unwrap();
        copy_dir(site.dir.path(), root.path());
        let spawn = |mbox: &Path| {
            Command::new(bin())
                .args(["sign", "import"])
                .arg(mbox)
                .arg("--root")
                .arg(root.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let first = spawn(&a);
        let second = spawn(&b);
        let outputs = [
            (&a, "Alfa", first.wait_with_output().unwrap()),
            (&b, "Bravo", second.wait_with_output().unwrap()),
        ];
        let mut expected = names("Zaad", 5);
        let mut failed = Vec::new();
        for (path, prefix, out) in &outputs {
            if out.status.success() {
                expected.extend(names(prefix, 1_500));
            } else {
                let err = common::stderr(out);
                assert!(
                    err.contains("another `oproep sign` command"),
                    "round {round}: an import failed without the lock message:\n{err}"
                );
                failed.push((*path, *prefix));
            }
        }
        assert!(failed.len() < 2, "round {round}: both imports failed");
        let found: BTreeSet<String> = recorded_names(root.path()).into_iter().collect();
        for name in &expected {
            assert!(found.contains(name), "round {round}: {name} is lost");
        }
        if !failed.is_empty() {
            rounds_with_a_refusal += 1;
        }
        // Run the refused one again: then everyone is there.
        for (path, prefix) in failed {
            let out = import(root.path(), path);
            assert!(out.status.success(), "{}", common::stderr(&out));
            expected.extend(names(prefix, 1_500));
        }
        let found = recorded_names(root.path());
        assert_eq!(found.len(), expected.len(), "round {round}");
        let found: BTreeSet<String> = found.into_iter().collect();
        for name in &expected {
            assert!(
                found.contains(name),
                "round {round}: {name} is lost after the re-run"
            );
        }
    }
    eprintln!(
        "5 rounds of two imports at once; {rounds_with_a_refusal} had one refused by the lock"
    );
}
