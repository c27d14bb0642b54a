//! The JSON report: a stable shape of its own (documented on [`crate::Format::Json`]), built from
//! view types here so that a change in the model's serialization never changes it by accident.
//! The findings, nearly all of a large report, are written by hand in the bytes serde_json
//! would give their view type [`JsonFinding`]; the tests hold the two to each other.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use palisade_model::{Finding, InputError, ObjectRef, ScanSummary, Severity};
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

/// What the findings before this one in its chunk rendered that the next may repeat: the
/// findings of one object come together, and share their object and file.
#[derive(Default)]
struct Repeated {
    /// The object (by address: the findings hold it) whose rendering `object` is.
    object_of: Option<*const ObjectRef>,
    object: Vec<u8>,
    /// The file name (by address) whose rendering `file` is.
    file_of: Option<*const str>,
    file: Vec<u8>,
    /// The renderings of the fixes met so far that are a rule's own text (by address): a
    /// chunk holds the findings of a few dozen rules at most.
    fixes: Vec<(*const str, Vec<u8>)>,
}

/// One finding as an item of the report's `findings` list: pretty-printed, indented two
/// levels, preceded by a comma unless it is the very first.
///
/// Written by hand, byte for byte what serde_json's pretty printer makes of [`JsonFinding`]
/// (the tests compare the two): through serde_json, the many small writes and the escaping a
/// byte at a time took a fifth of a large scan.
fn render_finding(
    one: &Finding,
    first: bool,
    buffer: &mut Vec<u8>,
    repeated: &mut Repeated,
) -> io::Result<()> {
    if !first {
        buffer.push(b',');
    }
    buffer.extend_from_slice(b"\n    {\n      \"rule\": ");
    string(buffer, &one.rule);
    buffer.extend_from_slice(b",\n      \"severity\": ");
    plain_string(buffer, one.severity.as_str());
    buffer.extend_from_slice(b",\n      \"layer\": ");
    plain_string(buffer, one.layer.as_str());
    buffer.extend_from_slice(b",\n      \"object\": ");
    if repeated.object_of != Some(Arc::as_ptr(&one.object)) {
        repeated.object.clear();
        render_object(&one.object, &mut repeated.object);
        repeated.object_of = Some(Arc::as_ptr(&one.object));
    }
    buffer.extend_from_slice(&repeated.object);
    buffer.extend_from_slice(b",\n      \"path\": ");
    string(buffer, &one.path);
    buffer.extend_from_slice(b",\n      \"location\": ");
    match &one.location {
        Some(location) => {
            let mut number = itoa::Buffer::new();
            buffer.extend_from_slice(b"{\n        \"file\": ");
            if repeated.file_of != Some(Arc::as_ptr(&location.file)) {
                repeated.file.clear();
                string(&mut repeated.file, &location.file);
                repeated.file_of = Some(Arc::as_ptr(&location.file));
            }
            buffer.extend_from_slice(&repeated.file);
            buffer.extend_from_slice(b",\n        \"line\": ");
            buffer.extend_from_slice(number.format(location.line).as_bytes());
            buffer.extend_from_slice(b",\n        \"column\": ");
            buffer.extend_from_slice(number.format(location.column).as_bytes());
            buffer.extend_from_slice(b"\n      }");
        }
        None => buffer.extend_from_slice(b"null"),
    }
    buffer.extend_from_slice(b",\n      \"message\": ");
    string(buffer, &one.message);
    buffer.extend_from_slice(b",\n      \"fix\": ");
    match &one.fix {
        Cow::Borrowed(fix) => {
            let at = match repeated
                .fixes
                .iter()
                .position(|(of, _)| std::ptr::eq(*of, *fix))
            {
                Some(at) => at,
                None => {
                    let mut rendered = Vec::new();
                    string(&mut rendered, fix);
                    repeated.fixes.push((*fix as *const str, rendered));
                    repeated.fixes.len() - 1
                }
            };
            buffer.extend_from_slice(&repeated.fixes[at].1);
        }
        Cow::Owned(fix) => string(buffer, fix),
    }
    buffer.extend_from_slice(b"\n    }");
    Ok(())
}

/// The `object` of a finding, indented as an item of the findings list.
fn render_object(object: &ObjectRef, buffer: &mut Vec<u8>) {
    buffer.extend_from_slice(b"{\n        \"apiVersion\": ");
    string(buffer, &object.api_version);
    buffer.extend_from_slice(b",\n        \"kind\": ");
    string(buffer, &object.kind);
    buffer.extend_from_slice(b",\n        \"namespace\": ");
    match &object.namespace {
        Some(namespace) => string(buffer, namespace),
        None => buffer.extend_from_slice(b"null"),
    }
    buffer.extend_from_slice(b",\n        \"name\": ");
    string(buffer, &object.name);
    buffer.extend_from_slice(b"\n      }");
}

/// A JSON string, escaped as serde_json escapes it: `"` and `\\`, the control characters
/// (`\\b`, `\\f`, `\\n`, `\\r`, `\\t` short, the others as `\\u00xx`), nothing else.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escape; control characters are rare, and quotes are not (messages
    // quote names). One pass over words of eight bytes says which case this is (a byte loop
    // over the many short strings of a finding cost more than the rest of its rendering);
    // quotes alone are then found with memchr.
    let (special, control) = bytes_to_escape(bytes);
    let mut start = 0;
    if control {
        for (at, &byte) in bytes.iter().enumerate() {
            if byte < 0x20 || byte == b'"' || byte == b'\\' {
                out.extend_from_slice(&bytes[start..at]);
                escape(out, byte);
                start = at + 1;
            }
        }
    } else if special {
        for at in memchr::memchr2_iter(b'"', b'\\', bytes) {
            out.extend_from_slice(&bytes[start..at]);
            escape(out, bytes[at]);
            start = at + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether `bytes` holds a byte that JSON escapes (a control character, `"` or `\\`), and
/// whether one of them is a control character. Eight bytes at a time, with the bit tricks of
/// "Bit Twiddling Hacks" (a byte below `n` for `n` <= 128; a zero byte after an XOR): they
/// say exactly whether such a byte is in the word, though not which.
fn bytes_to_escape(bytes: &[u8]) -> (bool, bool) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGH_BITS;
    let mut special = 0;
    let mut control = 0;
    let mut check = |word: u64| {
        control |= below(word, 0x20);
        special |= below(word ^ QUOTES, 1) | below(word ^ BACKSLASHES, 1);
    };
    let word = |eight: &[u8]| {
        let mut word = [0; 8];
        word.copy_from_slice(eight);
        u64::from_ne_bytes(word)
    };
    let mut words = bytes.chunks_exact(8);
    for eight in &mut words {
        check(word(eight));
    }
    if !words.remainder().is_empty() {
        if bytes.len() >= 8 {
            // The last word overlaps the one before it rather than stop short: a byte seen
            // twice changes nothing.
            check(word(&bytes[bytes.len() - 8..]));
        } else {
            // A short string (a kind, a namespace), filled up with a letter that needs no
            // escape; byte by byte, for a copy of a few bytes is a call to memcpy.
            let mut short = u64::from_ne_bytes([b'a'; 8]);
            for (lane, &byte) in bytes.iter().enumerate() {
                short = (short & !(0xff << (8 * lane))) | (u64::from(byte) << (8 * lane));
            }
            check(short);
        }
    }
    ((special | control) != 0, control != 0)
}

/// A string known to need no escape (a severity's or a layer's name).
fn plain_string(out: &mut Vec<u8>, text: &'static str) {
    debug_assert_eq!(bytes_to_escape(text.as_bytes()), (false, false));
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// The escape of one byte that needs one.
fn escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
            return;
        }
    };
    out.push(b'\\');
    out.push(short);
}

/// Pretty-printed JSON with a trailing newline.
pub(crate) fn write_pretty(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
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

    /// A finding as serde_json sees it: what the hand-written findings must equal.
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
    fn hand_written_findings_equal_serde_json_whatever_the_text() {
        let fixture = Fixture::new();
        let base = fixture.report();
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        // Bytes that need an escape at many offsets (the search goes by blocks of bytes), and
        // text that needs none.
        let mut tricky: Vec<String> = (0..24)
            .flat_map(|offset| {
                [
                    format!("{}\"{}", "a".repeat(offset), "b".repeat(20)),
                    format!("{}\\", "é".repeat(offset)),
                    format!("{}\u{1f}\n", " ".repeat(offset)),
                ]
            })
            .collect();
        tricky.extend(
            [
                every_ascii.as_str(),
                "\"quoted\" \\back\\slash\\",
                "ünïcödé ✓ \u{2028}\u{2029} \u{7f} \u{10ffff} \u{80}\u{ff}",
                "",
                "\u{1}\u{1f}\\u0000",
                "no escape at all, in more than one word of eight bytes",
            ]
            .map(String::from),
        );
        let mut many = Vec::new();
        for (index, text) in tricky.iter().enumerate() {
            for template in base.findings {
                let mut finding = template.clone();
                finding.message = format!("{text}{index}").into();
                finding.path = text.as_str().into();
                finding.rule = text.to_string().into();
                finding.fix = text.to_string().into();
                let mut object = (*finding.object).clone();
                object.name = text.to_string();
                object.namespace = object.namespace.map(|_| text.to_string());
                finding.object = object.into();
                if let Some(location) = &mut finding.location {
                    location.file = text.as_str().into();
                    location.line = u32::MAX;
                    location.column = 0;
                }
                many.push(finding);
            }
        }
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
            assert_eq!(json["message"], &*finding.message);
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
