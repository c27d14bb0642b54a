//! What the three comparison binaries (`palisade-conformance`, `audit-conformance`,
//! `netpol-oracle`) share on their command line: the output format, `--verbose`, `--corpus`,
//! and how a report is printed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::default_corpus;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The options every comparison takes.
#[derive(Args, Debug)]
pub struct Common {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub format: Format,
    /// Also list what the short report leaves out (see above).
    #[arg(short, long)]
    pub verbose: bool,
    /// The shared corpus (default: $PALISADE_CORPUS, else ../shared/corpus next to the workspace).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
}

impl Common {
    pub fn corpus(&self) -> PathBuf {
        self.corpus.clone().unwrap_or_else(default_corpus)
    }

    /// Prints the report as text (`text(verbose)`) or as the JSON of `document`; `Err` with
    /// exit code 2 when it cannot.
    pub fn print(
        &self,
        program: &str,
        text: impl FnOnce(bool) -> String,
        document: &impl Serialize,
    ) -> Result<(), ExitCode> {
        match self.format {
            Format::Text => print!("{}", text(self.verbose)),
            Format::Json => match serde_json::to_string_pretty(document) {
                Ok(json) => println!("{json}"),
                Err(error) => {
                    eprintln!("{program}: {error}");
                    return Err(ExitCode::from(2));
                }
            },
        }
        Ok(())
    }
}
