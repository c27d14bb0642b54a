//! palisade's renderers: they turn the result of a scan into output.
//!
//! Every front end produces the same [`Finding`]s; this crate writes them as
//!
//! - a **table** for people (grouped by layer from the outside in, optionally coloured),
//! - **JSON** in a stable, documented shape (see [`Format::Json`]),
//! - **SARIF** 2.1.0 for code-scanning services,
//! - **JUnit** XML for CI systems that show test reports,
//!
//! writes the alerts of `palisade audit` as a table, JSON, JSON lines or Elastic Common Schema
//! documents, one alert at a time as they are found ([`AlertWriter`]),
//! and writes the rule catalogue: the `palisade rules` listing ([`render_rules`]), the
//! `palisade explain RULE` page ([`render_rule_doc`]) and the pages of `docs/rules/`
//! ([`rule_markdown_page`], [`rules_index_markdown`]).
//!
//! All output is deterministic: the same input gives the same bytes, with no timestamps,
//! durations, absolute paths of our own or hash-map ordering.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use palisade_model::{Finding, InputError, RuleDoc, ScanSummary};

mod audit;
mod benchmark;
mod json;
mod junit;
mod rules;
mod sarif;
mod style;
mod table;
mod text;

#[cfg(test)]
mod fixtures;

pub use audit::{AlertWriter, AuditFormat, AuditSummary, ECS_VERSION};
pub use benchmark::{
    BENCHMARK, BenchmarkReport, BenchmarkSummary, findings as benchmark_findings, render_benchmark,
};
pub use rules::{render_rule_doc, render_rules, rule_markdown_page, rules_index_markdown};

/// The tool name written into JSON, SARIF and JUnit output.
pub const TOOL_NAME: &str = "palisade";

/// The version of the JSON report shape ([`Format::Json`]); raised on any incompatible change.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Everything a renderer needs from a scan.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// The findings, already sorted deterministically by the caller (see
    /// [`Finding::sort_key`]).
    pub findings: &'a [Finding],
    /// Inputs that could not be read or parsed.
    pub errors: &'a [InputError],
    pub summary: &'a ScanSummary,
    /// Every rule known, for rule metadata (SARIF) and for the passing checks (JUnit).
    /// Findings refer to rules by name; a finding whose rule is missing here is still rendered.
    pub rules: &'a [RuleDoc],
    /// The version of the tool, e.g. `env!("CARGO_PKG_VERSION")` of the binary.
    pub tool_version: &'a str,
}

/// The output formats of a scan report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Text for a terminal, grouped by layer; the default.
    Table,
    /// The stable JSON shape:
    ///
    /// ```text
    /// {
    ///   "version": 1,
    ///   "tool": {"name": "palisade", "version": "0.1.0"},
    ///   "findings": [{
    ///     "rule": "privileged-container", "severity": "critical", "layer": "workload",
    ///     "object": {"apiVersion": "v1", "kind": "Pod", "namespace": "prod" | null, "name": "web"},
    ///     "path": "/spec/containers/0/securityContext/privileged",
    ///     "location": {"file": "pod.yaml", "line": 12, "column": 9} | null,
    ///     "message": "...", "fix": "..."
    ///   }],
    ///   "errors": [{"file": "bad.yaml", "line": 3 | null, "column": 1 | null, "message": "..."}],
    ///   "summary": {
    ///     "files": 3, "objects": 7, "skippedDocuments": 2, "findings": 12,
    ///     "bySeverity": {"info": 0, "low": 2, "medium": 3, "high": 5, "critical": 2},
    ///     "suppressed": 1, "errors": 1
    ///   }
    /// }
    /// ```
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for CI test report views.
    Junit,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Table, Format::Json, Format::Sarif, Format::Junit];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
        }
    }

    /// Whether the format lists the rules of [`Report::rules`] (SARIF's rule descriptors,
    /// JUnit's passing checks); the table and JSON only name the rules of their findings, so
    /// a caller may spare itself building the catalogue for them.
    pub fn lists_rules(self) -> bool {
        matches!(self, Format::Sarif | Format::Junit)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown format {text:?}: expected one of table, json, sarif, junit")
            })
    }
}

/// The output formats of the rule listing (`palisade rules`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RulesFormat {
    /// Aligned columns for a terminal: name, severity, layer, summary.
    Table,
    /// An array of `{name, severity, layer, threatActors, references: [{id, url}], summary,
    /// fix, documentation}`.
    Json,
    /// The index page of `docs/rules/` (see [`rules_index_markdown`]).
    Markdown,
}

impl RulesFormat {
    pub const ALL: [RulesFormat; 3] =
        [RulesFormat::Table, RulesFormat::Json, RulesFormat::Markdown];

    pub fn as_str(self) -> &'static str {
        match self {
            RulesFormat::Table => "table",
            RulesFormat::Json => "json",
            RulesFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for RulesFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RulesFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RulesFormat::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(text))
            .or_else(|| {
                text.eq_ignore_ascii_case("md")
                    .then_some(RulesFormat::Markdown)
            })
            .ok_or_else(|| {
                format!("unknown rules format {text:?}: expected one of table, json, markdown")
            })
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Write ANSI colours and styles. Only text meant for a terminal (the table formats and
    /// `explain`) is ever coloured; JSON, SARIF, JUnit and Markdown never are.
    pub color: bool,
}

/// Writes `report` in `format` to `out`.
pub fn render(
    report: &Report,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}

/// Writes `items` in order, formatting them in parallel: each item is rendered by `render`
/// into a buffer of its chunk (the flag says whether it is the very first item; the state, new
/// for each chunk, lets an item reuse what the items before it in the chunk rendered), and the
/// buffers are written a window at a time, so memory stays bounded whatever the number of items.
pub(crate) fn write_in_parallel<T: Sync, State: Default>(
    items: &[T],
    out: &mut dyn Write,
    render: impl Fn(&T, bool, &mut Vec<u8>, &mut State) -> io::Result<()> + Sync,
) -> io::Result<()> {
    use rayon::prelude::*;
    const CHUNK: usize = 256;
    const WINDOW: usize = 8 * CHUNK;
    for (window_index, window) in items.chunks(WINDOW).enumerate() {
        let chunks: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                let mut buffer = Vec::with_capacity(chunk.len() * 1024);
                let mut state = State::default();
                for (index, item) in chunk.iter().enumerate() {
                    let first = window_index == 0 && chunk_index == 0 && index == 0;
                    render(item, first, &mut buffer, &mut state)?;
                }
                Ok(buffer)
            })
            .collect();
        for chunk in chunks {
            out.write_all(&chunk?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_print() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.as_str());
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        assert!("xml".parse::<Format>().is_err());
        for format in RulesFormat::ALL {
            assert_eq!(format.as_str().parse::<RulesFormat>(), Ok(format));
        }
        assert_eq!("md".parse::<RulesFormat>(), Ok(RulesFormat::Markdown));
        assert!("sarif".parse::<RulesFormat>().is_err());
    }

    #[test]
    fn every_format_is_deterministic() {
        let fixture = fixtures::Fixture::new();
        let report = fixture.report();
        for format in Format::ALL {
            for color in [false, true] {
                let options = RenderOptions { color };
                let mut first = Vec::new();
                let mut second = Vec::new();
                render(&report, format, &options, &mut first).unwrap();
                render(&report, format, &options, &mut second).unwrap();
                assert!(!first.is_empty(), "{format} wrote nothing");
                assert_eq!(first, second, "{format} is not deterministic");
                assert!(
                    first.ends_with(b"\n"),
                    "{format} does not end with a newline"
                );
            }
        }
    }

    #[test]
    fn only_the_table_is_ever_coloured() {
        let fixture = fixtures::Fixture::new();
        for format in Format::ALL {
            let mut out = Vec::new();
            render(
                &fixture.report(),
                format,
                &RenderOptions { color: true },
                &mut out,
            )
            .unwrap();
            let has_escape = out.contains(&0x1b);
            assert_eq!(has_escape, format == Format::Table, "{format}");
        }
    }
}
