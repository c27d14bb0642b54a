//! `audit-conformance`: compares palisade's audit rules with the labelled events of Falco's
//! k8saudit tests and Panther's Kubernetes detections. Prints `audit-conformance <source>:
//! <agreed>/<compared>` per source and every disagreement with its reason. Exit code 0 when
//! every labelled case was compared, 1 when the mapping misses or misnames something, 2 when
//! the corpus or the mapping cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use palisade_conformance::audit::{default_mapping, render_text, run};
use palisade_conformance::default_corpus;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Compare palisade's audit rules with Falco's and Panther's labelled audit events
/// (../shared/corpus/audit-logs), through docs/audit-peer-mapping.md.
#[derive(Parser, Debug)]
#[command(name = "audit-conformance", version)]
struct Cli {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    format: Format,
    /// Also list the cases that agree.
    #[arg(short, long)]
    verbose: bool,
    /// The shared corpus (default: $PALISADE_CORPUS, else ../shared/corpus next to the workspace).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// The mapping table (default: docs/audit-peer-mapping.md of the workspace).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let corpus = cli.corpus.unwrap_or_else(default_corpus);
    let mapping = cli.mapping.unwrap_or_else(default_mapping);
    let report = match run(&corpus, &mapping) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("audit-conformance: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.format {
        Format::Text => print!("{}", render_text(&report, cli.verbose)),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("audit-conformance: {error}");
                return ExitCode::from(2);
            }
        },
    }
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
