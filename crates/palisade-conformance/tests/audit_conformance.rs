//! The run of `scripts/audit-conformance`, as tests: every labelled event of Falco's and
//! Panther's audit detections is compared, `docs/audit-peer-mapping.md` maps every peer rule and
//! test to palisade audit rules that exist, and the agreement stays at its measured level.
//!
//! The corpus lives outside the repository (`../shared/corpus` next to the workspace, or
//! `$PALISADE_CORPUS`); without it these tests say so and pass.

use std::sync::OnceLock;

use palisade_conformance::audit::{AuditReport, default_mapping, render_text, run};
use palisade_conformance::default_corpus;

/// Agreement below this, per source, fails the test: the level reached when the audit rules
/// were written, so that a change that loses agreement is noticed.
const FLOOR_PERCENT: f64 = 93.0;

fn report() -> Option<&'static AuditReport> {
    static REPORT: OnceLock<Option<AuditReport>> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let corpus = default_corpus();
            if !corpus.join("audit-logs").is_dir() {
                return None;
            }
            match run(&corpus, &default_mapping()) {
                Ok(report) => Some(report),
                Err(error) => panic!("the audit conformance run could not start: {error}"),
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
                    "SKIPPED: ../shared/corpus/audit-logs is absent (looked in {}); set PALISADE_CORPUS to run the audit conformance tests",
                    default_corpus().display()
                );
                return;
            }
        }
    };
}

/// The number of labelled cases of a source, read from the corpus itself.
fn labelled(source: &str) -> usize {
    let (dir, key) = match source {
        "falco" => ("falco-k8s-audit", "tests"),
        _ => ("panther-k8s-rules", "events"),
    };
    let path = default_corpus()
        .join("audit-logs")
        .join(dir)
        .join("expected.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value[key].as_array().map_or(0, Vec::len)
}

#[test]
fn the_mapping_is_complete_and_names_real_rules() {
    let report = report_or_skip!();
    assert!(
        report.problems.is_empty(),
        "docs/audit-peer-mapping.md:\n{}",
        report.problems.join("\n")
    );
}

#[test]
fn every_labelled_case_is_compared() {
    let report = report_or_skip!();
    for source in ["falco", "panther"] {
        let (_, compared) = report.score(source);
        assert_eq!(
            compared,
            labelled(source),
            "{source}: not every labelled case was compared"
        );
        assert!(compared > 0);
    }
}

#[test]
fn agreement_stays_at_its_level() {
    let report = report_or_skip!();
    eprintln!("{}", render_text(report, false));
    for source in ["falco", "panther"] {
        let (agreed, compared) = report.score(source);
        let percent = 100.0 * agreed as f64 / compared as f64;
        assert!(
            percent >= FLOOR_PERCENT,
            "audit-conformance {source}: {agreed}/{compared} ({percent:.1}%) is below {FLOOR_PERCENT}%"
        );
    }
}
