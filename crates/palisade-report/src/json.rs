//! The JSON report: a stable shape of its own (documented on [`crate::Format::Json`]), built from
//! view types here so that a change in the model's serialization never changes it by accident.

use std::io::{self, Write};

use palisade_model::{Finding, InputError, ScanSummary, Severity};
use serde::Serialize;

use crate::{JSON_FORMAT_VERSION, Report, TOOL_NAME, write_in_parallel};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool<'a>,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    layer: &'static str,
    object: JsonObject<'a>,
    path: &'a str,
    location: Option<JsonLocation<'a>>,
    message: &'a str,
    fix: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonObject<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    files: usize,
    objects: usize,
    skipped_documents: usize,
    findings: usize,
    by_severity: BySeverity,
    suppressed: usize,
    errors: usize,
}

/// Every severity, always present, from the least to the most severe.
#[derive(Serialize)]
struct BySeverity {
    info: usize,
    low: usize,
    medium: usize,
    high: usize,
    critical: usize,
}

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let view = JsonReport {
        version: JSON_FORMAT_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: report.tool_version,
        },
        findings: Vec::new(),
        errors: report.errors.iter().map(error).collect(),
        summary: summary(report.summary),
    };
    let mut frame = Vec::new();
    write_pretty(&view, &mut frame)?;
    // The findings can be tens of megabytes: they are rendered in parallel, in order, and put
    // where the empty list stands in the frame, with the indentation serde_json would give.
    const EMPTY: &[u8] = b"\n  \"findings\": [],";
    let at = frame
        .windows(EMPTY.len())
        .position(|window| window == EMPTY)
        .ok_or_else(|| io::Error::other("the JSON frame lacks its findings list"))?;
    out.write_all(&frame[..at])?;
    if report.findings.is_empty() {
        out.write_all(EMPTY)?;
    } else {
        out.write_all(b"\n  \"findings\": [")?;
        write_in_parallel(report.findings, out, render_finding)?;
        out.write_all(b"\n  ],")?;
    }
    out.write_all(&frame[at + EMPTY.len()..])
}

/// One finding as an item of the report's `findings` list: pretty-printed, indented two
/// levels, preceded by a comma unless it is the very first.
fn render_finding(one: &Finding, first: bool, buffer: &mut Vec<u8>) -> io::Result<()> {
    // Serialized into a scratch buffer first: serde_json writes many tiny pieces, which a Vec
    // takes fastest; then copied with the extra indentation, a newline at a time.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let mut item = scratch.borrow_mut();
        item.clear();
        serde_json::to_writer_pretty(&mut *item, &finding(one))?;
        if !first {
            buffer.push(b',');
        }
        buffer.extend_from_slice(b"\n    ");
        // JSON strings never hold a raw newline, so every one starts an indented line.
        let mut rest = &item[..];
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            buffer.extend_from_slice(&rest[..=newline]);
            buffer.extend_from_slice(b"    ");
            rest = &rest[newline + 1..];
        }
        buffer.extend_from_slice(rest);
        Ok(())
    })
}

/// Pretty-printed JSON with a trailing newline.
pub(crate) fn write_pretty(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

fn finding(finding: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: &finding.rule,
        severity: finding.severity.as_str(),
        layer: finding.layer.as_str(),
        object: JsonObject {
            api_version: &finding.object.api_version,
            kind: &finding.object.kind,
            namespace: finding.object.namespace.as_deref(),
            name: &finding.object.name,
        },
        path: &finding.path,
        location: finding.location.as_ref().map(|location| JsonLocation {
            file: &location.file,
            line: location.line,
            column: location.column,
        }),
        message: &finding.message,
        fix: &finding.fix,
    }
}

fn error(error: &InputError) -> JsonError<'_> {
    JsonError {
        file: &error.file,
        line: error.line,
        column: error.column,
        message: &error.message,
    }
}

fn summary(summary: &ScanSummary) -> JsonSummary {
    let n = |severity: Severity| summary.by_severity.get(&severity).copied().unwrap_or(0);
    JsonSummary {
        files: summary.files,
        objects: summary.objects,
        skipped_documents: summary.skipped_documents,
        findings: summary.findings,
        by_severity: BySeverity {
            info: n(Severity::Info),
            low: n(Severity::Low),
            medium: n(Severity::Medium),
            high: n(Severity::High),
            critical: n(Severity::Critical),
        },
        suppressed: summary.suppressed,
        errors: summary.errors,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::fixtures::{Fixture, VERSION};

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parallel_rendering_equals_serde_json_across_chunk_boundaries() {
        let fixture = Fixture::new();
        let base = fixture.report();
        let many: Vec<Finding> = base.findings.iter().cycle().take(1_300).cloned().collect();
        let report = Report {
            findings: &many,
            ..base
        };
        let direct = JsonReport {
            version: JSON_FORMAT_VERSION,
            tool: Tool {
                name: TOOL_NAME,
                version: report.tool_version,
            },
            findings: report.findings.iter().map(finding).collect(),
            errors: report.errors.iter().map(error).collect(),
            summary: summary(report.summary),
        };
        let mut expected = Vec::new();
        write_pretty(&direct, &mut expected).unwrap();
        assert_eq!(rendered(&report), String::from_utf8(expected).unwrap());
        let none = Report {
            findings: &[],
            ..base
        };
        assert!(rendered(&none).contains("\n  \"findings\": [],\n"));
    }

    #[test]
    fn snapshot() {
        let fixture = Fixture::new();
        insta::assert_snapshot!(rendered(&fixture.report()));
    }

    #[test]
    fn shape() {
        let fixture = Fixture::new();
        let text = rendered(&fixture.report());
        assert!(text.ends_with("}\n"));
        let value: Value = serde_json::from_str(&text).unwrap();
        // serde_json's map is sorted; compare key sets, and check the order in the text.
        let keys =
            |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
        let sorted = |keys: &[&str]| -> Vec<String> {
            let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            keys.sort();
            keys
        };
        let top_level: Vec<usize> = [
            "\n  \"version\"",
            "\n  \"tool\"",
            "\n  \"findings\"",
            "\n  \"errors\"",
            "\n  \"summary\"",
        ]
        .iter()
        .map(|key| text.find(key).unwrap())
        .collect();
        assert!(top_level.windows(2).all(|w| w[0] < w[1]));

        assert_eq!(
            keys(&value),
            sorted(&["version", "tool", "findings", "errors", "summary"])
        );
        assert_eq!(value["version"], 1);
        assert_eq!(
            value["tool"],
            json!({"name": "palisade", "version": VERSION})
        );

        let findings = value["findings"].as_array().unwrap();
        assert_eq!(findings.len(), fixture.findings.len());
        for (json, finding) in findings.iter().zip(&fixture.findings) {
            assert_eq!(
                keys(json),
                sorted(&[
                    "rule", "severity", "layer", "object", "path", "location", "message", "fix"
                ])
            );
            assert_eq!(
                keys(&json["object"]),
                sorted(&["apiVersion", "kind", "namespace", "name"])
            );
            assert_eq!(json["rule"], &*finding.rule);
            assert_eq!(json["message"], finding.message.as_str());
        }
        // The live object: no location, no namespace.
        assert_eq!(
            findings[0],
            json!({
                "rule": "cluster-admin-binding",
                "severity": "high",
                "layer": "access",
                "object": {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "namespace": null,
                    "name": "ci-admin"
                },
                "path": "/roleRef/name",
                "location": null,
                "message": "ClusterRoleBinding \"ci-admin\" grants cluster-admin to ServiceAccount ci/deployer.",
                "fix": "Bind a Role with only the verbs and resources the subject needs."
            })
        );
        let privileged = findings
            .iter()
            .find(|f| f["rule"] == "privileged-container")
            .unwrap();
        assert_eq!(
            privileged["location"],
            json!({"file": "deploy/web.yaml", "line": 21, "column": 13})
        );
        assert_eq!(privileged["object"]["namespace"], "prod");
        assert!(
            privileged["message"]
                .as_str()
                .unwrap()
                .contains("<web> is root on the node — ünïcödé ✓")
        );

        assert_eq!(
            value["errors"],
            json!([
                {"file": "deploy/broken.yaml", "line": 4, "column": 7,
                 "message": "mapping values are not allowed in this context"},
                {"file": "deploy/unreadable.yaml", "line": null, "column": null,
                 "message": "permission denied (os error 13)"}
            ])
        );
        assert_eq!(
            value["summary"],
            json!({
                "files": 4, "objects": 5, "skippedDocuments": 1, "findings": 5,
                "bySeverity": {"info": 1, "low": 1, "medium": 1, "high": 1, "critical": 1},
                "suppressed": 1, "errors": 2
            })
        );
        assert!(text.contains(
            "\"bySeverity\": {\n      \"info\": 1,\n      \"low\": 1,\n      \"medium\": 1,\n      \"high\": 1,\n      \"critical\": 1\n    }"
        ));
    }

    #[test]
    fn missing_severity_counts_are_zero() {
        let summary = ScanSummary::default();
        let report = Report {
            findings: &[],
            errors: &[],
            summary: &summary,
            rules: &[],
            tool_version: VERSION,
        };
        let value: Value = serde_json::from_str(&rendered(&report)).unwrap();
        assert_eq!(
            value["summary"]["bySeverity"],
            json!({"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0})
        );
        assert_eq!(value["findings"], json!([]));
        assert_eq!(value["errors"], json!([]));
    }
}
