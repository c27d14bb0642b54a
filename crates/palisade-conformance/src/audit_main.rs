//! `audit-conformance`: compares palisade's audit rules with the labelled events of Falco's
//! k8saudit tests and Panther's Kubernetes detections. Prints `audit-conformance <source>:
//! <agreed>/<compared>` per source and every disagreement with its reason. Exit code 0 when
//! every labelled case was compared, 1 when the mapping misses or misnames something, 2 when
//! the corpus or the mapping cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use palisade_conformance::audit::{default_mapping, render_text, run};
use palisade_conformance::cli::Common;

/// Compare palisade's audit rules with Falco's and Panther's labelled audit events
/// (../shared/corpus/audit-logs), through docs/audit-peer-mapping.md. `--verbose` also lists
/// the cases that agree.
#[derive(Parser, Debug)]
#[command(name = "audit-conformance", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// The mapping table (default: docs/audit-peer-mapping.md of the workspace).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mapping = cli.mapping.unwrap_or_else(default_mapping);
    let report = match run(&cli.common.corpus(), &mapping) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("audit-conformance: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(code) = cli.common.print(
        "audit-conformance",
        |verbose| render_text(&report, verbose),
        &report,
    ) {
        return code;
    }
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
