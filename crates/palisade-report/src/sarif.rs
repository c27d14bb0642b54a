//! SARIF 2.1.0, built with the types `serde-sarif` generates from the official schema.
//!
//! One run. `tool.driver.rules` holds every rule of the registry (and, after them, any rule a
//! finding names that the registry does not know, so that every `ruleIndex` is valid). Input
//! errors become tool execution notifications of the one invocation.

use std::collections::BTreeMap;
use std::io::{self, Write};

use palisade_model::{Finding, InputError, Layer, ObjectRef, RuleDoc, Severity, reference_url};
use serde_json::Value;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use crate::json::write_pretty;
use crate::{Report, TOOL_NAME};

pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The key of our fingerprint in `partialFingerprints`; the suffix is raised if the hashed
/// fields ever change.
pub(crate) const FINGERPRINT_KEY: &str = "palisadeFinding/v1";
const SOURCE_ROOT: &str = "%SRCROOT%";

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_pretty(&sarif(report), out)
}

/// A rule as the run describes it: from the registry, or made up from a finding whose rule
/// the registry does not know.
struct RuleEntry<'a> {
    name: &'a str,
    severity: Severity,
    layer: Layer,
    doc: Option<&'a RuleDoc>,
}

fn sarif(report: &Report) -> Sarif {
    let mut entries: Vec<RuleEntry> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let known = report.rules.iter().map(|doc| RuleEntry {
        name: doc.meta.name,
        severity: doc.meta.severity,
        layer: doc.meta.layer,
        doc: Some(doc),
    });
    let unknown = report.findings.iter().map(|finding| RuleEntry {
        name: &finding.rule,
        severity: finding.severity,
        layer: finding.layer,
        doc: None,
    });
    for entry in known.chain(unknown) {
        if !index.contains_key(entry.name) {
            index.insert(entry.name, entries.len());
            entries.push(entry);
        }
    }

    let results = report
        .findings
        .iter()
        .map(|finding| result(finding, index.get(&*finding.rule).copied()))
        .collect::<Vec<_>>();

    let mut driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .version(report.tool_version)
        .rules(entries.iter().map(descriptor).collect::<Vec<_>>())
        .build();
    if !INFORMATION_URI.is_empty() {
        driver.information_uri = Some(INFORMATION_URI.to_string());
    }

    let mut invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .build();
    if !report.errors.is_empty() {
        invocation.tool_execution_notifications =
            Some(report.errors.iter().map(notification).collect());
    }

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .column_kind("unicodeCodePoints")
        .invocations(vec![invocation])
        .results(results)
        .build();

    Sarif::builder()
        .schema(SCHEMA)
        .version("2.1.0")
        .runs(vec![run])
        .build()
}

fn descriptor(entry: &RuleEntry) -> ReportingDescriptor {
    let references: &[&str] = entry.doc.map(|doc| doc.meta.references).unwrap_or(&[]);
    let mut tags = vec![entry.layer.as_str().to_string(), "security".to_string()];
    tags.extend(references.iter().map(|reference| reference.to_string()));
    let mut properties = BTreeMap::new();
    properties.insert(
        "security-severity".to_string(),
        Value::from(security_severity(entry.severity)),
    );
    properties.insert("precision".to_string(), Value::from("high"));

    let mut descriptor = ReportingDescriptor::builder()
        .id(entry.name)
        .name(entry.name)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(level(entry.severity).to_string())
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build();

    if let Some(doc) = entry.doc {
        let meta = &doc.meta;
        descriptor.short_description = Some(text_and_markdown(meta.summary, None));
        let documentation = doc.documentation.trim();
        let documentation = if documentation.is_empty() {
            meta.summary
        } else {
            documentation
        };
        descriptor.full_description = Some(text_and_markdown(documentation, Some(documentation)));
        let help = if meta.fix.is_empty() {
            documentation.to_string()
        } else {
            format!("{documentation}\n\nFix: {}", meta.fix)
        };
        let help_markdown = if meta.fix.is_empty() {
            documentation.to_string()
        } else {
            format!("{documentation}\n\n**Fix:** {}", meta.fix)
        };
        descriptor.help = Some(text_and_markdown(&help, Some(&help_markdown)));
        descriptor.help_uri = references
            .iter()
            .find_map(|reference| reference_url(reference));
    }
    descriptor
}

fn text_and_markdown(text: &str, markdown: Option<&str>) -> MultiformatMessageString {
    let mut message = MultiformatMessageString::builder().text(text).build();
    message.markdown = markdown.map(str::to_string);
    message
}

fn result(finding: &Finding, rule_index: Option<usize>) -> SarifResult {
    let text = if finding.fix.is_empty() {
        finding.message.to_string()
    } else {
        format!("{} Fix: {}", finding.message, finding.fix)
    };
    let mut location = Location::builder()
        .logical_locations(vec![logical_location(&finding.object)])
        .build();
    if let Some(source) = &finding.location {
        location.physical_location = Some(
            PhysicalLocation::builder()
                .artifact_location(artifact_location(&source.file))
                .region(
                    Region::builder()
                        .start_line(i64::from(source.line))
                        .start_column(i64::from(source.column))
                        .build(),
                )
                .build(),
        );
    }

    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), fingerprint(finding));
    let mut properties = BTreeMap::new();
    properties.insert(
        "severity".to_string(),
        Value::from(finding.severity.as_str()),
    );
    properties.insert("layer".to_string(), Value::from(finding.layer.as_str()));
    properties.insert("path".to_string(), Value::from(&*finding.path));

    let mut result = SarifResult::builder()
        .rule_id(&*finding.rule)
        .level(level(finding.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.rule_index = rule_index.and_then(|index| i64::try_from(index).ok());
    result
}

fn notification(error: &InputError) -> Notification {
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact_location(&error.file))
        .build();
    if let Some(line) = error.line {
        let mut region = Region::builder().start_line(i64::from(line)).build();
        region.start_column = error.column.map(i64::from);
        physical.region = Some(region);
    }
    Notification::builder()
        .level("error")
        .message(Message::builder().text(&error.message).build())
        .locations(vec![
            Location::builder().physical_location(physical).build(),
        ])
        .build()
}

/// `Kind/namespace/name` (or `Kind/name`), kind `resource`.
fn logical_location(object: &ObjectRef) -> LogicalLocation {
    LogicalLocation::builder()
        .name(&object.name)
        .fully_qualified_name(object.to_string())
        .kind("resource")
        .build()
}

pub(crate) fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The score GitHub code scanning maps to its own critical/high/medium/low.
pub(crate) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The file as a URI reference: forward slashes, percent-encoded where a URI needs it; relative
/// to `%SRCROOT%` when relative, a `file://` URI when absolute.
fn artifact_location(file: &str) -> ArtifactLocation {
    // An API server's URL (what a live-cluster scan could not read from) is a URI already.
    if file.starts_with("https://") || file.starts_with("http://") {
        return ArtifactLocation::builder().uri(file).build();
    }
    let path = file.replace('\\', "/");
    let is_drive = {
        let bytes = path.as_bytes();
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/'
    };
    if path.starts_with('/') {
        ArtifactLocation::builder()
            .uri(format!("file://{}", encode_uri_path(&path)))
            .build()
    } else if is_drive {
        ArtifactLocation::builder()
            .uri(format!("file:///{}", encode_uri_path(&path)))
            .build()
    } else {
        let mut relative = path.as_str();
        while let Some(rest) = relative.strip_prefix("./") {
            relative = rest;
        }
        ArtifactLocation::builder()
            .uri(encode_uri_path(relative))
            .uri_base_id(SOURCE_ROOT)
            .build()
    }
}

/// Percent-encodes every byte that may not stand in a URI path (RFC 3986 `pchar` and `/`).
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A stable identity of a finding across runs and edits that move it: FNV-1a (64 bit) of the
/// rule, the object's kind, namespace and name, and the path, in hex.
pub(crate) fn fingerprint(finding: &Finding) -> String {
    let object = &finding.object;
    let fields = [
        &*finding.rule,
        object.kind.as_str(),
        object.namespace.as_deref().unwrap_or(""),
        object.name.as_str(),
        &finding.path,
    ];
    let mut hash = Fnv1a::new();
    for field in fields {
        hash.write(field.as_bytes());
        // A separator that cannot occur in the fields, so that ("ab", "c") ≠ ("a", "bc").
        hash.write(&[0]);
    }
    format!("{:016x}", hash.finish())
}

struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::fixtures::{Fixture, VERSION};

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn parsed(report: &Report) -> Value {
        serde_json::from_str(&rendered(report)).unwrap()
    }

    #[test]
    fn snapshot() {
        let fixture = Fixture::new();
        insta::assert_snapshot!(rendered(&fixture.report()));
    }

    #[test]
    fn round_trips_through_the_schema_types() {
        let fixture = Fixture::new();
        let text = rendered(&fixture.report());
        let log: Sarif = serde_json::from_str(&text).unwrap();
        assert_eq!(log.runs.len(), 1);
        assert_eq!(
            serde_json::to_value(&log).unwrap(),
            serde_json::from_str::<Value>(&text).unwrap()
        );
    }

    #[test]
    fn essential_structure() {
        let fixture = Fixture::new();
        let log = parsed(&fixture.report());
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");

        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "palisade");
        assert_eq!(driver["version"], VERSION);
        assert!(
            driver["informationUri"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );

        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "rule ids are not unique: {ids:?}");
        // The registry's five rules in its order, then the custom rule only a finding names.
        assert_eq!(
            ids,
            [
                "privileged-container",
                "cluster-admin-binding",
                "missing-egress-policy",
                "anonymous-kubelet-auth",
                "latest-image-tag",
                "team-label-required"
            ]
        );

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), fixture.findings.len());
        for (result, finding) in results.iter().zip(&fixture.findings) {
            assert_eq!(result["ruleId"], &*finding.rule);
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                rules[index]["id"], &*finding.rule,
                "ruleIndex of {}",
                finding.rule
            );
            assert_eq!(
                result["message"]["text"],
                format!("{} Fix: {}", finding.message, finding.fix)
            );
            let location = &result["locations"][0];
            match &finding.location {
                Some(source) => {
                    let physical = &location["physicalLocation"];
                    assert_eq!(physical["artifactLocation"]["uri"], &*source.file);
                    assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
                    assert_eq!(physical["region"]["startLine"], source.line);
                    assert_eq!(physical["region"]["startColumn"], source.column);
                }
                None => {
                    assert!(location.get("physicalLocation").is_none());
                    let logical = &location["logicalLocations"][0];
                    assert_eq!(logical["fullyQualifiedName"], "ClusterRoleBinding/ci-admin");
                    assert_eq!(logical["kind"], "resource");
                }
            }
            let fingerprint = result["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .unwrap();
            assert_eq!(fingerprint.len(), 16);
            assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        }

        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 2);
        assert_eq!(notifications[0]["level"], "error");
        assert_eq!(
            notifications[0]["message"]["text"],
            "mapping values are not allowed in this context"
        );
        let region = &notifications[0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_u64(), region["startColumn"].as_u64()),
            (Some(4), Some(7))
        );
        let unplaced = &notifications[1]["locations"][0]["physicalLocation"];
        assert_eq!(
            unplaced["artifactLocation"]["uri"],
            "deploy/unreadable.yaml"
        );
        assert!(unplaced.get("region").is_none());
    }

    #[test]
    fn levels_and_rule_metadata() {
        let fixture = Fixture::new();
        let log = parsed(&fixture.report());
        let run = &log["runs"][0];
        for result in run["results"].as_array().unwrap() {
            let expected = match result["properties"]["severity"].as_str().unwrap() {
                "critical" | "high" => "error",
                "medium" => "warning",
                _ => "note",
            };
            assert_eq!(result["level"], expected, "{result}");
        }

        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let privileged = &rules[0];
        assert_eq!(
            privileged["shortDescription"]["text"],
            "A container runs privileged."
        );
        assert!(
            privileged["fullDescription"]["markdown"]
                .as_str()
                .unwrap()
                .starts_with("## What it does")
        );
        assert!(
            privileged["help"]["markdown"]
                .as_str()
                .unwrap()
                .ends_with("**Fix:** Remove `securityContext.privileged: true`.")
        );
        assert_eq!(
            privileged["helpUri"],
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
        );
        assert_eq!(privileged["defaultConfiguration"]["level"], "error");
        assert_eq!(privileged["properties"]["security-severity"], "9.5");
        assert_eq!(privileged["properties"]["precision"], "high");
        assert_eq!(
            privileged["properties"]["tags"],
            serde_json::json!([
                "workload",
                "security",
                "pss:baseline:privileged-containers",
                "cis-k8s:5.2.2",
                "nsa-cisa:pod-security",
                "mitre:T1611"
            ])
        );
        // A rule without references has no helpUri; one without documentation falls back to
        // its summary.
        assert!(rules[4].get("helpUri").is_none());
        assert_eq!(
            rules[4]["fullDescription"]["text"],
            rules[4]["shortDescription"]["text"]
        );
        let severities: Vec<&str> = rules
            .iter()
            .map(|r| r["properties"]["security-severity"].as_str().unwrap())
            .collect();
        assert_eq!(severities, ["9.5", "8.0", "5.5", "9.5", "3.0", "1.0"]);
        // The unknown rule still has the essentials.
        assert_eq!(rules[5]["defaultConfiguration"]["level"], "note");
        assert!(rules[5].get("shortDescription").is_none());
    }

    #[test]
    fn clean_scan_is_a_successful_invocation() {
        let summary = crate::fixtures::clean_summary();
        let rules = crate::fixtures::rules();
        let report = Report {
            findings: &[],
            errors: &[],
            summary: &summary,
            rules: &rules,
            tool_version: VERSION,
        };
        let log = parsed(&report);
        let run = &log["runs"][0];
        assert_eq!(run["results"], serde_json::json!([]));
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        assert!(
            run["invocations"][0]
                .get("toolExecutionNotifications")
                .is_none()
        );
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn file_uris() {
        let uri = |file: &str| {
            let location = artifact_location(file);
            (location.uri.unwrap(), location.uri_base_id)
        };
        let src = Some("%SRCROOT%".to_string());
        assert_eq!(
            uri("https://10.0.0.1:6443"),
            ("https://10.0.0.1:6443".into(), None)
        );
        assert_eq!(
            uri("deploy/web.yaml"),
            ("deploy/web.yaml".into(), src.clone())
        );
        assert_eq!(
            uri("./deploy/web.yaml"),
            ("deploy/web.yaml".into(), src.clone())
        );
        assert_eq!(
            uri("deploy\\my app.yaml"),
            ("deploy/my%20app.yaml".into(), src.clone())
        );
        assert_eq!(
            uri("déploiement/a#b%.yaml"),
            ("d%C3%A9ploiement/a%23b%25.yaml".into(), src)
        );
        assert_eq!(
            uri("/srv/k8s/web.yaml"),
            ("file:///srv/k8s/web.yaml".into(), None)
        );
        assert_eq!(
            uri("C:\\k8s\\web.yaml"),
            ("file:///C:/k8s/web.yaml".into(), None)
        );
    }

    #[test]
    fn fingerprints_are_stable_and_ignore_position() {
        let fixture = Fixture::new();
        let mut finding = fixture.findings[1].clone();
        let before = fingerprint(&finding);
        if let Some(location) = &mut finding.location {
            location.line += 10;
        }
        finding.message = format!("{} (reworded)", finding.message).into();
        assert_eq!(fingerprint(&finding), before);
        finding.path = format!("{}/x", finding.path).into();
        assert_ne!(fingerprint(&finding), before);
        let hashes: BTreeSet<String> = fixture.findings.iter().map(fingerprint).collect();
        assert_eq!(hashes.len(), fixture.findings.len());
        // FNV-1a test vector, so that the hash never changes by accident.
        let mut hash = Fnv1a::new();
        hash.write(b"a");
        assert_eq!(hash.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
