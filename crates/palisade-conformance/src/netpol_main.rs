//! `netpol-oracle`: compares palisade's NetworkPolicy reachability engine with the expected
//! connectivity of netpol-analyzer's standard-API test topologies. Prints `netpol-oracle:
//! <agreed>/<compared>`, the tests skipped and why, and every disagreement with its reason.
//! Exit code 0 when the figure meets the target and every disagreement is explained, 1 when
//! not, 2 when the corpus or docs/netpol-oracle.md cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use palisade_conformance::cli::Common;
use palisade_conformance::netpol::{
    TARGET_COMPARED, TARGET_PERCENT, default_explanations, render_text, run,
};

/// Compare palisade's NetworkPolicy engine with netpol-analyzer's expected connectivity
/// (../shared/corpus/netpol/netpol-analyzer), explained by docs/netpol-oracle.md. `--verbose`
/// lists every disagreement and the per-test figures.
#[derive(Parser, Debug)]
#[command(name = "netpol-oracle", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// The explanations (default: docs/netpol-oracle.md of the workspace).
    #[arg(long, value_name = "FILE")]
    explanations: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let explanations = cli.explanations.unwrap_or_else(default_explanations);
    let report = match run(&cli.common.corpus(), &explanations) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("netpol-oracle: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(code) = cli.common.print(
        "netpol-oracle",
        |verbose| render_text(&report, verbose),
        &report,
    ) {
        return code;
    }
    let unexplained = report.disagreements().any(|d| d.reason.is_none());
    if report.problems.is_empty()
        && !unexplained
        && report.default_mode.without_host_network.is_empty()
        && report.compared >= TARGET_COMPARED
        && report.percent() >= TARGET_PERCENT
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
