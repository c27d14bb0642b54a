//! JUnit XML, for the test report views of CI systems.
//!
//! - One `<testsuite>` per layer that has findings or rules, named after the layer
//!   (`workload`), in the layers' outside-in order.
//! - In it, one failing test case per finding, named `<rule> <Kind/namespace/name>`, whose
//!   failure message is the finding's message and whose text gives the position, the path,
//!   the severity and the fix; then, so that a clean scan still shows what was checked, one
//!   passing test case per rule of that layer without findings, named after the rule.
//! - Input errors go in a last suite, `inputs`, one errored test case per error.

use std::collections::BTreeSet;
use std::io::{self, Write};

use palisade_model::{Finding, InputError, Layer, RuleDoc};
use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::{Report, TOOL_NAME};

pub(crate) const INPUTS_SUITE: &str = "inputs";

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    junit(report).serialize(out).map_err(io::Error::other)
}

fn junit(report: &Report) -> JunitReport {
    let mut junit = JunitReport::new(TOOL_NAME);
    let with_findings: BTreeSet<&str> = report.findings.iter().map(|f| &*f.rule).collect();

    for layer in Layer::ALL {
        let findings = report.findings.iter().filter(|f| f.layer == layer);
        let mut passing: Vec<&RuleDoc> = report
            .rules
            .iter()
            .filter(|doc| doc.meta.layer == layer && !with_findings.contains(doc.meta.name))
            .collect();
        passing.sort_by_key(|doc| doc.meta.name);
        passing.dedup_by_key(|doc| doc.meta.name);

        let mut suite = TestSuite::new(layer.as_str());
        suite.add_test_cases(findings.map(failure));
        suite.add_test_cases(passing.into_iter().map(|doc| pass(doc, layer)));
        if suite.tests > 0 {
            junit.add_test_suite(suite);
        }
    }

    if !report.errors.is_empty() {
        let mut suite = TestSuite::new(INPUTS_SUITE);
        suite.add_test_cases(report.errors.iter().map(input_error));
        junit.add_test_suite(suite);
    }
    junit
}

fn classname(suite: &str) -> String {
    format!("{TOOL_NAME}.{suite}")
}

fn failure(finding: &Finding) -> TestCase {
    let position = match &finding.location {
        Some(location) => format!("{}:{}:{}", location.file, location.line, location.column),
        // A live object has no file: its identity stands where the position would.
        None => format!("live object {}", finding.object),
    };
    let path = if finding.path.is_empty() {
        "(the object)"
    } else {
        &finding.path
    };
    let mut description = format!(
        "{position}\nobject: {}\npath: {path}\nseverity: {}\n{}\n",
        finding.object, finding.severity, finding.message
    );
    if !finding.fix.is_empty() {
        description.push_str(&format!("fix: {}\n", finding.fix));
    }

    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(&finding.message)
        .set_type(finding.severity.as_str())
        .set_description(description);
    let mut case = TestCase::new(format!("{} {}", finding.rule, finding.object), status);
    case.set_classname(classname(finding.layer.as_str()));
    if let Some(location) = &finding.location {
        case.extra.insert("file".into(), (&*location.file).into());
    }
    case
}

fn pass(doc: &RuleDoc, layer: Layer) -> TestCase {
    let mut case = TestCase::new(doc.meta.name, TestCaseStatus::success());
    case.set_classname(classname(layer.as_str()));
    case
}

fn input_error(error: &InputError) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status
        .set_message(&error.message)
        .set_type("input-error")
        .set_description(format!("{error}\n"));
    let name = match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", error.file),
        (Some(line), None) => format!("{}:{line}", error.file),
        _ => error.file.clone(),
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(classname(INPUTS_SUITE));
    case.extra.insert("file".into(), error.file.as_str().into());
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, Fixture, VERSION};

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        let fixture = Fixture::new();
        insta::assert_snapshot!(rendered(&fixture.report()));
    }

    #[test]
    fn parses_back_with_the_right_counts() {
        let fixture = Fixture::new();
        let xml = rendered(&fixture.report());
        let parsed = JunitReport::deserialize_from_str(&xml).unwrap();
        assert_eq!(parsed.name.as_deref(), Some("palisade"));

        let suites: Vec<(&str, usize, usize, usize)> = parsed
            .test_suites
            .iter()
            .map(|s| (s.name.as_str(), s.tests, s.failures, s.errors))
            .collect();
        assert_eq!(
            suites,
            [
                ("host", 1, 0, 0),
                ("access", 1, 1, 0),
                ("network", 1, 1, 0),
                ("workload", 2, 2, 0),
                ("supply-chain", 1, 1, 0),
                ("inputs", 2, 0, 2),
            ]
        );
        assert_eq!((parsed.tests, parsed.failures, parsed.errors), (8, 5, 2));

        let workload = &parsed.test_suites[3];
        let names: Vec<&str> = workload
            .test_cases
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "team-label-required ConfigMap/prod/web-config",
                "privileged-container Deployment/prod/web"
            ]
        );
        match &workload.test_cases[1].status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Failure,
                message,
                ty,
                description,
                ..
            } => {
                let message = message.as_deref().unwrap();
                assert!(
                    message.contains("a compromise of <web> is root"),
                    "{message}"
                );
                assert!(message.contains("device of the node & load"));
                assert!(message.ends_with("ünïcödé ✓"));
                assert_eq!(ty.as_deref(), Some("critical"));
                let description = description.as_deref().unwrap();
                assert!(
                    description.starts_with("deploy/web.yaml:21:13\n"),
                    "{description}"
                );
                assert!(description.contains(
                    "path: /spec/template/spec/containers/0/securityContext/privileged\n"
                ));
                assert!(description.contains("fix: Remove `securityContext.privileged: true`"));
            }
            other => panic!("expected a failure, got {other:?}"),
        }

        let host = &parsed.test_suites[0];
        assert_eq!(host.test_cases[0].name.as_str(), "anonymous-kubelet-auth");
        assert!(matches!(
            host.test_cases[0].status,
            TestCaseStatus::Success { .. }
        ));

        let inputs = &parsed.test_suites[5];
        assert_eq!(inputs.test_cases[0].name.as_str(), "deploy/broken.yaml:4:7");
        assert_eq!(inputs.test_cases[1].name.as_str(), "deploy/unreadable.yaml");
    }

    #[test]
    fn escapes_markup() {
        let fixture = Fixture::new();
        let xml = rendered(&fixture.report());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(xml.contains("of the node &amp; load"), "{xml}");
        assert!(
            xml.contains("&lt;web&gt;") || xml.contains("&lt;web>"),
            "{xml}"
        );
        assert!(xml.contains("&quot;web&quot;") || !xml.contains("message=\"Container \"web\""));
        assert!(!xml.contains("<web>"));
    }

    #[test]
    fn clean_scan_lists_every_rule_as_passing() {
        let summary = fixtures::clean_summary();
        let rules = fixtures::rules();
        let report = Report {
            findings: &[],
            errors: &[],
            summary: &summary,
            rules: &rules,
            tool_version: VERSION,
        };
        let parsed = JunitReport::deserialize_from_str(&rendered(&report)).unwrap();
        assert_eq!((parsed.tests, parsed.failures, parsed.errors), (5, 0, 0));
        let suites: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            suites,
            ["host", "access", "network", "workload", "supply-chain"]
        );
    }
}
