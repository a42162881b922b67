//! The `oproep` command: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
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
            eprintln!(
                "built {} pages ({} files) into {} in {} ms",
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
    }
    Ok(())
}
