//! The benchmark of oproep: generates deterministic synthetic sites in oproep's own content
//! format, times the release binary on them as whole processes, and compares with Hugo.
//!
//! ```text
//! cargo run --release --example bench -- build --examples 2000 --signatories 50000 [--runs 5]
//! cargo run --release --example bench -- real [--runs 20]
//! cargo run --release --example bench -- import [--mails 50000] [--runs 3]
//! cargo run --release --example bench -- hugo --examples 2000 --signatories 50000 [--runs 5]
//! cargo run --release --example bench -- all
//! ```
//!
//! Everything is printed as plain text, one figure per line, so that it can be pasted into an
//! issue. What each figure means is in bench/README.md.
//!
//! Only std and crates oproep already depends on: the generator uses a tiny LCG instead of a
//! random crate, peak memory comes from GNU time (`/usr/bin/time -f %M`), and the reload
//! events of `oproep serve` are read with ureq.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "\
usage: cargo run --release --example bench -- COMMAND [OPTIONS]

commands:
  build --examples N --signatories M [--runs R=5]
        full build, pages per second, peak memory, size of public/, rebuild after changing
        one example and after adding one signatory, and the same two through `oproep serve`
  real [--runs R=20]
        full build of a copy of the repository's own content/
  import [--mails N=50000] [--runs R=3]
        `oproep sign import` of an mbox with N signing mails
  hugo --examples N --signatories M [--runs R=5]
        the same synthetic site built by oproep and by Hugo, interleaved run by run
  all   real, build 2000/50000, build 10000/100000, import 50000, hugo 2000/50000,
        then one summary table with the targets";

/// Where reload events must arrive within, before a serve measurement counts as failed.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// After a reload event, how long to wait for stray extra reloads before the next change.
const SETTLE: Duration = Duration::from_millis(400);
/// Runs under /usr/bin/time for peak memory, separate from the timed runs.
const MEMORY_RUNS: usize = 3;
/// Seed of the generator: the same arguments always give the same site.
const SEED: u64 = 0x6f70_726f_6570;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = run(&args);
    empty_trash();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench: error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Err("no command given".into());
    };
    if command == "--help" || command == "-h" || command == "help" {
        println!("{USAGE}");
        return Ok(());
    }
    // Check the arguments before the release build, which can take minutes.
    let job = Job::parse(command, &Options::parse(rest)?)?;
    let mut repo = Repo::locate();
    repo.build_release()?;
    repo.pin_binary()?;
    repo.print_header()?;
    match job {
        Job::Build {
            examples,
            signatories,
            runs,
        } => {
            bench_build(&repo, examples, signatories, runs)?;
        }
        Job::Real { runs } => {
            bench_real(&repo, runs)?;
        }
        Job::Import { mails, runs } => {
            bench_import(&repo, mails, runs)?;
        }
        Job::Hugo {
            examples,
            signatories,
            runs,
        } => {
            bench_hugo(&repo, examples, signatories, runs)?;
        }
        Job::All => bench_all(&repo)?,
    }
    Ok(())
}

/// What to measure, from the command line.
enum Job {
    Build {
        examples: usize,
        signatories: usize,
        runs: usize,
    },
    Real {
        runs: usize,
    },
    Import {
        mails: usize,
        runs: usize,
    },
    Hugo {
        examples: usize,
        signatories: usize,
        runs: usize,
    },
    All,
}

impl Job {
    fn parse(command: &str, options: &Options) -> Result<Job> {
        let job = match command {
            "build" | "hugo" => {
                options.allow(&["examples", "signatories", "runs"])?;
                let (examples, signatories, runs) = (
                    options.required("examples")?,
                    options.required("signatories")?,
                    options.runs(5)?,
                );
                if command == "build" {
                    Job::Build {
                        examples,
                        signatories,
                        runs,
                    }
                } else {
                    Job::Hugo {
                        examples,
                        signatories,
                        runs,
                    }
                }
            }
            "real" => {
                options.allow(&["runs"])?;
                Job::Real {
                    runs: options.runs(20)?,
                }
            }
            "import" => {
                options.allow(&["mails", "runs"])?;
                Job::Import {
                    mails: options.number("mails", 50_000)?,
                    runs: options.runs(3)?,
                }
            }
            "all" => {
                options.allow(&[])?;
                Job::All
            }
            other => return Err(format!("unknown command `{other}`\n{USAGE}").into()),
        };
        Ok(job)
    }
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

/// `--name value` or `--name=value` pairs; every option of the bench is a number.
struct Options(BTreeMap<String, String>);

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut map = BTreeMap::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}`\n{USAGE}").into());
            };
            let (name, value) = match name.split_once('=') {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => {
                    let value = args.next().ok_or(format!("--{name} needs a value"))?;
                    (name.to_string(), value.clone())
                }
            };
            map.insert(name, value);
        }
        Ok(Options(map))
    }

    fn allow(&self, names: &[&str]) -> Result<()> {
        match self.0.keys().find(|k| !names.contains(&k.as_str())) {
            Some(unknown) => Err(format!("unknown option --{unknown}\n{USAGE}").into()),
            None => Ok(()),
        }
    }

    fn number(&self, name: &str, default: usize) -> Result<usize> {
        match self.0.get(name) {
            None => Ok(default),
            Some(value) => value
                .replace('_', "")
                .parse()
                .map_err(|_| format!("--{name} wants a whole number, not `{value}`").into()),
        }
    }

    /// `--runs`: at least one, since every figure is a median.
    fn runs(&self, default: usize) -> Result<usize> {
        match self.number("runs", default)? {
            0 => Err("--runs must be at least 1".into()),
            runs => Ok(runs),
        }
    }

    fn required(&self, name: &str) -> Result<usize> {
        if !self.0.contains_key(name) {
            return Err(format!("--{name} is required\n{USAGE}").into());
        }
        self.number(name, 0)
    }
}

// ---------------------------------------------------------------------------------------------
// The repository and the binary under test
// ---------------------------------------------------------------------------------------------

struct Repo {
    root: PathBuf,
    /// The binary under test: a copy of target/release/oproep once `pin_binary` ran.
    binary: PathBuf,
    /// Holds the copy; removed when the bench ends.
    pinned: Option<tempfile::TempDir>,
}

impl Repo {
    fn locate() -> Repo {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let binary = target.join("release").join("oproep");
        Repo {
            root,
            binary,
            pinned: None,
        }
    }

    fn content(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The bench times the release binary, so it makes sure it is current first.
    fn build_release(&self) -> Result<()> {
        // For repeated runs while nothing changed; the figures then say so.
        if std::env::var_os("OPROEP_BENCH_NO_BUILD").is_some() {
            println!("not building the release binary: OPROEP_BENCH_NO_BUILD is set");
            return Ok(());
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        println!("building the release binary first: cargo build --release --bin oproep");
        let status = Command::new(cargo)
            .args(["build", "--release", "--bin", "oproep"])
            .current_dir(&self.root)
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err("`cargo build --release` failed; see the messages above".into());
        }
        Ok(())
    }

    /// Measures a copy of the binary: others may run `cargo build --release` while the bench
    /// runs, and every figure of one run must come from the same binary.
    fn pin_binary(&mut self) -> Result<()> {
        if !self.binary.exists() {
            return Err(format!("{} does not exist", self.binary.display()).into());
        }
        let dir = tempfile::Builder::new()
            .prefix("oproep-bench-bin-")
            .tempdir()?;
        let copy = dir.path().join("oproep");
        copy_file(&self.binary, &copy)?;
        println!(
            "binary: {} (measured as a copy, {})",
            self.binary.display(),
            copy.display()
        );
        self.binary = copy;
        self.pinned = Some(dir);
        Ok(())
    }

    /// What was measured on what, so that figures pasted into an issue can be compared.
    fn print_header(&self) -> Result<()> {
        let version = Command::new(&self.binary).arg("--version").output()?;
        let commit = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(&self.root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        println!(
            "version: {} (commit {commit}; the working tree may hold uncommitted changes)",
            String::from_utf8_lossy(&version.stdout).trim()
        );
        println!(
            "cpus: {}",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!("date: {}", chrono::Local::now().format("%Y-%m-%d %H:%M"));
        print_load();
        let scratch = std::env::temp_dir();
        println!(
            "work folders in: {} ({}; set TMPDIR to measure elsewhere)",
            scratch.display(),
            filesystem_of(&scratch)
        );
        Ok(())
    }

    fn build_command(&self, site: &Path) -> Cmd {
        Cmd::new(&self.binary).arg("build").arg("--root").arg(site)
    }
}

// ---------------------------------------------------------------------------------------------
// Running and measuring processes
// ---------------------------------------------------------------------------------------------

/// The load average, because other work on the machine slows every figure down.
fn print_load() {
    if let Ok(text) = fs::read_to_string("/proc/loadavg") {
        let fields: Vec<&str> = text.split_whitespace().take(3).collect();
        println!("load average (1, 5, 15 min): {}", fields.join(" "));
    }
}

/// The file system a folder is on, from /proc/mounts: writing a site is mostly creating
/// folders and files, so this matters as much as the CPU.
fn filesystem_of(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [device, point, kind, ..] if dir.starts_with(point) => Some((
                    point.len(),
                    format!("{kind} on {device}, mounted at {point}"),
                )),
                _ => None,
            }
        })
        .max_by_key(|(len, _)| *len)
        .map_or_else(|| "file system unknown".into(), |(_, text)| text)
}

/// A command that can be run several times, directly or under /usr/bin/time.
#[derive(Clone)]
struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
}

impl Cmd {
    fn new(program: impl Into<PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            dir: None,
        }
    }

    fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    fn dir(mut self, dir: &Path) -> Cmd {
        self.dir = Some(dir.to_path_buf());
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).stdin(Stdio::null());
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        command
    }

    /// Runs the whole process to its end and returns its wall time and its stdout. Output is
    /// captured (not printed) so that a terminal does not slow it down.
    fn time(&self) -> Result<(Duration, String)> {
        let started = Instant::now();
        let output = self.command().output()?;
        let took = started.elapsed();
        if !output.status.success() {
            return Err(format!(
                "{} failed ({}):\n{}",
                self.describe(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            )
            .into());
        }
        Ok((took, String::from_utf8_lossy(&output.stdout).into_owned()))
    }

    /// Peak resident memory in MB, from GNU time; `None` when it is not installed. Runs apart
    /// from the timed runs, so that the extra fork of `time` never counts in a time.
    fn peak_memory_mb(&self) -> Result<Option<f64>> {
        let time = Path::new("/usr/bin/time");
        if !time.exists() {
            return Ok(None);
        }
        let report = tempfile::NamedTempFile::new()?;
        let mut wrapped = Cmd::new(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(report.path())
            .arg(&self.program);
        wrapped.args.extend(self.args.iter().cloned());
        wrapped.dir = self.dir.clone();
        wrapped.time()?;
        let text = fs::read_to_string(report.path())?;
        // The last line is %M in kilobytes; earlier lines may be notes from time itself.
        let kb: f64 = text
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .ok_or(format!("cannot read the output of /usr/bin/time: {text:?}"))?;
        Ok(Some(kb / 1024.0))
    }

    fn describe(&self) -> String {
        let mut text = self.program.display().to_string();
        for arg in &self.args {
            text.push(' ');
            text.push_str(&arg.to_string_lossy());
        }
        text
    }
}

/// Median, min and max of some durations.
#[derive(Clone, Copy)]
struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
}

impl Stats {
    fn of(times: &[Duration]) -> Stats {
        assert!(!times.is_empty(), "at least one run");
        let mut sorted = times.to_vec();
        sorted.sort();
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2
        };
        Stats {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }

    fn print(&self, what: &str) {
        println!("{what}, median: {}", ms(self.median));
        println!("{what}, min: {}", ms(self.min));
        println!("{what}, max: {}", ms(self.max));
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The median peak memory of a few runs, or `None` without GNU time.
fn peak_memory(cmd: &Cmd, before_each: &dyn Fn() -> Result<()>) -> Result<Option<f64>> {
    let mut values = Vec::new();
    for _ in 0..MEMORY_RUNS {
        before_each()?;
        match cmd.peak_memory_mb()? {
            Some(mb) => values.push(mb),
            None => {
                println!("peak memory: not measured; install GNU time: apt-get install -y time");
                return Ok(None);
            }
        }
    }
    Ok(Some(median_f64(&mut values)))
}

/// Times `runs` whole-process runs of `cmd`, calling `before_each` (untimed) before each.
fn time_runs(cmd: &Cmd, runs: usize, before_each: &dyn Fn(usize) -> Result<()>) -> Result<Stats> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        before_each(run)?;
        times.push(cmd.time()?.0);
    }
    Ok(Stats::of(&times))
}

/// Where folders go instead of being deleted while the benchmark runs.
///
/// On ext4 without a journal (as `/tmp` is on the machine these figures come from), the kernel
/// skips inodes freed in the last few seconds (minutes, while their table block is not yet
/// written) when it makes new files. After deleting a built site, making the next one then costs
/// seconds of kernel time in `find_inode_bit`, whatever program makes it: the same build of
/// 2,000 examples took 2.0 s after `rm -rf public` and 0.6 s after `mv public elsewhere`. That
/// cost comes from the benchmark's own clean-up, not from the program measured, so every folder
/// the benchmark is done with is moved here and deleted once, when the benchmark ends.
static TRASH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn trash() -> Result<&'static Path> {
    if let Some(dir) = TRASH.get() {
        return Ok(dir);
    }
    let dir = tempfile::Builder::new()
        .prefix("oproep-bench-")
        .tempdir()?
        .keep();
    Ok(TRASH.get_or_init(|| dir))
}

/// Moves `dir` (if it exists) out of the way, to be deleted when the benchmark ends.
fn set_aside(dir: &Path) -> Result<()> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let number = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match fs::rename(dir, trash()?.join(format!("set-aside-{number}"))) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot move {} aside: {e}", dir.display()).into())
        }
        _ => Ok(()),
    }
}

fn empty_trash() {
    let Some(dir) = TRASH.get() else { return };
    if std::env::var_os("OPROEP_BENCH_KEEP").is_some() {
        println!("work folders (kept): {}", dir.display());
    } else {
        let _ = fs::remove_dir_all(dir);
    }
}

/// Bytes and number of files under a folder.
fn tree_size(dir: &Path) -> (u64, usize) {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .fold((0, 0), |(bytes, files), e| {
            (bytes + e.metadata().map_or(0, |m| m.len()), files + 1)
        })
}

/// The HTML pages of a built site, as paths relative to it.
fn html_pages(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .filter_map(|e| {
            let relative = e.path().strip_prefix(dir).ok()?;
            Some(relative.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// A folder for a generated site, inside [`trash`]: deleted when the benchmark ends, or kept
/// with OPROEP_BENCH_KEEP set, to look at what was built.
struct WorkDir(PathBuf);

impl WorkDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

fn work_dir() -> Result<WorkDir> {
    let dir = tempfile::Builder::new()
        .prefix("site-")
        .tempdir_in(trash()?)?
        .keep();
    if std::env::var_os("OPROEP_BENCH_KEEP").is_some() {
        println!("work folder (kept): {}", dir.display());
    }
    Ok(WorkDir(dir))
}

/// `fs::read_to_string` with the path in the error.
fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// `fs::write` with the path in the error.
fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

/// `fs::copy` with the paths in the error.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    match fs::copy(from, to) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("cannot copy {} to {}: {e}", from.display(), to.display()).into()),
    }
}

/// The entries of a folder, with the path in the error.
fn list_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    Ok(entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry?;
        let target = to.join(entry.path().strip_prefix(from)?);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else {
            copy_file(entry.path(), &target)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Deterministic synthetic content
// ---------------------------------------------------------------------------------------------

/// A 64-bit linear congruential generator (Knuth's MMIX constants): deterministic, tiny, and
/// plenty for picking words.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // The high bits of an LCG are the random ones.
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `true` with a chance of `percent` in 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `count` different items, in the order of `items`.
    fn some_of(&mut self, items: &[String], count: usize) -> Vec<String> {
        let mut chosen = BTreeSet::new();
        while chosen.len() < count.min(items.len()) {
            chosen.insert(self.below(items.len()));
        }
        chosen.into_iter().map(|i| items[i].clone()).collect()
    }
}

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg",
    "Almere", "Breda", "Nijmegen", "Apeldoorn", "Haarlem", "Arnhem", "Enschede", "Amersfoort",
    "Zaandam", "Zwolle", "Leiden", "Maastricht", "Dordrecht", "Zoetermeer", "Ede", "Emmen",
    "Venlo", "Deventer", "Delft", "Helmond", "Hilversum", "Hengelo", "Purmerend", "Roosendaal",
    "Schiedam", "Lelystad", "Alkmaar", "Leeuwarden", "Vlaardingen", "Gouda", "Assen", "Zeist",
    "Veenendaal", "Kampen", "Culemborg", "Medemblik", "Zuidplas", "Harderwijk", "Middelburg",
    "Oss", "Heerlen", "Sittard", "Katwijk",
];

#[rustfmt::skip]
const ORGANISATIONS: &[&str] = &[
    "Versa Welzijn", "stichting De Verbinding", "Elk Welzijn", "Welzijn Noord",
    "Buurtwerk Oost", "stichting Samen in de Wijk", "Wijkteam Centrum", "Humanitas",
    "Vluchtelingenwerk", "stichting Thuis in de Buurt", "Bibliotheek", "Sportbedrijf",
    "Stadsdorp", "MEE", "Leger des Heils", "Buurtkracht", "stichting Ouders van Betekenis",
    "Zorgcoöperatie", "Bewonersorganisatie", "Opbouwwerk Zuid",
];

#[rustfmt::skip]
const THEMES: &[&str] = &[
    "ontmoeting", "netwerken", "opvoeden", "ouders", "jongeren", "ouderen", "taal", "armoede",
    "eenzaamheid", "vrijwilligers", "participatie", "gezondheid", "sport", "cultuur", "wonen",
    "werk", "schulden", "zorg", "onderwijs", "buurtbudget", "groen", "veiligheid", "kunst",
    "mantelzorg", "inclusie",
];

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "bewoners", "buurt", "wijk", "samen", "ruimte", "vertrouwen", "gemeente", "opbouwwerker",
    "vrijwilligers", "netwerk", "ontmoeting", "initiatief", "project", "jaren", "langdurig",
    "subsidie", "gesprek", "huiskamer", "koffie", "ouders", "kinderen", "school", "sociaal",
    "werker", "organisatie", "welzijn", "steun", "elkaar", "helpen", "taal", "leren", "groep",
    "activiteit", "buurthuis", "wekelijks", "maandelijks", "verhalen", "cijfers", "resultaten",
    "waardering", "zorg", "hulp", "individueel", "collectief", "gemeenschap", "bouwen",
    "verbinden", "luisteren", "vragen", "antwoorden", "aandacht", "tijd", "geduld", "plek",
    "straat", "plein", "tuin", "moestuin", "keuken", "maaltijd", "feest", "markt", "sport",
    "zwemmen", "wandelen", "fietsen", "muziek", "theater", "kunst", "bibliotheek", "buren",
    "nieuwkomers", "ouderen", "jongeren", "mantelzorgers", "professionals", "ambtenaren",
    "wethouder", "raad", "beleid", "regels", "afspraken", "prestaties", "kwaliteit",
    "eigenaarschap", "zeggenschap", "gelijkwaardig", "partner", "samenwerking", "vertrouwd",
    "dichtbij", "laagdrempelig", "open", "warm", "eerlijk", "praktisch", "klein", "groot",
    "nieuw", "oud", "goed", "beter", "sterk", "kwetsbaar", "veerkrachtig", "betrokken",
    "actief", "creatief", "met", "voor", "door", "in", "op", "bij", "naar", "van", "over",
    "zonder", "tussen", "na", "de", "het", "een", "en", "of", "maar", "want", "dus", "ook",
    "nog", "al", "niet", "wel", "veel", "weinig", "meer", "minder", "vaak", "soms", "altijd",
    "nooit", "hier", "daar",
];

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Anna", "Bram", "Carla", "Daan", "Eline", "Fatima", "Gerrit", "Hanna", "Ibrahim", "Joke",
    "Karim", "Lotte", "Mohamed", "Nina", "Omar", "Petra", "Quinten", "Rosa", "Sander",
    "Tamara", "Umut", "Vera", "Willem", "Yasmina", "Zoë", "Anouk", "Bas", "Chantal", "Dirk",
    "Esther", "Fleur", "Gijs", "Hatice", "Inge", "Jeroen", "Kees", "Linda", "Marco", "Noor",
    "René",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
    "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
    "Yilmaz", "El Amrani", "Öztürk", "Bouali", "Kaya", "Nguyen", "Pinas", "Sedney", "Tahiri",
    "Wolters", "Koster", "Prins", "Huisman", "Postma", "Kuiper", "Veenstra", "Kramer",
    "van Dam", "Schouten", "Willems", "Hoekstra", "Boersma", "Evers", "Keita", "Chatouani",
    "Moerbeek", "Bruinsma", "Thesingh", "Bouchataoui", "Verhoeven",
];

#[rustfmt::skip]
const FUNCTIONS: &[&str] = &[
    "opbouwwerker", "sociaal werker", "buurtwerker", "docent", "student", "directeur",
    "beleidsmedewerker", "vrijwilliger", "bewoner", "coördinator", "teamleider", "onderzoeker",
    "wijkverpleegkundige", "jongerenwerker", "ouderenadviseur", "raadslid",
];

#[rustfmt::skip]
const CATEGORIES: &[&str] = &[
    "Sociaal werker", "Bewoner", "Vrijwilliger", "Organisatie", "Onderzoek en onderwijs",
];

/// What the generated examples refer to: the real actors and the calls of the current appeal.
struct BaseContent {
    dir: PathBuf,
    actors: Vec<String>,
    calls: Vec<String>,
}

impl BaseContent {
    fn read(repo: &Repo) -> Result<BaseContent> {
        let dir = repo.content();
        let mut actors: Vec<String> = list_dir(&dir.join("actoren"))?
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .filter(|name| name.ends_with(".md") && !name.starts_with('_'))
            .map(|name| name.trim_end_matches(".md").to_string())
            .collect();
        actors.sort();
        let calls = current_calls(&dir.join("oproep"))?;
        Ok(BaseContent { dir, actors, calls })
    }
}

/// The call ids of the appeal version with the newest `date:`.
fn current_calls(appeal_dir: &Path) -> Result<Vec<String>> {
    let mut newest: Option<(String, Vec<String>)> = None;
    for path in list_dir(appeal_dir)? {
        if path.extension().is_none_or(|x| x != "md") {
            continue;
        }
        let text = read_text(&path)?;
        let (front, _) =
            split_front_matter(&text).ok_or(format!("no front matter in {}", path.display()))?;
        let meta: serde_yaml::Value = serde_yaml::from_str(front)?;
        let date = yaml_str(&meta, "date");
        let ids = meta["calls"]
            .as_sequence()
            .map(|calls| calls.iter().map(|c| yaml_str(c, "id")).collect())
            .unwrap_or_default();
        // YYYY-MM-DD compares correctly as text.
        if newest.as_ref().is_none_or(|(d, _)| date > *d) {
            newest = Some((date, ids));
        }
    }
    newest
        .map(|(_, ids)| ids)
        .ok_or_else(|| "content/oproep/ has no version of the appeal".into())
}

fn yaml_str(value: &serde_yaml::Value, key: &str) -> String {
    match &value[key] {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Splits `---\nfront\n---\nbody` into front matter and body.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.find("\n---")?;
    let front = &rest[..end + 1];
    let after = &rest[end + 4..];
    let body = after.split_once('\n').map_or("", |(_, body)| body);
    Some((front, body))
}

struct Example {
    slug: String,
    title: String,
    description: String,
    place: &'static str,
    organisation: Option<&'static str>,
    actors: Vec<String>,
    calls: Vec<String>,
    themes: Vec<String>,
    /// Title and maybe URL.
    source: Option<(String, Option<String>)>,
    date: NaiveDate,
    body: String,
}

struct Signatory {
    name: String,
    function: Option<&'static str>,
    organisation: Option<&'static str>,
    place: Option<&'static str>,
    date: NaiveDate,
    category: Option<&'static str>,
    publish: bool,
    highlight: bool,
}

/// A generated site: the examples and signatories, written out by the two site writers.
struct Synthetic {
    examples: Vec<Example>,
    signatories: Vec<Signatory>,
}

impl Synthetic {
    fn generate(base: &BaseContent, examples: usize, signatories: usize) -> Synthetic {
        let mut rng = Lcg(SEED);
        let themes: Vec<String> = THEMES.iter().map(|t| t.to_string()).collect();
        let examples = (0..examples)
            .map(|i| synth_example(&mut rng, base, &themes, i))
            .collect();
        let signatories = (0..signatories)
            .map(|i| synth_signatory(&mut rng, i))
            .collect();
        Synthetic {
            examples,
            signatories,
        }
    }

    /// The names of the signatories list pages: published, not highlighted.
    fn listed_names(&self) -> usize {
        self.signatories
            .iter()
            .filter(|s| s.publish && !s.highlight)
            .count()
    }

    /// The signatory file as `oproep sign` writes it (oproep's own writer).
    fn signatories_yaml(&self) -> String {
        let data = oproep::signing::store::SignatoryData {
            signatories: self.signatories.iter().map(Signatory::to_model).collect(),
            ..Default::default()
        };
        signatory_file(&data)
    }
}

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 12, 21).expect("a valid date")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn sentence(rng: &mut Lcg, words: usize) -> String {
    let mut text = capitalise(rng.pick(WORDS));
    for i in 1..words {
        // Now and then a comma or an emphasised word, as in real prose.
        if i % 7 == 0 && rng.chance(40) {
            text.push(',');
        }
        text.push(' ');
        if rng.chance(3) {
            let _ = write!(text, "*{}*", rng.pick(WORDS));
        } else {
            text.push_str(rng.pick(WORDS));
        }
    }
    text.push('.');
    text
}

fn paragraph(rng: &mut Lcg) -> String {
    let sentences = 3 + rng.below(3);
    (0..sentences)
        .map(|_| {
            let words = 8 + rng.below(9);
            sentence(rng, words)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// About 2 KB of markdown: paragraphs, a heading, a list and a link.
fn example_body(rng: &mut Lcg, slug: &str) -> String {
    let mut body = paragraph(rng);
    body.push_str("\n\n## ");
    body.push_str(&capitalise(rng.pick(WORDS)));
    body.push(' ');
    body.push_str(rng.pick(WORDS));
    body.push_str("\n\n");
    body.push_str(&paragraph(rng));
    body.push_str("\n\n");
    for _ in 0..3 + rng.below(3) {
        let words = 4 + rng.below(6);
        body.push_str("- ");
        body.push_str(&sentence(rng, words));
        body.push('\n');
    }
    let _ = write!(
        body,
        "\nMeer over dit voorbeeld staat op [de site van het project](https://example.org/{slug}/). {}\n",
        paragraph(rng)
    );
    while body.len() < 2000 {
        body.push('\n');
        body.push_str(&paragraph(rng));
        body.push('\n');
    }
    body
}

fn synth_example(rng: &mut Lcg, base: &BaseContent, themes: &[String], i: usize) -> Example {
    let slug = format!("voorbeeld-{:05}", i + 1);
    let place = rng.pick(PLACES);
    let organisation = rng.chance(80).then(|| rng.pick(ORGANISATIONS));
    let title = format!(
        "{} {} in {place} ({})",
        capitalise(rng.pick(WORDS)),
        rng.pick(WORDS),
        i + 1
    );
    let description_words = 12 + rng.below(8);
    // A description is plain text: no markdown emphasis.
    let description = sentence(rng, description_words).replace('*', "");
    let actor_count = 1 + rng.below(3);
    let actors = rng.some_of(&base.actors, actor_count);
    let call_count = rng.below(3);
    let calls = rng.some_of(&base.calls, call_count);
    let theme_count = 1 + rng.below(3);
    let themes = rng.some_of(themes, theme_count);
    let source = match rng.below(10) {
        0..5 => Some((
            format!("Verslag over {slug}"),
            Some(format!("https://example.org/bron/{slug}")),
        )),
        5..7 => Some((format!("Gesprek met {}", rng.pick(FIRST_NAMES)), None)),
        _ => None,
    };
    let date = start_date() + chrono::Days::new((i % 700) as u64);
    let body = example_body(rng, &slug);
    Example {
        slug,
        title,
        description,
        place,
        organisation,
        actors,
        calls,
        themes,
        source,
        date,
        body,
    }
}

fn synth_signatory(rng: &mut Lcg, i: usize) -> Signatory {
    let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
    Signatory {
        name,
        function: rng.chance(85).then(|| rng.pick(FUNCTIONS)),
        organisation: rng.chance(60).then(|| rng.pick(ORGANISATIONS)),
        place: rng.chance(80).then(|| rng.pick(PLACES)),
        date: start_date() + chrono::Days::new(rng.below(500) as u64),
        category: if i < 5 {
            Some("Initiatiefnemer")
        } else {
            rng.chance(70).then(|| rng.pick(CATEGORIES))
        },
        publish: i < 5 || rng.chance(70),
        highlight: i < 5,
    }
}

impl Signatory {
    fn to_model(&self) -> oproep::model::Signatory {
        oproep::model::Signatory {
            name: self.name.clone(),
            function: self.function.map(String::from),
            organisation: self.organisation.map(String::from),
            place: self.place.map(String::from),
            date: self.date,
            category: self.category.map(String::from),
            publish: self.publish,
            highlight: self.highlight,
            sender: None,
        }
    }
}

/// The text of a signatory file, as `oproep sign` writes it: YAML that is also JSON.
fn signatory_file(data: &oproep::signing::store::SignatoryData) -> String {
    let text = oproep::signing::store::to_text(data).expect("signatories serialize");
    format!("# Synthetic signatories of the oproep benchmark (examples/bench.rs).\n{text}")
}

fn yaml_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// An example in oproep's format (docs/handleiding.md, chapter 4).
fn example_markdown(e: &Example) -> String {
    let mut text = String::from("---\n");
    let _ = writeln!(text, "title: \"{}\"", e.title);
    let _ = writeln!(text, "description: \"{}\"", e.description);
    let _ = writeln!(text, "place: \"{}\"", e.place);
    if let Some(organisation) = e.organisation {
        let _ = writeln!(text, "organisation: \"{organisation}\"");
    }
    let _ = writeln!(text, "actors: {}", yaml_list(&e.actors));
    if !e.calls.is_empty() {
        let _ = writeln!(text, "calls: {}", yaml_list(&e.calls));
    }
    let _ = writeln!(text, "themes: {}", yaml_list(&e.themes));
    if let Some((title, url)) = &e.source {
        let _ = writeln!(text, "source:\n  title: \"{title}\"");
        if let Some(url) = url {
            let _ = writeln!(text, "  url: \"{url}\"");
        }
    }
    let _ = writeln!(text, "date: {}", e.date);
    text.push_str("---\n");
    text.push_str(&e.body);
    text
}

/// Writes the synthetic site in oproep's format into `root/content/`: the real settings,
/// home, about page, appeal and actors, and the generated examples and signatories.
fn write_oproep_site(root: &Path, base: &BaseContent, site: &Synthetic) -> Result<u64> {
    let content = root.join("content");
    fs::create_dir_all(content.join("voorbeelden"))?;
    for file in ["site.yaml", "index.md", "people.yaml", "over.md"] {
        copy_file(&base.dir.join(file), &content.join(file))?;
    }
    for dir in ["oproep", "actoren"] {
        copy_tree(&base.dir.join(dir), &content.join(dir))?;
    }
    // The examples overview needs its introduction.
    copy_file(
        &base.dir.join("voorbeelden/_index.md"),
        &content.join("voorbeelden/_index.md"),
    )?;
    let mut markdown_bytes = 0;
    for example in &site.examples {
        let text = example_markdown(example);
        markdown_bytes += text.len() as u64;
        write_file(
            &content.join(format!("voorbeelden/{}.md", example.slug)),
            text,
        )?;
    }
    write_file(&content.join("signatories.yaml"), site.signatories_yaml())?;
    Ok(markdown_bytes)
}

fn generate_into(
    root: &Path,
    base: &BaseContent,
    examples: usize,
    signatories: usize,
) -> Result<Synthetic> {
    let started = Instant::now();
    let site = Synthetic::generate(base, examples, signatories);
    let markdown = write_oproep_site(root, base, &site)?;
    let yaml = fs::metadata(root.join("content/signatories.yaml"))?.len();
    println!(
        "generated site: {examples} examples ({} of markdown), {signatories} signatories ({} of YAML), in {}",
        mb(markdown),
        mb(yaml),
        ms(started.elapsed())
    );
    Ok(site)
}

// ---------------------------------------------------------------------------------------------
// bench build / bench real
// ---------------------------------------------------------------------------------------------

/// A line of the summary table of `bench all`.
struct Row {
    what: String,
    figure: String,
    target: Option<String>,
    met: Option<bool>,
}

impl Row {
    fn info(what: impl Into<String>, figure: impl Into<String>) -> Row {
        Row {
            what: what.into(),
            figure: figure.into(),
            target: None,
            met: None,
        }
    }

    /// A time with a target of at most `limit_ms`.
    fn time(what: impl Into<String>, took: Duration, limit_ms: f64) -> Row {
        let value = took.as_secs_f64() * 1000.0;
        Row {
            what: what.into(),
            figure: ms(took),
            target: Some(format!("<= {limit_ms} ms")),
            met: Some(value <= limit_ms),
        }
    }
}

/// How long full builds run untimed before the timed ones. After a pause this machine's CPUs
/// take a second or so to come up to speed: the real site's first 20 builds after two idle
/// minutes took 12.6 ms (median), the next 20 11.6 ms, then 9.6 to 10.9 ms.
const WARM_UP: Duration = Duration::from_secs(1);

/// Full builds from scratch: `public/` is moved aside (untimed) before each run.
fn full_builds(repo: &Repo, site: &Path, runs: usize) -> Result<(Stats, Option<f64>)> {
    let build = repo.build_command(site);
    let public = site.join("public");
    // Untimed builds first, at least one and for at least WARM_UP: they fill the page cache,
    // as on a machine where one works, and bring the CPUs up to speed.
    let started = Instant::now();
    loop {
        set_aside(&public)?;
        build.time()?;
        if started.elapsed() >= WARM_UP {
            break;
        }
    }
    let stats = time_runs(&build, runs, &|_| set_aside(&public))?;
    let memory = peak_memory(&build, &|| set_aside(&public))?;
    // Leave a built site behind for the figures that look at public/.
    set_aside(&public)?;
    build.time()?;
    Ok((stats, memory))
}

/// Prints the full-build figures; returns the times, the peak memory and the number of pages.
fn report_full_build(repo: &Repo, site: &Path, runs: usize) -> Result<(Stats, Option<f64>, usize)> {
    let (stats, memory) = full_builds(repo, site, runs)?;
    let public = site.join("public");
    let pages = html_pages(&public).len();
    let (bytes, files) = tree_size(&public);
    stats.print(&format!("full build ({runs} runs, whole process)"));
    println!("pages: {pages} HTML files");
    println!(
        "pages per second: {:.0}",
        pages as f64 / stats.median.as_secs_f64()
    );
    match memory {
        Some(mb) => println!("peak memory (median of {MEMORY_RUNS} runs): {mb:.1} MB"),
        None => println!("peak memory: not measured"),
    }
    println!(
        "public/: {} ({bytes} bytes) in {files} files",
        self::mb(bytes)
    );
    Ok((stats, memory, pages))
}

fn bench_real(repo: &Repo, runs: usize) -> Result<Vec<Row>> {
    println!();
    println!("== real: the repository's own content/, {runs} runs ==");
    print_load();
    let dir = work_dir()?;
    copy_tree(&repo.content(), &dir.path().join("content"))?;
    let (stats, memory, pages) = report_full_build(repo, dir.path(), runs)?;
    print_machine_reference(repo, runs)?;
    let mut rows = vec![Row::time(
        format!("real site ({pages} pages): full build"),
        stats.median,
        10.0,
    )];
    if let Some(mb) = memory {
        rows.push(Row::info("real site: peak memory", format!("{mb:.1} MB")));
    }
    let reload = real_site_reload(repo, dir.path(), runs)?;
    rows.push(Row::time(
        "real site: serve, example saved -> reload".to_string(),
        reload.median,
        30.0,
    ));
    Ok(rows)
}

/// What the same build costs on this machine at this moment, measured right after it: a
/// small site's build is mostly starting a process, faulting in fresh memory and making files,
/// and on a virtual machine those move by half from one hour to the next. With these beside
/// it, two runs of the real site can be told apart by the machine or by oproep.
fn print_machine_reference(repo: &Repo, runs: usize) -> Result<()> {
    let start = time_runs(&Cmd::new(&repo.binary).arg("--version"), runs, &|_| Ok(()))?;
    println!(
        "machine reference: `oproep --version` (process start and exit), median: {}",
        ms(start.median)
    );
    #[cfg(target_os = "linux")]
    if let Some(threads) = thread_reference(runs) {
        let (n, alone) = (threads.threads, threads.alone.as_secs_f64());
        println!(
            "machine reference: the same CPU work on 1 thread and on each of {n} threads, each bound to a CPU of its own, median: {} and {} ({:.2}x the throughput of one)",
            ms(threads.alone),
            ms(threads.bound),
            n as f64 * alone / threads.bound.as_secs_f64()
        );
        println!(
            "machine reference: the same CPU work on each of {n} threads started for it, median: {} ({:.2}x the throughput of one)",
            ms(threads.started),
            n as f64 * alone / threads.started.as_secs_f64()
        );
    } else {
        println!(
            "machine reference: threads not measured: this process's CPUs cannot be read or a thread cannot be bound to one"
        );
    }
    #[cfg(target_os = "linux")]
    {
        const PAGES: usize = 1024;
        let per_page: Vec<Duration> = (0..runs).map(|_| touch_fresh_pages(PAGES)).collect();
        println!(
            "machine reference: first write to a fresh 4 KiB page, median of {runs} x {PAGES} pages: {:.2} µs",
            Stats::of(&per_page).median.as_secs_f64() * 1e6
        );
    }
    Ok(())
}

/// How this machine runs threads, as medians over runs of a fixed piece of CPU work (about
/// 2 ms). `bound` against `started` tells the CPUs apart from the scheduler: a guest kernel
/// that packs new threads onto a busy CPU until it next balances its load (the machine these
/// figures come from does) runs threads started for a short job one after another, although
/// its CPUs can run them side by side.
#[cfg(target_os = "linux")]
struct ThreadReference {
    /// As many threads as there are CPUs.
    threads: usize,
    /// The work on one thread bound to a CPU.
    alone: Duration,
    /// The work on each of `threads` threads at once, each bound to a CPU of its own and all
    /// running before it starts: what the CPUs can do.
    bound: Duration,
    /// The work on each of `threads` threads at once, starting them included: what a program
    /// that starts threads for a short job gets.
    started: Duration,
}

/// `None` where this process's CPUs cannot be read or a thread cannot be bound to one.
#[cfg(target_os = "linux")]
fn thread_reference(runs: usize) -> Option<ThreadReference> {
    // Never inlined: every measurement runs the same machine code. Inlined, it compiled
    // differently where bound threads ran it, and took 1.0 ms there against 1.7 ms elsewhere.
    #[inline(never)]
    fn work() -> u64 {
        (0..3_000_000u64).fold(0, |sum, i| std::hint::black_box(sum.wrapping_add(i * i)))
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpus = allowed_cpus()?;
    let cpus = cpus.get(..threads)?;
    let (mut alone, mut bound, mut started) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        alone.push(on_bound_threads(&cpus[..1], work)?);
        bound.push(on_bound_threads(cpus, work)?);
        let clock = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| std::hint::black_box(work()));
            }
        });
        started.push(clock.elapsed());
    }
    Some(ThreadReference {
        threads,
        alone: Stats::of(&alone).median,
        bound: Stats::of(&bound).median,
        started: Stats::of(&started).median,
    })
}

/// The CPUs this process may run on.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Option<Vec<usize>> {
    // SAFETY: `cpu_set_t` is plain bits, zero is the empty set, and the call gets its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) != 0 {
            return None;
        }
        Some(
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
                .collect(),
        )
    }
}

/// The time `work` takes on a thread for each of `cpus` at once, each bound to its CPU and
/// spinning until all are running: the slowest thread's. `None` if a thread cannot be bound,
/// so that an unbound time is never printed as a bound one.
#[cfg(target_os = "linux")]
fn on_bound_threads(cpus: &[usize], work: fn() -> u64) -> Option<Duration> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let running = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = cpus
            .iter()
            .map(|&cpu| {
                let running = &running;
                scope.spawn(move || {
                    // SAFETY: a set of one CPU, as above; binds only the calling thread.
                    let bound = unsafe {
                        let mut set: libc::cpu_set_t = std::mem::zeroed();
                        libc::CPU_SET(cpu, &mut set);
                        libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) == 0
                    };
                    // Counted even when unbound, so that no other thread spins forever.
                    running.fetch_add(1, Ordering::SeqCst);
                    while running.load(Ordering::SeqCst) < cpus.len() {
                        std::hint::spin_loop();
                    }
                    let clock = Instant::now();
                    std::hint::black_box(work());
                    bound.then(|| clock.elapsed())
                })
            })
            .collect();
        let times: Option<Vec<Duration>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        times?.into_iter().max()
    })
}

/// The time per page to write once into each of `pages` pages the kernel has just mapped:
/// the page fault that every first touch of memory costs.
#[cfg(target_os = "linux")]
fn touch_fresh_pages(pages: usize) -> Duration {
    const PAGE: usize = 4096;
    let len = pages * PAGE;
    // SAFETY: a private anonymous mapping of `len` bytes, written only within its bounds and
    // unmapped before returning; no other code sees it.
    unsafe {
        let memory = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(memory, libc::MAP_FAILED, "mmap of {len} bytes");
        // Small pages, as a small build has them (see src/memory.rs).
        libc::madvise(memory, len, libc::MADV_NOHUGEPAGE);
        let bytes = memory.cast::<u8>();
        let started = Instant::now();
        for page in 0..pages {
            bytes.add(page * PAGE).write_volatile(1);
        }
        let took = started.elapsed();
        libc::munmap(memory, len);
        took / pages as u32
    }
}

/// `oproep serve` on the real site: from saving one example to the reload event.
fn real_site_reload(repo: &Repo, site_dir: &Path, runs: usize) -> Result<Stats> {
    let path = site_dir.join("content/voorbeelden/zwemles-hilversum.md");
    let original = read_text(&path)?;
    let mut server = Server::start(repo, site_dir)?;
    let result = (|| -> Result<Stats> {
        let events = server.reload_events()?;
        let (stats, extra, mut times) = reload_latencies(&server, &events, runs, &|run| {
            save_example(&path, &original, run + 100)
        })?;
        print_serve_figures("example saved", stats, extra, &mut times);
        Ok(stats)
    })();
    server.stop();
    write_file(&path, &original)?;
    result
}

fn bench_build(repo: &Repo, examples: usize, signatories: usize, runs: usize) -> Result<Vec<Row>> {
    println!();
    println!("== build: {examples} examples, {signatories} signatories, {runs} runs ==");
    print_load();
    let base = BaseContent::read(repo)?;
    let dir = work_dir()?;
    let site = generate_into(dir.path(), &base, examples, signatories)?;
    let (stats, memory, pages) = report_full_build(repo, dir.path(), runs)?;

    let label = format!("{examples}/{signatories}");
    let limit = if examples >= 10_000 { 1500.0 } else { 400.0 };
    let mut rows = vec![
        Row::time(format!("{label}: full build"), stats.median, limit),
        Row::info(
            format!("{label}: pages per second"),
            format!(
                "{:.0} ({pages} pages)",
                pages as f64 / stats.median.as_secs_f64()
            ),
        ),
    ];
    if let Some(mb) = memory {
        rows.push(Row {
            what: format!("{label}: peak memory"),
            figure: format!("{mb:.1} MB"),
            target: (examples <= 2000).then(|| "<= 150 MB".to_string()),
            met: (examples <= 2000).then_some(mb <= 150.0),
        });
    }

    let (example_change, signatory_added) = rebuilds(repo, dir.path(), &site, runs)?;
    rows.push(Row::info(
        format!("{label}: rebuild after changing one example"),
        ms(example_change.median),
    ));
    rows.push(Row::info(
        format!("{label}: rebuild after adding one signatory"),
        ms(signatory_added.median),
    ));

    let serve = serve_latencies(repo, dir.path(), &site, runs)?;
    rows.push(Row::time(
        format!("{label}: serve, example saved -> reload"),
        serve.example.median,
        30.0,
    ));
    rows.push(Row::time(
        format!("{label}: serve, signatory added -> reload"),
        serve.signatory.median,
        100.0,
    ));
    Ok(rows)
}

/// The file of the example that the rebuild measurements change: one in the middle.
fn changed_example(site_dir: &Path, site: &Synthetic) -> Result<(PathBuf, String)> {
    let example = site
        .examples
        .get(site.examples.len() / 2)
        .ok_or("the incremental measurements need at least one example")?;
    let path = site_dir.join(format!("content/voorbeelden/{}.md", example.slug));
    let original = read_text(&path)?;
    Ok((path, original))
}

/// Saves the example with a sentence that differs per run, as an editor would save it.
/// Saves the example with one more line; returns the moment the write began.
fn save_example(path: &Path, original: &str, run: usize) -> Result<Instant> {
    let text = format!("{original}\nAangepast in ronde {run} van de benchmark.\n");
    let saved = Instant::now();
    write_file(path, text)?;
    Ok(saved)
}

/// Adds one signatory the way `oproep sign add` does: the file read, the signatory added at
/// the end, the file written anew in oproep's format to a temporary file and renamed over the
/// old one. Returns the moment of the rename, when the new file appears.
fn add_signatory(site_dir: &Path, run: usize) -> Result<Instant> {
    let file = site_dir.join("content/signatories.yaml");
    let mut data = oproep::signing::store::parse(&fs::read_to_string(&file)?, &file)?;
    data.signatories.push(
        Signatory {
            name: format!("Nieuwe Ondertekenaar {run}"),
            function: Some("bewoner"),
            organisation: None,
            place: Some("Utrecht"),
            date: start_date() + chrono::Days::new(600),
            category: None,
            publish: true,
            highlight: false,
        }
        .to_model(),
    );
    // Hidden, as oproep's own temporary files are: a build never reads it.
    let temp = site_dir.join("content/.signatories-bench.tmp");
    write_file(&temp, signatory_file(&data))?;
    let saved = Instant::now();
    fs::rename(&temp, &file).map_err(|e| format!("cannot rename {}: {e}", temp.display()))?;
    Ok(saved)
}

/// Whole-process rebuilds with the previous public/ in place, after changing one example and
/// after adding one signatory: what a campaigner waits for after "change one thing and build
/// again" (whatever the build can reuse from the previous one, it may).
fn rebuilds(repo: &Repo, site_dir: &Path, site: &Synthetic, runs: usize) -> Result<(Stats, Stats)> {
    let build = repo.build_command(site_dir);
    let (path, original) = changed_example(site_dir, site)?;
    let example = time_runs(&build, runs, &|run| {
        save_example(&path, &original, run).map(|_| ())
    })?;
    example.print("rebuild after changing one example (whole process)");
    write_file(&path, &original)?;

    let signatory = time_runs(&build, runs, &|run| {
        add_signatory(site_dir, run).map(|_| ())
    })?;
    signatory.print("rebuild after adding one signatory (whole process)");
    Ok((example, signatory))
}

// ---------------------------------------------------------------------------------------------
// oproep serve: from a save to the reload event
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    /// The server's stdout, line by line (read on a thread so that its pipe never fills).
    lines: Receiver<String>,
    url: String,
}

impl Server {
    fn start(repo: &Repo, site_dir: &Path) -> Result<Server> {
        let started = Instant::now();
        let mut child = Command::new(&repo.binary)
            .args(["serve", "--port", "0", "--root"])
            .arg(site_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout of oproep serve")?;
        let stderr = child.stderr.take().ok_or("no stderr of oproep serve")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        // Only problems from stderr are shown: debugging output there would bury the figures.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                let lower = line.to_lowercase();
                if lower.contains("error") || lower.contains("panic") {
                    println!("serve (stderr): {line}");
                }
            }
        });
        let mut server = Server {
            child,
            lines,
            url: String::new(),
        };
        // The first build happens before the `serving` line.
        loop {
            let line = match server.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => line,
                Err(_) => {
                    server.stop();
                    return Err("oproep serve printed no `serving http://...` line".into());
                }
            };
            println!("serve: {line}");
            if let Some(rest) = line.strip_prefix("serving ") {
                server.url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                break;
            }
        }
        println!("serve: started and built in {}", ms(started.elapsed()));
        Ok(server)
    }

    /// Opens the server-sent events and reports the arrival time of each `event: reload`.
    fn reload_events(&self) -> Result<Receiver<Instant>> {
        let url = format!("{}/__oproep/events", self.url.trim_end_matches('/'));
        let response = ureq::get(&url).call()?;
        let reader = BufReader::new(response.into_body().into_reader());
        let (sender, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(|l| l.ok()) {
                // Take the time at once: this is the moment a browser would reload.
                if line.trim_end() == "event: reload" && sender.send(Instant::now()).is_err() {
                    break;
                }
            }
        });
        // The stream is subscribed once its headers came; give the server a moment anyway.
        std::thread::sleep(Duration::from_millis(200));
        Ok(events)
    }

    /// Drops what the server printed so far.
    fn skip_log(&self) {
        while self.lines.try_recv().is_ok() {}
    }

    /// The server's own time for the next rebuild, from its line
    /// `changed ...: N pages in X ms`; it prints that line just after the reload event.
    fn next_rebuild_time(&self) -> Option<f64> {
        let deadline = Instant::now() + RELOAD_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            if line.contains("failed") {
                println!("serve: {line}");
                return None;
            }
            let took = line
                .rsplit_once(" in ")
                .and_then(|(_, t)| t.strip_suffix(" ms"))
                .and_then(|t| t.parse().ok());
            if took.is_some() {
                return took;
            }
        }
    }

    /// Ctrl-C, as a person stops it; kills it if it does not stop within five seconds.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        println!("serve: did not stop within 5 s of SIGINT; killed");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct ServeLatencies {
    example: Stats,
    signatory: Stats,
}

/// `runs` times: make a change, wait for the reload event; returns the latencies and how many
/// extra reload events came after the first one (a save should cause exactly one).
fn reload_latencies(
    server: &Server,
    events: &Receiver<Instant>,
    runs: usize,
    change: &dyn Fn(usize) -> Result<Instant>,
) -> Result<(Stats, usize, Vec<f64>)> {
    let mut latencies = Vec::with_capacity(runs);
    let mut extra = 0;
    let mut rebuild_times = Vec::new();
    for run in 0..runs {
        while events.try_recv().is_ok() {}
        server.skip_log();
        // From the moment the change reaches the disk, not from preparing it.
        let saved = change(run)?;
        let arrived = match events.recv_timeout(RELOAD_TIMEOUT) {
            Ok(at) => at,
            Err(RecvTimeoutError::Timeout) => {
                return Err(
                    format!("no reload event within {RELOAD_TIMEOUT:?} of a change").into(),
                );
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err("the event stream of oproep serve closed".into());
            }
        };
        latencies.push(arrived.saturating_duration_since(saved));
        rebuild_times.extend(server.next_rebuild_time());
        // Stray reloads of the same save would spoil the next measurement: count and drop them.
        std::thread::sleep(SETTLE);
        extra += events.try_iter().count();
    }
    Ok((Stats::of(&latencies), extra, rebuild_times))
}

fn print_serve_figures(what: &str, stats: Stats, extra: usize, rebuild_times: &mut [f64]) {
    stats.print(&format!("serve: {what} -> reload event"));
    if !rebuild_times.is_empty() {
        println!(
            "serve: {what}, the server's own rebuild time (its log), median: {:.1} ms",
            median_f64(rebuild_times)
        );
    }
    println!("serve: {what}, extra reload events: {extra}");
}

fn serve_latencies(
    repo: &Repo,
    site_dir: &Path,
    site: &Synthetic,
    runs: usize,
) -> Result<ServeLatencies> {
    let mut server = Server::start(repo, site_dir)?;
    let result = (|| -> Result<ServeLatencies> {
        let events = server.reload_events()?;
        let (path, original) = changed_example(site_dir, site)?;
        let (example, extra, mut times) = reload_latencies(&server, &events, runs, &|run| {
            save_example(&path, &original, run + 100)
        })?;
        print_serve_figures("example saved", example, extra, &mut times);
        let (signatory, extra, mut times) = reload_latencies(&server, &events, runs, &|run| {
            add_signatory(site_dir, run + 100)
        })?;
        print_serve_figures("signatory added", signatory, extra, &mut times);
        write_file(&path, &original)?;
        Ok(ServeLatencies { example, signatory })
    })();
    server.stop();
    result
}

// ---------------------------------------------------------------------------------------------
// bench import
// ---------------------------------------------------------------------------------------------

const SIGNING_BODY: &str = "Hierbij onderteken ik de oproep \"Meer ruimte voor community building en een andere focus op het sociaal beleid\".";
const WITHDRAW_BODY: &str = "Ik trek mijn ondertekening van de oproep in. Verwijder mijn naam.";

/// What kinds of mail the mbox holds.
#[derive(Default)]
struct MboxCounts {
    signing: usize,
    again: usize,
    withdrawals: usize,
}

/// One mail of the mbox, with its `From ` separator line.
fn push_mail(mbox: &mut String, i: usize, address: &str, subject: &str, body: &str) {
    let start = NaiveDate::from_ymd_opt(2021, 1, 4).expect("a valid date");
    let sent = (start + chrono::Days::new((i / 250) as u64))
        .and_hms_opt(9 + (i % 10) as u32, (i % 60) as u32, (i * 7 % 60) as u32)
        .expect("a valid time");
    let _ = writeln!(
        mbox,
        "From {address} {}",
        sent.format("%a %b %e %H:%M:%S %Y")
    );
    let _ = writeln!(mbox, "From: {address}");
    let _ = writeln!(mbox, "To: kathinka.bruinsma@eigenwijsindewijk.nl");
    let _ = writeln!(mbox, "Subject: {subject}");
    let _ = writeln!(mbox, "Date: {} +0100", sent.format("%a, %d %b %Y %H:%M:%S"));
    let _ = writeln!(mbox, "Message-ID: <bench-{i}@example.org>");
    let _ = writeln!(mbox, "MIME-Version: 1.0");
    let _ = writeln!(mbox, "Content-Type: text/plain; charset=utf-8");
    let _ = writeln!(mbox, "Content-Transfer-Encoding: 8bit");
    mbox.push('\n');
    mbox.push_str(body);
    mbox.push_str("\n\n");
}

fn signing_body(rng: &mut Lcg, name: &str) -> String {
    let function = rng.pick(FUNCTIONS);
    let organisation = if rng.chance(60) {
        rng.pick(ORGANISATIONS)
    } else {
        ""
    };
    let place = rng.pick(PLACES);
    let consent = if rng.chance(70) { "ja" } else { "nee" };
    format!(
        "{SIGNING_BODY}\n\nNaam: {name}\nFunctie: {function}\nOrganisatie: {organisation}\n\
         Plaats: {place}\nMijn naam mag op de website (ja/nee): {consent}\n\nMet vriendelijke groet,\n{name}"
    )
}

/// `mails` mails from distinct senders, except that every 500th signs again from an earlier
/// address and every 1000th withdraws an earlier signature (subject "Intrekken").
fn write_mbox(path: &Path, mails: usize) -> Result<MboxCounts> {
    let mut rng = Lcg(SEED ^ 0x6d62_6f78);
    let mut mbox = String::with_capacity(mails * 520);
    let mut counts = MboxCounts::default();
    let mut senders: Vec<(String, String)> = Vec::with_capacity(mails);
    for i in 0..mails {
        if i % 1000 == 999 {
            let address = senders[i - 100].0.clone();
            push_mail(&mut mbox, i, &address, "Intrekken", WITHDRAW_BODY);
            counts.withdrawals += 1;
            senders.push((address, String::new()));
        } else if i % 500 == 499 {
            let (address, name) = senders[i - 250].clone();
            let body = signing_body(&mut rng, &name);
            push_mail(&mut mbox, i, &address, "Ik onderteken de oproep", &body);
            counts.again += 1;
            senders.push((address, name));
        } else {
            let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
            let address = format!("ondertekenaar{i}@example.org");
            let body = signing_body(&mut rng, &name);
            push_mail(&mut mbox, i, &address, "Ik onderteken de oproep", &body);
            counts.signing += 1;
            senders.push((address, name));
        }
    }
    write_file(path, mbox)?;
    Ok(counts)
}

fn bench_import(repo: &Repo, mails: usize, runs: usize) -> Result<Vec<Row>> {
    println!();
    println!("== import: an mbox with {mails} signing mails, {runs} runs ==");
    print_load();
    let dir = work_dir()?;
    let mbox = dir.path().join("ondertekeningen.mbox");
    let counts = write_mbox(&mbox, mails)?;
    println!(
        "mbox: {} with {} first signatures, {} from a sender who signed before, {} withdrawals",
        mb(fs::metadata(&mbox)?.len()),
        counts.signing,
        counts.again,
        counts.withdrawals
    );
    let mut times = Vec::with_capacity(runs);
    let mut summary = String::new();
    let mut memory = Vec::new();
    for run in 0..runs + MEMORY_RUNS {
        // A fresh copy of the real site each run: an import changes signatories.yaml.
        let site = dir.path().join(format!("site-{run}"));
        copy_tree(&repo.content(), &site.join("content"))?;
        let import = Cmd::new(&repo.binary)
            .arg("sign")
            .arg("import")
            .arg(&mbox)
            .arg("--root")
            .arg(&site);
        if run < runs {
            let (took, stdout) = import.time()?;
            times.push(took);
            summary = stdout.lines().last().unwrap_or_default().to_string();
        } else if let Some(mb) = import.peak_memory_mb()? {
            memory.push(mb);
        }
        set_aside(&site)?;
    }
    let stats = Stats::of(&times);
    stats.print("sign import (whole process)");
    println!("report summary: {summary}");
    if !memory.is_empty() {
        println!(
            "peak memory (median of {MEMORY_RUNS} runs): {:.1} MB",
            median_f64(&mut memory)
        );
    }
    Ok(vec![Row::time(
        format!("sign import of {mails} mails"),
        stats.median,
        2000.0,
    )])
}

// ---------------------------------------------------------------------------------------------
// bench hugo: the same site built by Hugo
// ---------------------------------------------------------------------------------------------

/// Which optional kinds of page the oproep under test makes, so the Hugo site makes them too.
struct PageKinds {
    print: bool,
    search: bool,
    changes: bool,
    facets: bool,
}

impl PageKinds {
    fn of(pages: &BTreeSet<String>) -> PageKinds {
        PageKinds {
            print: pages.contains("ondertekenaars/afdrukken/index.html"),
            search: pages.contains("zoeken/index.html"),
            changes: pages.contains("oproep/wijzigingen/index.html"),
            facets: pages.iter().any(|p| {
                ["actor/", "oproep/", "plaats/", "thema/"]
                    .iter()
                    .any(|f| p.starts_with(&format!("voorbeelden/{f}")))
            }),
        }
    }
}

fn hugo_version() -> Option<String> {
    let output = Command::new("hugo").arg("version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// RFC 6068 `mailto:` with everything but unreserved characters percent-encoded.
fn mailto(address: &str, subject: &str, body: &str) -> String {
    fn encode(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(byte as char);
            } else {
                let _ = write!(out, "%{byte:02X}");
            }
        }
        out
    }
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "mailto:{address}?subject={}&body={}",
        encode(subject),
        encode(&body)
    )
}

/// Front matter and body of a content file, as a YAML mapping.
fn read_page(path: &Path) -> Result<(serde_yaml::Mapping, String)> {
    let text = read_text(path)?;
    let (front, body) =
        split_front_matter(&text).ok_or(format!("no front matter in {}", path.display()))?;
    let meta: serde_yaml::Mapping = serde_yaml::from_str(front)?;
    Ok((meta, body.to_string()))
}

fn write_page(path: &Path, meta: &serde_yaml::Mapping, body: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let yaml = serde_yaml::to_string(meta)?;
    write_file(path, format!("---\n{yaml}---\n{body}"))?;
    Ok(())
}

fn mapping(pairs: &[(&str, serde_yaml::Value)]) -> serde_yaml::Mapping {
    pairs
        .iter()
        .map(|(k, v)| (serde_yaml::Value::from(*k), v.clone()))
        .collect()
}

fn strings_value(list: &[String]) -> serde_yaml::Value {
    serde_yaml::Value::Sequence(list.iter().map(|s| s.as_str().into()).collect())
}

/// An example as a Hugo page: the same front matter (place also as the `places` taxonomy).
fn hugo_example(e: &Example) -> (serde_yaml::Mapping, &str) {
    let mut meta = mapping(&[
        ("title", e.title.as_str().into()),
        ("description", e.description.as_str().into()),
        ("place", e.place.into()),
        ("places", strings_value(&[e.place.to_string()])),
        ("actors", strings_value(&e.actors)),
        ("calls", strings_value(&e.calls)),
        ("themes", strings_value(&e.themes)),
        ("date", e.date.to_string().into()),
    ]);
    if let Some(organisation) = e.organisation {
        meta.insert("organisation".into(), organisation.into());
    }
    if let Some((title, url)) = &e.source {
        let mut source = mapping(&[("title", title.as_str().into())]);
        if let Some(url) = url {
            source.insert("url".into(), url.as_str().into());
        }
        meta.insert("source".into(), source.into());
    }
    (meta, e.body.as_str())
}

/// Writes the Hugo version of the synthetic site into `hugo_dir`: the same pages, with the
/// theme of bench/hugo/, the interface strings of oproep's default theme, the signatories as
/// a data file, and the special pages the oproep under test makes.
fn write_hugo_site(
    repo: &Repo,
    hugo_dir: &Path,
    oproep_site: &Path,
    site: &Synthetic,
    kinds: &PageKinds,
) -> Result<()> {
    let content = oproep_site.join("content");
    let out = hugo_dir.join("content");
    let strings: serde_yaml::Value = serde_yaml::from_str(&read_text(
        &repo.root.join("themes/default/strings/nl.yaml"),
    )?)?;
    let settings: serde_yaml::Value =
        serde_yaml::from_str(&read_text(&content.join("site.yaml"))?)?;
    let t = |key: &str| yaml_str(&strings, key);

    write_hugo_config(repo, hugo_dir, &settings, kinds)?;
    copy_tree(
        &repo.root.join("bench/hugo/layouts"),
        &hugo_dir.join("layouts"),
    )?;
    copy_tree(
        &repo.root.join("themes/default/static"),
        &hugo_dir.join("static/static"),
    )?;
    let data = hugo_dir.join("data");
    fs::create_dir_all(&data)?;
    copy_file(
        &repo.root.join("themes/default/strings/nl.yaml"),
        &data.join("t.yaml"),
    )?;
    copy_file(&content.join("people.yaml"), &data.join("people.yaml"))?;
    copy_file(
        &content.join("signatories.yaml"),
        &data.join("signatories.yaml"),
    )?;

    // Home and top-level pages.
    let (home, body) = read_page(&content.join("index.md"))?;
    write_page(&out.join("_index.md"), &home, &body)?;
    let mut nav = vec![
        ("/".to_string(), t("nav_home")),
        ("/oproep/".to_string(), t("nav_appeal")),
    ];
    for section in ["actoren", "voorbeelden"] {
        let (meta, body) = read_page(&content.join(section).join("_index.md"))?;
        nav.push((
            format!("/{section}/"),
            yaml_str(&meta.clone().into(), "title"),
        ));
        write_page(&out.join(section).join("_index.md"), &meta, &body)?;
    }
    nav.push(("/ondertekenaars/".into(), t("signatories_title")));
    for path in list_dir(&content)? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !name.ends_with(".md") || name == "index.md" {
            continue;
        }
        let (mut meta, body) = read_page(&path)?;
        // oproep's `template: about.html` is Hugo's `layout: about`; `menu` is a Hugo keyword.
        if let Some(template) = meta.remove("template") {
            let layout = yaml_str(&mapping(&[("t", template)]).into(), "t")
                .trim_end_matches(".html")
                .to_string();
            meta.insert("layout".into(), layout.into());
        }
        let in_menu = meta
            .remove("menu")
            .and_then(|m| m.as_bool())
            .unwrap_or(true);
        if in_menu {
            nav.push((
                format!("/{}/", name.trim_end_matches(".md")),
                yaml_str(&meta.clone().into(), "title"),
            ));
        }
        write_page(&out.join(&name), &meta, &body)?;
    }

    write_hugo_site_data(&data, &settings, &nav)?;
    write_hugo_appeal(&content, &out, kinds, &t)?;
    write_hugo_actors(&content, &out)?;
    for example in &site.examples {
        let (meta, body) = hugo_example(example);
        write_page(
            &out.join(format!("voorbeelden/{}.md", example.slug)),
            &meta,
            body,
        )?;
    }
    write_hugo_signatory_pages(&out, site, kinds, &t)?;
    write_page(
        &out.join("onderteken.md"),
        &mapping(&[("title", t("sign_title").into()), ("layout", "sign".into())]),
        "",
    )?;
    if kinds.search {
        write_page(
            &out.join("zoeken.md"),
            &mapping(&[
                ("title", t("search_title").into()),
                ("layout", "search".into()),
                ("outputs", strings_value(&["HTML".into(), "JSON".into()])),
            ]),
            "",
        )?;
    }
    Ok(())
}

fn write_hugo_config(
    repo: &Repo,
    hugo_dir: &Path,
    settings: &serde_yaml::Value,
    kinds: &PageKinds,
) -> Result<()> {
    let mut disabled = vec!["taxonomy", "RSS"];
    if !kinds.facets {
        disabled.push("term");
    }
    let quoted: Vec<String> = disabled.iter().map(|k| format!("{k:?}")).collect();
    let header = format!(
        "# Written by examples/bench.rs; the rest is bench/hugo/config.toml.\nbaseURL = {:?}\ntitle = {:?}\ndisableKinds = [{}]\n\n",
        yaml_str(settings, "base_url"),
        yaml_str(settings, "title"),
        quoted.join(", ")
    );
    let base = read_text(&repo.root.join("bench/hugo/config.toml"))?;
    fs::create_dir_all(hugo_dir)?;
    write_file(&hugo_dir.join("config.toml"), header + &base)?;
    Ok(())
}

/// `data/site.yaml`: what oproep computes from site.yaml for every page (the signing link,
/// the menu), computed once here.
fn write_hugo_site_data(
    data: &Path,
    settings: &serde_yaml::Value,
    nav: &[(String, String)],
) -> Result<()> {
    let signing = &settings["signing"];
    let nav: Vec<serde_yaml::Value> = nav
        .iter()
        .map(|(url, title)| {
            mapping(&[
                ("url", url.as_str().into()),
                ("title", title.as_str().into()),
            ])
            .into()
        })
        .collect();
    let mut site = mapping(&[
        ("description", yaml_str(settings, "description").into()),
        (
            "sign_url",
            mailto(
                &yaml_str(signing, "address"),
                &yaml_str(signing, "subject"),
                &yaml_str(signing, "body"),
            )
            .into(),
        ),
        ("nav", serde_yaml::Value::Sequence(nav)),
    ]);
    if let Some(goal) = settings["goal"].as_u64() {
        site.insert("goal".into(), goal.into());
    }
    write_file(&data.join("site.yaml"), serde_yaml::to_string(&site)?)?;
    Ok(())
}

/// The current version is the section page /oproep/, earlier versions are pages under it.
fn write_hugo_appeal(
    content: &Path,
    out: &Path,
    kinds: &PageKinds,
    t: &dyn Fn(&str) -> String,
) -> Result<()> {
    let mut versions = Vec::new();
    for path in list_dir(&content.join("oproep"))? {
        if path.extension().is_some_and(|x| x == "md") {
            let (meta, body) = read_page(&path)?;
            let date = yaml_str(&meta.clone().into(), "date");
            versions.push((date, path, meta, body));
        }
    }
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    let (_, _, current, body) = versions.pop().ok_or("no version of the appeal")?;
    write_page(&out.join("oproep/_index.md"), &current, &body)?;
    for (date, _, mut meta, body) in versions {
        meta.insert("version".into(), true.into());
        write_page(&out.join(format!("oproep/{date}.md")), &meta, &body)?;
    }
    if kinds.changes {
        write_page(
            &out.join("oproep/wijzigingen.md"),
            &mapping(&[
                ("title", t("changes_title").into()),
                ("layout", "changes".into()),
            ]),
            "",
        )?;
    }
    Ok(())
}

/// Actors keep their front matter; `order` becomes Hugo's `weight`.
fn write_hugo_actors(content: &Path, out: &Path) -> Result<()> {
    for path in list_dir(&content.join("actoren"))? {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !name.ends_with(".md") || name.starts_with('_') {
            continue;
        }
        let (mut meta, body) = read_page(&path)?;
        if let Some(order) = meta.remove("order") {
            meta.insert("weight".into(), order);
        }
        write_page(&out.join("actoren").join(&name), &meta, &body)?;
    }
    Ok(())
}

/// The signatories list: /ondertekenaars/ is page 1, pages 2.. are pages with a `number`,
/// 500 names each as in oproep; the names come from data/signatories.yaml.
fn write_hugo_signatory_pages(
    out: &Path,
    site: &Synthetic,
    kinds: &PageKinds,
    t: &dyn Fn(&str) -> String,
) -> Result<()> {
    let title = t("signatories_title");
    write_page(
        &out.join("ondertekenaars/_index.md"),
        &mapping(&[
            ("title", title.as_str().into()),
            // The filter's data, as oproep's ondertekenaars/data/*.json.
            ("outputs", strings_value(&["HTML".into(), "JSON".into()])),
        ]),
        "",
    )?;
    let pages = site.listed_names().div_ceil(500).max(1);
    for number in 2..=pages {
        write_page(
            &out.join(format!("ondertekenaars/pagina/{number}.md")),
            &mapping(&[
                ("title", title.as_str().into()),
                ("number", (number as u64).into()),
                ("url", format!("/ondertekenaars/pagina/{number}/").into()),
            ]),
            "",
        )?;
    }
    if kinds.print {
        write_page(
            &out.join("ondertekenaars/afdrukken.md"),
            &mapping(&[
                ("title", t("print_title").into()),
                ("layout", "print".into()),
                ("url", "/ondertekenaars/afdrukken/".into()),
            ]),
            "",
        )?;
    }
    Ok(())
}

/// Prints how the two page sets differ, so that an unequal comparison is visible.
fn compare_pages(oproep: &BTreeSet<String>, hugo: &BTreeSet<String>) {
    println!("HTML pages, oproep: {}", oproep.len());
    println!("HTML pages, hugo: {}", hugo.len());
    let only_oproep: Vec<&String> = oproep.difference(hugo).collect();
    let only_hugo: Vec<&String> = hugo.difference(oproep).collect();
    if only_oproep.is_empty() && only_hugo.is_empty() {
        println!("page sets: identical paths");
        return;
    }
    for (who, list) in [("oproep", &only_oproep), ("hugo", &only_hugo)] {
        if list.is_empty() {
            continue;
        }
        let shown: Vec<&str> = list.iter().take(8).map(|s| s.as_str()).collect();
        println!(
            "pages only {who} makes: {} ({}{})",
            list.len(),
            shown.join(", "),
            if list.len() > 8 { ", ..." } else { "" }
        );
    }
}

fn bench_hugo(repo: &Repo, examples: usize, signatories: usize, runs: usize) -> Result<Vec<Row>> {
    println!();
    println!(
        "== hugo: {examples} examples, {signatories} signatories, {runs} runs each, interleaved =="
    );
    print_load();
    let Some(version) = hugo_version() else {
        println!("hugo is not installed; install it with: sudo apt-get install -y hugo");
        return Err("hugo not found".into());
    };
    println!("hugo: {version}");
    let base = BaseContent::read(repo)?;
    let dir = work_dir()?;
    let oproep_dir = dir.path().join("oproep");
    let hugo_dir = dir.path().join("hugo");
    let site = generate_into(&oproep_dir, &base, examples, signatories)?;

    let oproep = repo.build_command(&oproep_dir);
    let hugo = Cmd::new("hugo")
        .arg("--quiet")
        .arg("-d")
        .arg("public")
        .dir(&hugo_dir);
    // Warm-up builds, which also tell which pages each makes.
    oproep.time()?;
    let oproep_pages = html_pages(&oproep_dir.join("public"));
    write_hugo_site(
        repo,
        &hugo_dir,
        &oproep_dir,
        &site,
        &PageKinds::of(&oproep_pages),
    )?;
    hugo.time()?;
    compare_pages(&oproep_pages, &html_pages(&hugo_dir.join("public")));

    // Interleaved, so that a slow moment of the machine hits both alike.
    let mut oproep_times = Vec::with_capacity(runs);
    let mut hugo_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        set_aside(&oproep_dir.join("public"))?;
        oproep_times.push(oproep.time()?.0);
        set_aside(&hugo_dir.join("public"))?;
        hugo_times.push(hugo.time()?.0);
    }
    let oproep_stats = Stats::of(&oproep_times);
    let hugo_stats = Stats::of(&hugo_times);
    oproep_stats.print("oproep full build");
    hugo_stats.print("hugo full build");
    let oproep_memory = peak_memory(&oproep, &|| set_aside(&oproep_dir.join("public")))?;
    let hugo_memory = peak_memory(&hugo, &|| set_aside(&hugo_dir.join("public")))?;
    for (who, memory) in [("oproep", oproep_memory), ("hugo", hugo_memory)] {
        if let Some(mb) = memory {
            println!("{who} peak memory (median of {MEMORY_RUNS} runs): {mb:.1} MB");
        }
    }
    for (who, public) in [
        ("oproep", oproep_dir.join("public")),
        ("hugo", hugo_dir.join("public")),
    ] {
        let (bytes, files) = tree_size(&public);
        println!("{who} public/: {} in {files} files", mb(bytes));
    }
    let ratio = hugo_stats.median.as_secs_f64() / oproep_stats.median.as_secs_f64();
    println!("ratio hugo/oproep (medians): {ratio:.2}");
    Ok(vec![
        Row::info(
            format!("hugo {examples}/{signatories}: hugo full build"),
            ms(hugo_stats.median),
        ),
        Row::info(
            format!("hugo {examples}/{signatories}: oproep full build"),
            ms(oproep_stats.median),
        ),
        Row {
            what: format!("hugo {examples}/{signatories}: ratio hugo/oproep"),
            figure: format!("{ratio:.2}"),
            target: Some(">= 2.5".into()),
            met: Some(ratio >= 2.5),
        },
    ])
}

// ---------------------------------------------------------------------------------------------
// bench all
// ---------------------------------------------------------------------------------------------

fn bench_all(repo: &Repo) -> Result<()> {
    let started = Instant::now();
    let mut rows = Vec::new();
    rows.extend(bench_real(repo, 20)?);
    rows.extend(bench_build(repo, 2000, 50_000, 5)?);
    rows.extend(bench_build(repo, 10_000, 100_000, 5)?);
    rows.extend(bench_import(repo, 50_000, 3)?);
    // Hugo may be missing: then the table still comes, with a note.
    match bench_hugo(repo, 2000, 50_000, 5) {
        Ok(hugo) => rows.extend(hugo),
        Err(err) => rows.push(Row::info("hugo comparison", format!("not run: {err}"))),
    }
    print_summary(&rows);
    println!("bench all took {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn print_summary(rows: &[Row]) {
    println!();
    println!("== summary (medians, whole process) ==");
    print_load();
    let width = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let figure_width = rows
        .iter()
        .map(|r| r.figure.chars().count())
        .max()
        .unwrap_or(0);
    for row in rows {
        let mut line = format!("{:<width$}  {:>figure_width$}", row.what, row.figure);
        if let (Some(target), Some(met)) = (&row.target, row.met) {
            let _ = write!(
                line,
                "  target {target:<10} met: {}",
                if met { "yes" } else { "no" }
            );
        }
        println!("{}", line.trim_end());
    }
}
