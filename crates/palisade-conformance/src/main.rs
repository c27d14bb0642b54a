//! `palisade-conformance`: compares palisade's verdicts with other scanners' labelled fixtures.
//! Exit code 0 when the agreement meets the target (>= 95% over >= 300 compared verdicts),
//! 1 when it does not, 2 when the corpus or the mapping cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use palisade_conformance::{Options, default_corpus, default_mapping, render, run};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Compare palisade's verdicts with the labelled fixtures of kube-linter, Polaris, kubeaudit,
/// kubesec, Checkov and kube-score (../shared/corpus/peer-fixtures), through the mapping table
/// docs/peer-mapping.md.
#[derive(Parser, Debug)]
#[command(name = "palisade-conformance", version)]
struct Cli {
    /// Only this peer (repeatable): kube-linter, polaris, kubeaudit, kubesec, checkov, kube-score.
    #[arg(long = "peer", value_name = "NAME")]
    peers: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    format: Format,
    /// Also list accepted disagreements, cases not compared and unreadable inputs.
    #[arg(short, long)]
    verbose: bool,
    /// The shared corpus (default: $PALISADE_CORPUS, else ../shared/corpus next to the workspace).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// The mapping table (default: docs/peer-mapping.md of the workspace).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = Options {
        corpus: cli.corpus.unwrap_or_else(default_corpus),
        mapping: cli.mapping.unwrap_or_else(default_mapping),
        peers: cli.peers,
    };
    let report = match run(&options) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("palisade-conformance: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.format {
        Format::Text => print!("{}", render::text(&report, cli.verbose)),
        Format::Json => println!("{}", render::json(&report)),
    }
    if report.problems.is_broken() {
        eprintln!(
            "palisade-conformance: the mapping does not match the peers' checks (see the errors above)"
        );
        return ExitCode::from(2);
    }
    if report.meets_target() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
