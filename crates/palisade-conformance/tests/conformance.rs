//! The conformance run of `scripts/conformance`, as tests: palisade's verdicts agree with the
//! peers' labelled fixtures (>= 95% over >= 300 compared verdicts), and `docs/peer-mapping.md`
//! maps every check of every peer's `expected.json` to rules the registry knows.
//!
//! The corpus lives outside the repository (`../shared/corpus` next to the workspace, or
//! `$PALISADE_CORPUS`); without it these tests say so and pass.

use std::sync::OnceLock;

use palisade_conformance::{Options, Report, TARGET_COMPARED, TARGET_PERCENT, render, run};

/// The report of one run, shared by the tests; `None` when the corpus is absent.
fn report() -> Option<&'static Report> {
    static REPORT: OnceLock<Option<Report>> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let options = Options::default();
            if !options.corpus.join("peer-fixtures").is_dir() {
                return None;
            }
            match run(&options) {
                Ok(report) => Some(report),
                Err(error) => panic!("the conformance run could not start: {error}"),
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
                    "SKIPPED: ../shared/corpus is absent (looked for {}); set PALISADE_CORPUS to run the conformance tests",
                    Options::default().corpus.display()
                );
                return;
            }
        }
    };
}

#[test]
fn mapping_covers_every_check_of_every_peer() {
    let report = report_or_skip!();
    let problems = &report.problems;
    assert!(
        problems.unmapped_checks.is_empty(),
        "checks without a row in docs/peer-mapping.md: {:?}",
        problems.unmapped_checks
    );
    assert!(
        problems.unknown_checks.is_empty(),
        "rows for checks no expected.json has: {:?}",
        problems.unknown_checks
    );
    assert!(
        problems.inconsistent_rows.is_empty(),
        "{:#?}",
        problems.inconsistent_rows
    );
}

/// No flag turns this off: once every rule pack is merged, the mapping must name only rules
/// that exist.
#[test]
fn mapping_names_only_known_rules() {
    let report = report_or_skip!();
    assert!(
        report.problems.unknown_rules.is_empty(),
        "unknown rules in mapping (rule: lines of docs/peer-mapping.md): {:?}",
        report.problems.unknown_rules
    );
}

#[test]
fn accepted_and_excluded_rows_are_current() {
    let report = report_or_skip!();
    let stale: Vec<String> = report
        .problems
        .stale_accepted
        .iter()
        .map(|row| {
            format!(
                "line {}: {} {} {}",
                row.line, row.peer, row.check, row.fixture
            )
        })
        .chain(report.problems.stale_excluded.iter().map(|row| {
            format!(
                "line {}: {} {} {}",
                row.line, row.peer, row.check, row.fixture
            )
        }))
        .collect();
    assert!(
        stale.is_empty(),
        "rows of docs/peer-mapping.md that match no current disagreement or case:\n{}",
        stale.join("\n")
    );
}

#[test]
fn agreement_meets_the_target() {
    let report = report_or_skip!();
    println!("{}", render::text(report, false));
    assert!(
        report.missing_objects.is_empty(),
        "objects the peers label that palisade did not load: {:?}",
        report.missing_objects
    );
    assert!(
        report.compared >= TARGET_COMPARED,
        "only {} verdicts compared (target >= {TARGET_COMPARED})",
        report.compared
    );
    assert!(
        report.percent() >= TARGET_PERCENT,
        "agreement {}/{} ({:.1}%) is under {TARGET_PERCENT}%:\n{}",
        report.agreed,
        report.compared,
        report.percent(),
        render::text(report, false)
    );
    for peer in &report.peers {
        assert!(
            peer.compared > 0,
            "no verdict of {} was compared",
            peer.peer
        );
    }
}
