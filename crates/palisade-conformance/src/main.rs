//! `palisade-conformance`: compares palisade's verdicts with other scanners' labelled fixtures.
//! Exit code 0 when the agreement meets the target (>= 95% over >= 300 compared verdicts),
//! 1 when it does not, 2 when the corpus or the mapping cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use palisade_conformance::cli::Common;
use palisade_conformance::{Options, default_mapping, render, run};

/// Compare palisade's verdicts with the labelled fixtures of kube-linter, Polaris, kubeaudit,
/// kubesec, Checkov and kube-score (../shared/corpus/peer-fixtures), through the mapping table
/// docs/peer-mapping.md. `--verbose` also lists accepted disagreements, cases not compared and
/// unreadable inputs.
#[derive(Parser, Debug)]
#[command(name = "palisade-conformance", version)]
struct Cli {
    /// Only this peer (repeatable): kube-linter, polaris, kubeaudit, kubesec, checkov, kube-score.
    #[arg(long = "peer", value_name = "NAME")]
    peers: Vec<String>,
    #[command(flatten)]
    common: Common,
    /// The mapping table (default: docs/peer-mapping.md of the workspace).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = Options {
        corpus: cli.common.corpus(),
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
    if let Err(code) = cli.common.print(
        "palisade-conformance",
        |verbose| render::text(&report, verbose),
        &render::document(&report),
    ) {
        return code;
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
