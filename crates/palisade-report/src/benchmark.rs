//! Benchmark reports (`palisade node`): every check with its status, the evidence and where it
//! was found, in the same four formats as scan reports.
//!
//! - `table`: one line per check in CIS order (`PASS`, `FAIL`, `WARN`, `MANUAL`), and under each
//!   failed or undecided check the reason, the evidence with its position, and the remediation;
//!   then the totals.
//! - `json`: `{version, tool, target, results[], errors[], summary}`; each result has `id`,
//!   `title`, `status`, `type`, `component`, `reason`, `evidence[]` (`found` and `source` with
//!   `kind`, `file`, `line`, `column`) and `remediation`.
//! - `junit`: one test suite per CIS section, one test case per check: failed checks fail,
//!   undecided and manual ones are skipped with their reason.
//! - `sarif`: failed and undecided checks as results (rule id `cis-<id>`), at the file and line
//!   of their evidence where there is one, through the scan report's SARIF writer.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use palisade_model::benchmark::{CheckResult, CheckType, Status};
use palisade_model::{Finding, InputError, Layer, Location, ObjectRef, ScanSummary, Severity};
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::json::write_pretty;
use crate::style::{BOLD, DIM, ERROR, SUCCESS, paint};
use crate::{Format, RenderOptions, Report, TOOL_NAME};

/// What `palisade node` reports.
pub struct BenchmarkReport<'a> {
    /// What was checked: `node /`, `node --root /mnt/image`, `kubeadm configuration FILE`.
    pub target: &'a str,
    /// One result per check, in the benchmark's order.
    pub results: &'a [CheckResult],
    /// Components not found on the node, whose checks are left out (a worker has no API
    /// server); said in every format so that a missing component is never silent.
    pub components_not_found: &'a [String],
    /// What could not be read; the checks that needed it are `warn`, never `pass`.
    pub errors: &'a [InputError],
    pub tool_version: &'a str,
}

/// The number of results per status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BenchmarkSummary {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub manual: usize,
}

impl BenchmarkReport<'_> {
    pub fn summary(&self) -> BenchmarkSummary {
        let mut summary = BenchmarkSummary::default();
        for result in self.results {
            match result.status {
                Status::Pass => summary.pass += 1,
                Status::Fail => summary.fail += 1,
                Status::Warn => summary.warn += 1,
                Status::Manual => summary.manual += 1,
            }
        }
        summary
    }
}

/// Writes a benchmark report in one of the formats.
pub fn render_benchmark(
    report: &BenchmarkReport,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table(report, options, out),
        Format::Json => json(report, out),
        Format::Junit => junit(report).serialize(out).map_err(io::Error::other),
        Format::Sarif => {
            let findings = findings(report);
            let mut summary = ScanSummary {
                errors: report.errors.len(),
                ..ScanSummary::default()
            };
            summary.count_findings(&findings);
            let scan = Report {
                findings: &findings,
                errors: report.errors,
                summary: &summary,
                rules: &[],
                tool_version: report.tool_version,
            };
            crate::sarif::render(&scan, out)
        }
    }
}

/// Failed checks, and checks that could not be decided, as findings: what SARIF prints.
pub fn findings(report: &BenchmarkReport) -> Vec<Finding> {
    report
        .results
        .iter()
        .filter(|result| matches!(result.status, Status::Fail | Status::Warn))
        .map(|result| {
            let severity = match (result.status, result.check_type) {
                (Status::Fail, CheckType::Automated) => Severity::High,
                (Status::Fail, CheckType::Manual) => Severity::Medium,
                _ => Severity::Low,
            };
            let location = result.evidence.iter().find_map(|evidence| {
                let source = evidence.source.as_ref()?;
                Some(Location {
                    file: Arc::from(source.file.as_deref()?),
                    line: source.line.unwrap_or(1),
                    column: source.column.unwrap_or(1),
                })
            });
            Finding {
                rule: Cow::Owned(format!("cis-{}", result.id)),
                severity,
                layer: layer_of(&result.id),
                object: Arc::new(ObjectRef {
                    api_version: palisade_model::PALISADE_API_VERSION.to_string(),
                    kind: "NodeComponent".to_string(),
                    namespace: None,
                    name: result.component.clone(),
                }),
                path: "".into(),
                location,
                message: format!("{} {}: {}", result.id, result.title, result.reason).into(),
                fix: Cow::Owned(result.remediation.clone()),
            }
        })
        .collect()
}

/// Sections 1 to 3 are the control plane; section 4 is the worker node itself.
fn layer_of(id: &str) -> Layer {
    if id.starts_with('4') {
        Layer::Host
    } else {
        Layer::ControlPlane
    }
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Manual => "MANUAL",
    }
}

fn table(report: &BenchmarkReport, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let color = options.color;
    writeln!(
        out,
        "{} on {}\n",
        paint(BOLD, "CIS Kubernetes Benchmark", color),
        report.target
    )?;
    let warn =
        anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Yellow)));
    for result in report.results {
        let style = match result.status {
            Status::Pass => SUCCESS,
            Status::Fail => ERROR,
            Status::Warn => warn,
            Status::Manual => DIM,
        };
        let manual = if result.check_type == CheckType::Manual {
            " (manual)"
        } else {
            ""
        };
        writeln!(
            out,
            "[{:<6}] {:<7} {}{manual}",
            paint(style, status_label(result.status), color),
            result.id,
            result.title
        )?;
        if matches!(result.status, Status::Fail | Status::Warn) {
            writeln!(out, "           {}", result.reason)?;
            for evidence in &result.evidence {
                match &evidence.source {
                    Some(source) => {
                        writeln!(out, "           found: {} ({source})", evidence.found)?
                    }
                    None => writeln!(out, "           found: {}", evidence.found)?,
                }
            }
            if !result.remediation.is_empty() {
                writeln!(out, "           fix: {}", result.remediation)?;
            }
        }
    }
    if !report.components_not_found.is_empty() {
        writeln!(
            out,
            "\nnot on this node, so not checked: {}",
            report.components_not_found.join(", ")
        )?;
    }
    for error in report.errors {
        writeln!(out, "\nerror: {error}")?;
    }
    let summary = report.summary();
    writeln!(
        out,
        "\n{} checks: {} pass, {} fail, {} warn, {} manual{}",
        report.results.len(),
        summary.pass,
        summary.fail,
        summary.warn,
        summary.manual,
        if report.errors.is_empty() {
            String::new()
        } else {
            format!("; {} could not be read", report.errors.len())
        }
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonBenchmark<'a> {
    version: u32,
    tool: JsonTool<'a>,
    benchmark: &'static str,
    target: &'a str,
    results: &'a [CheckResult],
    components_not_found: &'a [String],
    errors: Vec<JsonError<'a>>,
    summary: BenchmarkSummary,
}

#[derive(Serialize)]
struct JsonTool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

/// The benchmark version the check table follows.
pub const BENCHMARK: &str = "CIS Kubernetes Benchmark v1.12 (kube-bench cis-1.12)";

fn json(report: &BenchmarkReport, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonBenchmark {
        version: 1,
        tool: JsonTool {
            name: TOOL_NAME,
            version: report.tool_version,
        },
        benchmark: BENCHMARK,
        target: report.target,
        results: report.results,
        components_not_found: report.components_not_found,
        errors: report
            .errors
            .iter()
            .map(|error| JsonError {
                file: &error.file,
                line: error.line,
                column: error.column,
                message: &error.message,
            })
            .collect(),
        summary: report.summary(),
    };
    write_pretty(&document, out)
}

fn junit(report: &BenchmarkReport) -> JunitReport {
    let mut junit = JunitReport::new(TOOL_NAME);
    let mut sections: BTreeMap<String, Vec<&CheckResult>> = BTreeMap::new();
    for result in report.results {
        let section = result.id.split('.').next().unwrap_or("").to_string();
        sections.entry(section).or_default().push(result);
    }
    for (section, results) in sections {
        let mut suite = TestSuite::new(format!("cis-section-{section}"));
        for result in results {
            let name = format!("{} {}", result.id, result.title);
            let status = match result.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Fail => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_message(&result.reason)
                        .set_type("fail")
                        .set_description(description(result));
                    status
                }
                Status::Warn | Status::Manual => {
                    let mut status = TestCaseStatus::skipped();
                    status
                        .set_message(&result.reason)
                        .set_type(status_label(result.status).to_lowercase())
                        .set_description(description(result));
                    status
                }
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("{TOOL_NAME}.node.{}", result.component));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    if !report.errors.is_empty() {
        let mut suite = TestSuite::new(crate::junit::INPUTS_SUITE);
        for error in report.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(&error.message).set_type("input-error");
            let mut case = TestCase::new(error.to_string(), status);
            case.set_classname(format!("{TOOL_NAME}.node.inputs"));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
}

fn description(result: &CheckResult) -> String {
    let mut text = format!("{}\n", result.reason);
    for evidence in &result.evidence {
        match &evidence.source {
            Some(source) => text.push_str(&format!("found: {} ({source})\n", evidence.found)),
            None => text.push_str(&format!("found: {}\n", evidence.found)),
        }
    }
    if !result.remediation.is_empty() {
        text.push_str(&format!("fix: {}\n", result.remediation));
    }
    text
}

#[cfg(test)]
mod tests {
    use palisade_model::benchmark::{Evidence, Source};
    use serde_json::Value;

    use super::*;

    fn results() -> Vec<CheckResult> {
        vec![
            CheckResult {
                id: "1.2.1".into(),
                title: "Ensure that the --anonymous-auth argument is set to false".into(),
                status: Status::Fail,
                check_type: CheckType::Manual,
                component: "kube-apiserver".into(),
                reason: "--anonymous-auth is not set, and it defaults to true".into(),
                evidence: vec![Evidence {
                    found: "flag not set (default: true)".into(),
                    source: Some(
                        Source::new("static pod manifest")
                            .in_file("/etc/kubernetes/manifests/kube-apiserver.yaml")
                            .at(14, 9),
                    ),
                }],
                remediation: "Set --anonymous-auth=false.".into(),
            },
            CheckResult {
                id: "1.2.2".into(),
                title: "Ensure that the --token-auth-file parameter is not set".into(),
                status: Status::Pass,
                check_type: CheckType::Automated,
                component: "kube-apiserver".into(),
                reason: "--token-auth-file is not set".into(),
                evidence: vec![],
                remediation: "Remove --token-auth-file.".into(),
            },
            CheckResult {
                id: "4.1.1".into(),
                title: "Ensure that the kubelet service file permissions are set to 600".into(),
                status: Status::Warn,
                check_type: CheckType::Automated,
                component: "kubelet".into(),
                reason: "the kubelet service file could not be read".into(),
                evidence: vec![],
                remediation: "chmod 600 the file.".into(),
            },
        ]
    }

    fn rendered(format: Format, results: &[CheckResult], errors: &[InputError]) -> String {
        let report = BenchmarkReport {
            target: "node /",
            results,
            components_not_found: &[],
            errors,
            tool_version: "0.1.0",
        };
        let mut out = Vec::new();
        render_benchmark(&report, format, &RenderOptions::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_has_the_documented_shape() {
        let results = results();
        let value: Value = serde_json::from_str(&rendered(Format::Json, &results, &[])).unwrap();
        assert_eq!(value["version"], 1);
        assert_eq!(value["target"], "node /");
        assert_eq!(value["summary"]["fail"], 1);
        assert_eq!(value["summary"]["pass"], 1);
        assert_eq!(value["summary"]["warn"], 1);
        let first = &value["results"][0];
        assert_eq!(first["id"], "1.2.1");
        assert_eq!(first["status"], "fail");
        assert_eq!(first["type"], "manual");
        assert_eq!(
            first["evidence"][0]["source"],
            serde_json::json!({
                "kind": "static pod manifest",
                "file": "/etc/kubernetes/manifests/kube-apiserver.yaml",
                "line": 14,
                "column": 9
            })
        );
        assert_eq!(first["remediation"], "Set --anonymous-auth=false.");
    }

    #[test]
    fn table_details_what_failed_or_could_not_be_decided() {
        let text = rendered(Format::Table, &results(), &[]);
        assert!(text.contains("[FAIL  ] 1.2.1"), "{text}");
        assert!(text.contains("[PASS  ] 1.2.2"), "{text}");
        assert!(text.contains("[WARN  ] 4.1.1"), "{text}");
        assert!(text.contains(
            "found: flag not set (default: true) (static pod manifest /etc/kubernetes/manifests/kube-apiserver.yaml:14:9)"
        ));
        assert!(
            text.contains("3 checks: 1 pass, 1 fail, 1 warn, 0 manual"),
            "{text}"
        );
        // A passing check is one line: its remediation is not printed.
        assert!(!text.contains("Remove --token-auth-file."), "{text}");
    }

    #[test]
    fn junit_fails_failed_checks_and_skips_undecided_ones() {
        let text = rendered(Format::Junit, &results(), &[]);
        assert!(text.contains("testsuite name=\"cis-section-1\""), "{text}");
        assert!(text.contains("testsuite name=\"cis-section-4\""), "{text}");
        assert!(text.contains("<failure"), "{text}");
        assert!(text.contains("<skipped"), "{text}");
    }

    #[test]
    fn sarif_has_failed_and_undecided_checks_at_their_evidence() {
        let text = rendered(Format::Sarif, &results(), &[]);
        let value: Value = serde_json::from_str(&text).unwrap();
        let results = value["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["ruleId"], "cis-1.2.1");
        let region = &results[0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 14);
        assert_eq!(results[1]["ruleId"], "cis-4.1.1");
    }

    #[test]
    fn errors_are_said_in_every_format() {
        let errors = vec![InputError {
            file: "/proc".into(),
            line: None,
            column: None,
            message: "permission denied".into(),
        }];
        let results = results();
        assert!(rendered(Format::Table, &results, &errors).contains("could not be read"));
        let value: Value =
            serde_json::from_str(&rendered(Format::Json, &results, &errors)).unwrap();
        assert_eq!(value["errors"][0]["message"], "permission denied");
        assert!(rendered(Format::Junit, &results, &errors).contains("permission denied"));
    }
}
