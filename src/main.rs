//! The `oproep` command: a thin layer over the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`; the Rust bindings leave it out): how
/// many milliseconds freed memory is kept before it goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory is kept for the process to use again, never handed back to the system until
/// it exits. By default mimalloc hands it back after 10 ms, and each rebuild of `serve` then
/// faulted in its tens of megabytes anew: 2,400 page faults and 9 ms of CPU time a rebuild at
/// 2,000 examples. A one-shot command gains a little too; `serve` stays at its peak memory.
fn keep_freed_memory() {
    // SAFETY: sets one of the allocator's options to a plain number; any time is allowed.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

/// Huge pages off from before the runtime's first allocation, which would otherwise already
/// fault in (and zero) a 2 MiB page: a constructor, run by the loader before `main`.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static START_SMALL: extern "C" fn() = {
    extern "C" fn start_small() {
        oproep::memory::start_small();
    }
    start_small
};

#[derive(Parser)]
#[command(
    name = "oproep",
    version,
    about = "Build the website of a public appeal that people read, share and sign",
    long_about = "Build the website of a public appeal that people read, share and sign.\n\n\
        Campaigners write markdown and YAML in content/; `oproep build` turns it into a static \
        site in public/ that any web host can serve."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site in content/ into public/
    Build {
        /// The site's folder (holding content/)
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Where to write the site [default: ROOT/public]
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// The address the site is published at, overriding base_url in content/site.yaml
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
    },
    /// Create a new site in DIR that builds as it is
    Init {
        /// The folder for the new site (created if needed)
        dir: PathBuf,
    },
    /// Preview the site: serve it on 127.0.0.1, rebuild on every change, reload open pages
    Serve {
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Port to listen on; 0 picks a free one
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Include pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
    },
    /// Check the site for problems: everything the build checks, plus links, anchors,
    /// images, signatory data and missing descriptions
    Check {
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Include pages marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Also request every external link (needs network)
        #[arg(long)]
        external: bool,
        /// Seconds one external request may take
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        timeout: u64,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Record signatures: import signing mails, add or remove a signatory
    #[command(subcommand)]
    Sign(SignCommand),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum SignCommand {
    /// Read exported signing mails (.eml files, mbox files, Apple Mail .mbox folders,
    /// maildirs) and add, update or withdraw signatories
    Import {
        /// Exported mail files or folders
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The site's folder (holding content/)
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
        /// Print the report but write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Record one signatory by hand, e.g. a signature on paper
    Add {
        /// Full name
        name: String,
        #[arg(long)]
        function: Option<String>,
        #[arg(long)]
        organisation: Option<String>,
        #[arg(long)]
        place: Option<String>,
        /// The day they signed, YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        category: Option<String>,
        /// They agreed to have their name shown on the site
        #[arg(long)]
        publish: bool,
        /// Show them first (initiators, round table, organisations)
        #[arg(long)]
        highlight: bool,
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
    },
    /// Remove one signatory, by name or by the address they signed with
    Remove {
        /// Full name as recorded
        #[arg(required_unless_present = "email", conflicts_with = "email")]
        name: Option<String>,
        /// Narrows a name that several signatories share
        #[arg(long)]
        place: Option<String>,
        /// The e-mail address they signed with
        #[arg(long)]
        email: Option<String>,
        #[arg(long, default_value = ".", value_name = "DIR")]
        root: PathBuf,
    },
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("oproep: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => {
            let options = oproep::BuildOptions {
                root,
                output,
                base_url,
                drafts,
            };
            let started = std::time::Instant::now();
            let report = oproep::build(&options)?;
            // On a rebuild, say how much actually changed: that is what an upload sends.
            let changes = if report.written == report.files && report.removed == 0 {
                String::new()
            } else {
                format!(
                    "; {} written, {} removed, the rest unchanged",
                    report.written, report.removed
                )
            };
            eprintln!(
                "built {} pages ({} files) into {} in {} ms{changes}",
                report.pages,
                report.files,
                report.output.display(),
                started.elapsed().as_millis()
            );
        }
        Command::Init { dir } => {
            let written = oproep::init::init_site(&dir)?;
            for file in &written {
                eprintln!("  created {}", dir.join(file).display());
            }
            eprintln!(
                "new site in {}; build it with: oproep build --root {}",
                dir.display(),
                dir.display()
            );
        }
        Command::Sign(command) => sign(command)?,
        Command::Serve {
            root,
            port,
            open,
            drafts,
        } => {
            let options = oproep::serve::ServeOptions {
                build: oproep::BuildOptions {
                    drafts,
                    ..oproep::BuildOptions::new(root)
                },
                port,
                open,
            };
            oproep::serve::serve(options, |line| {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            })?;
        }
        Command::Check {
            root,
            drafts,
            external,
            timeout,
            format,
        } => {
            let options = oproep::check::CheckOptions {
                build: oproep::BuildOptions {
                    drafts,
                    ..oproep::BuildOptions::new(root)
                },
                external,
                timeout: std::time::Duration::from_secs(timeout),
            };
            let problems = oproep::check::check_site(&options);
            let errors = problems
                .iter()
                .filter(|p| p.severity == oproep::check::Severity::Error)
                .count();
            // A closed pipe (`| head`) ends the output; it is not an error.
            let mut out = std::io::stdout().lock();
            let _ = match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&problems)?),
                Format::Text => problems
                    .iter()
                    .try_for_each(|problem| writeln!(out, "{problem}"))
                    .and_then(|_| {
                        let warnings = problems.len() - errors;
                        writeln!(
                            out,
                            "{}, {}",
                            plural(errors, "error"),
                            plural(warnings, "warning")
                        )
                    }),
            };

            if errors > 0 {
                return Err(anyhow::anyhow!("the check found {errors} errors"));
            }
        }
    }
    Ok(())
}

/// `1 error`, `2 errors`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn sign(command: SignCommand) -> anyhow::Result<()> {
    match command {
        SignCommand::Import {
            paths,
            root,
            dry_run,
        } => {
            let report = oproep::signing::import(&root, &paths, dry_run)?;
            for line in &report.lines {
                println!("{line}");
            }
            let note = if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            };
            println!("{}{note}", report.summary());
        }
        SignCommand::Add {
            name,
            function,
            organisation,
            place,
            date,
            category,
            publish,
            highlight,
            root,
        } => {
            let signatory = oproep::model::Signatory {
                name: name.trim().to_string(),
                function,
                organisation,
                place,
                date: date.unwrap_or_else(|| chrono::Local::now().date_naive()),
                category,
                publish,
                highlight,
                sender: None,
            };
            anyhow::ensure!(!signatory.name.is_empty(), "the name is empty");
            let summary = format!("added {}", signatory.name);
            oproep::signing::add(&root, signatory)?;
            println!("{summary}");
        }
        SignCommand::Remove {
            name,
            place,
            email,
            root,
        } => {
            let which = match (name, email) {
                (_, Some(address)) => oproep::signing::Removal::Address(address),
                (Some(name), None) => oproep::signing::Removal::Name { name, place },
                (None, None) => unreachable!("clap requires a name or --email"),
            };
            let removed = oproep::signing::remove(&root, which)?;
            println!("removed {}", removed.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    /// The option's number is mimalloc's own: a process started with `MIMALLOC_PURGE_DELAY` set
    /// finds that value under it.
    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_reads_from_its_variable() {
        const PROBE: &str = "OPROEP_TEST_PURGE_DELAY";
        if let Ok(expected) = std::env::var(PROBE) {
            // SAFETY: reads one of the allocator's options.
            let value = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
            assert_eq!(value.to_string(), expected);
            return;
        }
        let name = "tests::the_purge_delay_option_is_the_one_mimalloc_reads_from_its_variable";
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--test-threads=1"])
            .env("MIMALLOC_PURGE_DELAY", "1234")
            .env(PROBE, "1234")
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the option read in a child process differs"
        );
    }
}
