//! `oproep serve` under load (issue 8, point 4): a campaigner who never stops saving. 1,000
//! saves in quick succession to three content files, some of them broken; the server stays up
//! and answers throughout, its memory stays bounded, and at the end it serves exactly the
//! final files without an error overlay.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::server::Server;
use common::*;

const SAVES: usize = 1000;

/// What this test asks of the server beyond the shared harness.
trait UnderLoad {
    fn assert_running(&mut self);
    fn rss_kb(&self) -> u64;
    fn drain_rebuilds(&self, counts: &mut Rebuilds);
}

impl UnderLoad for Server {
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("serve stopped: {status}");
        }
    }

    /// Resident memory in kB, from /proc.
    fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Counts the rebuild lines printed so far.
    fn drain_rebuilds(&self, counts: &mut Rebuilds) {
        while let Ok(line) = self.lines.try_recv() {
            if !line.starts_with("changed ") {
                continue;
            }
            if line.contains("build failed") {
                counts.failed += 1;
            } else {
                counts.built += 1;
            }
            // "changed FILES: 12 pages in 40.1 ms", "changed FILES: build failed in 3.2 ms; ..."
            let took = line
                .rsplit_once(" in ")
                .and_then(|(_, rest)| rest.split(" ms").next())
                .and_then(|ms| ms.parse::<f64>().ok());
            counts.ms += took.unwrap_or(0.0);
        }
    }
}

#[derive(Debug, Default)]
struct Rebuilds {
    built: usize,
    failed: usize,
    /// Time spent rebuilding, as the server reports it.
    ms: f64,
}

/// The files saved, with the page each becomes.
const FILES: [(&str, &str); 3] = [
    ("content/voorbeelden/zwemles.md", "/voorbeelden/zwemles/"),
    ("content/over.md", "/over/"),
    ("content/index.md", "/"),
];

/// A valid version of file `which`, marked with `n`.
fn valid(which: usize, n: usize) -> String {
    match which {
        0 => format!(
            "---\ntitle: Zwemles {n}\nplace: Hilversum\nactors: [gemeenten]\ncalls: [ruimte]\n---\n\
             Zwemles, versie {n}.\n"
        ),
        1 => format!("---\ntitle: Over de oproep\ntemplate: about.html\n---\nOver, versie {n}.\n"),
        _ => format!("---\ntitle: Testoproep\ndescription: Thuis\n---\nDe kern, versie {n}.\n"),
    }
}

/// A broken version: each kind of mistake a campaigner makes while typing.
fn broken(which: usize, n: usize) -> Vec<u8> {
    match n % 6 {
        0 => format!("---\ntitle: [niet gesloten {n}\n---\nKapot.\n").into_bytes(),
        1 => format!("---\ntitle: Kapot {n}\nplaats: Ede\n---\nOnbekend veld.\n").into_bytes(),
        2 => format!("---\ntitle: Kapot {n}\nNiet gesloten.\n").into_bytes(),
        3 => Vec::new(),
        4 => b"---\ntitle: \xff\xfe\n---\nGeen UTF-8.\n".to_vec(),
        _ => {
            // Half a save: the file cut off in the middle of its front matter.
            let text = valid(which, n);
            text.as_bytes()[..text.len() / 3].to_vec()
        }
    }
}

#[test]
fn a_thousand_saves_some_broken_leave_the_server_up_bounded_and_current() {
    let site = Site::new();
    let mut server = Server::start_with(&site, Stdio::null());
    let started = Instant::now();
    let mut rebuilds = Rebuilds::default();

    // A deterministic pseudo-random pause after each save: 0 to 4 ms, saves that the watcher
    // folds into one rebuild (it waits for 25 ms of quiet), or after one save in two 30 to 69 ms,
    // so that a rebuild starts and the next saves arrive while it runs.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut pause = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let ms = if seed.is_multiple_of(2) {
            30 + (seed >> 8) % 40
        } else {
            (seed >> 8) % 5
        };
        Duration::from_millis(ms)
    };

    let mut rss_start = 0;
    let mut rss_warm = 0;
    let mut rss_peak = 0;
    let mut samples = Vec::new();
    let mut broken_saves = 0;
    let mut built_at_warm = 0;
    for n in 0..SAVES {
        let which = n % FILES.len();
        let path = site.path(FILES[which].0);
        // Every eighth save is broken, but the last save of each file is valid.
        if n % 8 == 7 && n < SAVES - FILES.len() {
            std::fs::write(&path, broken(which, n)).unwrap();
            broken_saves += 1;
        } else {
            std::fs::write(&path, valid(which, n)).unwrap();
        }
        std::thread::sleep(pause());

        if n % 50 == 0 {
            server.assert_running();
            let (status, _) = server.get(FILES[which].1);
            assert_eq!(status, 200, "save {n}: the last good page is served");
            let rss = server.rss_kb();
            if n == 0 {
                rss_start = rss;
            }
            // Warm-up: by now every kind of rebuild, good and failed, has run many times
            // on every rayon thread.
            if n == 200 {
                rss_warm = rss;
                built_at_warm = rebuilds.built;
            }
            rss_peak = rss_peak.max(rss);
            samples.push(rss);
        }
        server.drain_rebuilds(&mut rebuilds);
    }
    let saving = started.elapsed();

    // The final files are served once the last rebuild is done, without an overlay.
    let deadline = Instant::now() + Duration::from_secs(20);
    'files: for (which, (_, url)) in FILES.iter().enumerate() {
        let last = (0..SAVES).rev().find(|n| n % FILES.len() == which).unwrap();
        let expected = match which {
            0 => format!("Zwemles, versie {last}."),
            1 => format!("Over, versie {last}."),
            _ => format!("De kern, versie {last}."),
        };
        loop {
            let (status, page) = server.get(url);
            if status == 200 && page.contains(&expected) && !page.contains("oproep-error") {
                continue 'files;
            }
            assert!(
                Instant::now() < deadline,
                "{url} does not show the final file ({expected}) without an error; it shows:\n{page}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    server.assert_running();
    let (_, page) = server.get("/voorbeelden/");
    assert!(!page.contains("oproep-error"), "{page}");
    let last_example = (0..SAVES).rev().find(|n| n % FILES.len() == 0).unwrap();
    assert!(page.contains(&format!("Zwemles {last_example}")), "{page}");
    // Let the allocator settle, then read the memory a last time.
    std::thread::sleep(Duration::from_millis(300));
    server.drain_rebuilds(&mut rebuilds);
    let rss_end = server.rss_kb();
    rss_peak = rss_peak.max(rss_end);

    // The size of the site a rebuild keeps in memory: what `build` writes.
    site.build_ok(&[]);
    let site_kb = snapshot(&site.path("public"))
        .values()
        .map(|bytes| bytes.len() as u64)
        .sum::<u64>()
        / 1024;
    let count = rebuilds.built + rebuilds.failed;
    eprintln!(
        "serve under load: {SAVES} saves ({broken_saves} broken) in {:.1} s, {count} rebuilds \
         ({} failed, {:.0} ms each on average), server up throughout; RSS start {} MB, after \
         warm-up {} MB, peak {} MB, end {} MB (samples every 50 saves, kB: {samples:?}); \
         site {site_kb} kB, {} successful rebuilds after warm-up; total {:.1} s",
        saving.as_secs_f64(),
        rebuilds.failed,
        rebuilds.ms / count.max(1) as f64,
        rss_start / 1024,
        rss_warm / 1024,
        rss_peak / 1024,
        rss_end / 1024,
        rebuilds.built - built_at_warm,
        started.elapsed().as_secs_f64(),
    );
    assert!(
        rebuilds.failed >= 10,
        "too few failed rebuilds to test them: {rebuilds:?}"
    );
    // A leak of the site per rebuild (its files, or the rendered site behind them) adds at least
    // the site's size for every successful rebuild after the warm-up; allocator arenas and
    // caches settle during the warm-up. The test only means something if such a leak would
    // exceed the bound.
    let allowed_kb = 4 * 1024;
    let built_after_warm = (rebuilds.built - built_at_warm) as u64;
    assert!(
        built_after_warm * site_kb > allowed_kb,
        "too few successful rebuilds after the warm-up ({built_after_warm} of a {site_kb} kB site) \
         to tell a leak from noise: {rebuilds:?}"
    );
    assert!(
        rss_end <= rss_warm + allowed_kb,
        "memory grew from {rss_warm} kB after warm-up to {rss_end} kB at the end over \
         {built_after_warm} successful rebuilds (allowed: {allowed_kb} kB): {samples:?}"
    );
}
