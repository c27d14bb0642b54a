//! The run of `scripts/netpol-oracle`, as tests: palisade's NetworkPolicy engine against the
//! expected connectivity of netpol-analyzer's standard-API topologies.
//!
//! The corpus lives outside the repository (`../shared/corpus` next to the workspace, or
//! `$PALISADE_CORPUS`); without it these tests say so and pass.

use std::sync::OnceLock;

use palisade_conformance::default_corpus;
use palisade_conformance::netpol::{
    NetpolReport, TARGET_COMPARED, TARGET_PERCENT, default_explanations, render_text, run,
};

fn report() -> Option<&'static NetpolReport> {
    static REPORT: OnceLock<Option<NetpolReport>> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let corpus = default_corpus();
            if !corpus
                .join("netpol/netpol-analyzer/expected.json")
                .is_file()
            {
                return None;
            }
            match run(&corpus, &default_explanations()) {
                Ok(report) => Some(report),
                Err(error) => panic!("the netpol oracle could not start: {error}"),
            }
        })
        .as_ref()
}

macro_rules! report_or_skip {
    () => {
        match report() {
            Some(report) => report,
            None => {
                eprintln!(
                    "SKIPPED: ../shared/corpus/netpol/netpol-analyzer is absent (looked in {}); set PALISADE_CORPUS to run the NetworkPolicy oracle",
                    default_corpus().display()
                );
                return;
            }
        }
    };
}

/// The tests of the corpus, read from the corpus itself.
fn corpus_tests() -> usize {
    let path = default_corpus().join("netpol/netpol-analyzer/expected.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value["tests"].as_array().map_or(0, Vec::len)
}

#[test]
fn the_oracle_meets_its_figure() {
    let report = report_or_skip!();
    let text = render_text(report, false);
    eprintln!("{text}");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(
        report.compared >= TARGET_COMPARED,
        "only {} verdicts compared",
        report.compared
    );
    assert!(
        report.percent() >= TARGET_PERCENT,
        "agreement {:.2}% is below {TARGET_PERCENT}%",
        report.percent()
    );
}

#[test]
fn every_disagreement_is_explained() {
    let report = report_or_skip!();
    let unexplained: Vec<String> = report
        .disagreements()
        .filter(|d| d.reason.is_none())
        .take(20)
        .map(|d| {
            format!(
                "{}: {} => {} {}/{} expected {} palisade {}",
                d.test, d.source, d.destination, d.port, d.protocol, d.expected, d.palisade
            )
        })
        .collect();
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
}

#[test]
fn every_test_is_compared_or_skipped_with_a_reason() {
    let report = report_or_skip!();
    assert_eq!(
        report.tests.len() + report.skipped.len() + report.problems.len(),
        corpus_tests()
    );
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.reason.starts_with("holds "))
    );
    // The standard-API topologies are the bulk of what can be compared.
    assert!(
        report.tests.len() >= 40,
        "{} tests compared",
        report.tests.len()
    );
    for test in &report.tests {
        assert!(test.compared > 0, "{} compared nothing", test.test);
    }
}

#[test]
fn palisade_differs_from_netpol_analyzer_only_on_host_network_pods() {
    let report = report_or_skip!();
    let figure = &report.default_mode;
    assert_eq!(figure.compared, report.compared);
    let listed: Vec<String> = figure
        .without_host_network
        .iter()
        .take(20)
        .map(|d| {
            format!(
                "{}: {} => {} {}/{}",
                d.test, d.source, d.destination, d.port, d.protocol
            )
        })
        .collect();
    assert!(listed.is_empty(), "{}", listed.join("\n"));
    // The hostNetwork treatment does make a difference on these topologies: the comparison
    // would notice if it stopped doing so.
    assert!(figure.agreed < figure.compared);
}
