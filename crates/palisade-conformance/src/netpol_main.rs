//! `netpol-oracle`: compares palisade's NetworkPolicy reachability engine with the expected
//! connectivity of netpol-analyzer's standard-API test topologies. Prints `netpol-oracle:
//! <agreed>/<compared>`, the tests skipped and why, and every disagreement with its reason.
//! Exit code 0 when the figure meets the target and every disagreement is explained, 1 when
//! not, 2 when the corpus or docs/netpol-oracle.md cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use palisade_conformance::default_corpus;
use palisade_conformance::netpol::{
    TARGET_COMPARED, TARGET_PERCENT, default_explanations, render_text, run,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Compare palisade's NetworkPolicy engine with netpol-analyzer's expected connectivity
/// (../shared/corpus/netpol/netpol-analyzer), explained by docs/netpol-oracle.md.
#[derive(Parser, Debug)]
#[command(name = "netpol-oracle", version)]
struct Cli {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    format: Format,
    /// Also list every disagreement and the per-test figures.
    #[arg(short, long)]
    verbose: bool,
    /// The shared corpus (default: $PALISADE_CORPUS, else ../shared/corpus next to the workspace).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// The explanations (default: docs/netpol-oracle.md of the workspace).
    #[arg(long, value_name = "FILE")]
    explanations: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let corpus = cli.corpus.unwrap_or_else(default_corpus);
    let explanations = cli.explanations.unwrap_or_else(default_explanations);
    let report = match run(&corpus, &explanations) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("netpol-oracle: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.format {
        Format::Text => print!("{}", render_text(&report, cli.verbose)),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("netpol-oracle: {error}");
                return ExitCode::from(2);
            }
        },
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
