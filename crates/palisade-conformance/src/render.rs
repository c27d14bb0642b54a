//! The report as text (one line per peer, every disagreement, a total) or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::compare::{Category, Comparison, Report, TARGET_COMPARED, TARGET_PERCENT};

fn disagreement_line(c: &Comparison) -> String {
    let object = c
        .object
        .as_ref()
        .map(|o| format!("#{o}"))
        .unwrap_or_default();
    format!(
        "{} {} {}{}: peer={} palisade={} (rule {})",
        c.peer,
        c.checks.join(","),
        c.fixture,
        object,
        c.peer_verdict,
        c.palisade_verdict,
        c.rules
    )
}

/// The text report. `verbose` also lists every accepted disagreement and case not compared.
pub fn text(report: &Report, verbose: bool) -> String {
    let mut out = String::new();
    for peer in &report.peers {
        let _ = writeln!(
            out,
            "conformance {}: {}/{} ({:.1}%); of the {} disagreements, {} where we believe the peer is wrong; {} not compared",
            peer.peer,
            peer.agreed,
            peer.compared,
            peer.percent(),
            peer.compared - peer.agreed,
            peer.accepted,
            peer.not_compared
        );
    }
    let disagreements: Vec<&Comparison> = report.disagreements().collect();
    let _ = writeln!(
        out,
        "\ndisagreements we have not explained: {}",
        disagreements.len()
    );
    for c in disagreements {
        let _ = writeln!(out, "  {}", disagreement_line(c));
    }
    let _ = writeln!(
        out,
        "\ndisagreements where we believe the peer is wrong: {} (counted above as disagreements; docs/peer-mapping.md says why{})",
        report.accepted.len(),
        if verbose { "" } else { "; -v lists them" }
    );
    if verbose {
        for accepted in &report.accepted {
            let _ = writeln!(
                out,
                "  {} — {}",
                disagreement_line(&accepted.comparison),
                accepted.why
            );
        }
    }
    let mut by_category: BTreeMap<Category, usize> = BTreeMap::new();
    for n in &report.not_compared {
        *by_category.entry(n.category).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "\nnot compared: {} ({}){}",
        report.not_compared.len(),
        by_category
            .iter()
            .map(|(category, count)| format!("{}: {count}", category.describe()))
            .collect::<Vec<_>>()
            .join("; "),
        if verbose {
            ""
        } else {
            "; -v lists each with its reason"
        }
    );
    if verbose {
        for n in &report.not_compared {
            let object = n
                .object
                .as_ref()
                .map(|o| format!("#{o}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {} {}{}: {}",
                n.peer,
                n.check.as_deref().unwrap_or("-"),
                n.fixture,
                object,
                n.reason
            );
        }
    }
    let problems = &report.problems;
    if !problems.unknown_rules.is_empty() {
        let _ = writeln!(
            out,
            "\nwarning: unknown rules in mapping: {} (their rows are skipped)",
            problems
                .unknown_rules
                .iter()
                .map(|(rule, lines)| format!(
                    "{rule} (line{} {})",
                    if lines.len() == 1 { "" } else { "s" },
                    lines
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !problems.stale_accepted.is_empty() {
        let _ = writeln!(
            out,
            "\nwarning: accepted disagreements that no longer match a disagreement (remove or fix the rows):"
        );
        for row in &problems.stale_accepted {
            let _ = writeln!(
                out,
                "  line {}: {} {} {}: peer={} palisade={}",
                row.line, row.peer, row.check, row.fixture, row.peer_verdict, row.palisade_verdict
            );
        }
    }
    if !problems.stale_excluded.is_empty() {
        let _ = writeln!(
            out,
            "\nwarning: cases excluded by hand that match no case (remove or fix the rows):"
        );
        for row in &problems.stale_excluded {
            let _ = writeln!(
                out,
                "  line {}: {} {} {}",
                row.line, row.peer, row.check, row.fixture
            );
        }
    }
    for (peer, check) in &problems.unmapped_checks {
        let _ = writeln!(out, "error: {peer} check {check} has no row in the mapping");
    }
    for (peer, check, line) in &problems.unknown_checks {
        let _ = writeln!(
            out,
            "error: line {line}: {peer} check {check} is not in {peer}'s expected.json"
        );
    }
    for message in &problems.inconsistent_rows {
        let _ = writeln!(out, "error: {message}");
    }
    if !report.missing_objects.is_empty() {
        let _ = writeln!(
            out,
            "\nwarning: objects the peer labels but palisade did not load (judged as pass):"
        );
        for m in &report.missing_objects {
            let _ = writeln!(
                out,
                "  {} {}{}",
                m.peer,
                m.fixture,
                m.object
                    .as_ref()
                    .map(|o| format!("#{o}"))
                    .unwrap_or_default()
            );
        }
    }
    if !report.load_errors.is_empty() {
        let _ = writeln!(
            out,
            "\ninputs palisade reports as unreadable: {}{}",
            report.load_errors.len(),
            if verbose { "" } else { " (-v lists them)" }
        );
        if verbose {
            for error in &report.load_errors {
                let _ = writeln!(out, "  {error}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\ntotal: {}/{} ({:.1}%) agreed ({} of the disagreements where we believe the peer is wrong); target >= {TARGET_PERCENT}% over >= {TARGET_COMPARED} compared verdicts: {}",
        report.agreed,
        report.compared,
        report.percent(),
        report.accepted.len(),
        if report.meets_target() {
            "met"
        } else {
            "NOT met"
        }
    );
    out
}

/// The JSON report: the figures, every comparison, every case not compared.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    version: u32,
    meets_target: bool,
    target: Target,
    total: Total,
    #[serde(flatten)]
    report: &'a Report,
}

#[derive(Serialize)]
struct Target {
    percent: f64,
    compared: usize,
}

#[derive(Serialize)]
struct Total {
    agreed: usize,
    compared: usize,
    percent: f64,
    accepted: usize,
    not_compared: usize,
}

/// The JSON report of `report`.
pub fn document(report: &Report) -> JsonReport<'_> {
    JsonReport {
        version: 1,
        meets_target: report.meets_target(),
        target: Target {
            percent: TARGET_PERCENT,
            compared: TARGET_COMPARED,
        },
        total: Total {
            agreed: report.agreed,
            compared: report.compared,
            percent: report.percent(),
            accepted: report.accepted.len(),
            not_compared: report.not_compared.len(),
        },
        report,
    }
}
