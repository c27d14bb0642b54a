//! Audit alerts (`palisade audit`): what the detections found in an audit log, written as each
//! event is judged, in four formats.
//!
//! - `table`: for people. One block per alert: severity, rule and where the event is in the log,
//!   the message, then who (the user, and whom they acted as), from where (addresses, user
//!   agent), what (verb, object, answer), the event (auditID, stage, time), the offending field,
//!   why it matters and the fix.
//! - `json`: one document, `{version, tool, alerts[], errors[], summary}`, as the scan report is
//!   shaped (see [`AuditFormat::Json`]). The alerts are streamed into the document as they come;
//!   the input errors are held until the end, where they are written.
//! - `jsonl`: one alert per line, in the [`Alert`]'s own JSON shape.
//! - `ecs`: one Elastic Common Schema 8.x document per line (see [`AuditFormat::Ecs`]), ready for
//!   an Elasticsearch ingest pipeline or Filebeat.
//!
//! No format ever writes a request or response body: an [`Alert`] holds none.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::net::IpAddr;
use std::str::FromStr;

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use palisade_model::{Alert, InputError, RuleDoc, Severity, reference_url};
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};

use crate::json::write_pretty;
use crate::style::{self, paint};
use crate::text::{WIDTH, count, wrap};
use crate::{JSON_FORMAT_VERSION, RenderOptions, TOOL_NAME};

/// The output formats of `palisade audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditFormat {
    /// Text for a terminal, one block per alert; the default.
    Table,
    /// One document at the end of the input:
    ///
    /// ```text
    /// {
    ///   "version": 1,
    ///   "tool": {"name": "palisade", "version": "0.1.0"},
    ///   "alerts": [{
    ///     "rule": "exec-into-pod", "severity": "medium", "layer": "runtime",
    ///     "message": "...", "why": "...", "fix": "...",
    ///     "threatActors": ["internal-attacker"], "references": ["mitre:T1609"],
    ///     "location": {"file": "audit.log", "line": 3, "column": 1},
    ///     "path": "/objectRef/subresource",
    ///     "request": {"auditID": "...", "timestamp": "...", "stage": "ResponseStarted",
    ///                 "user": {"username": "alice", "groups": ["dev"]},
    ///                 "impersonatedUser": {...}, "sourceIPs": ["203.0.113.7"],
    ///                 "userAgent": "kubectl/v1.30.0", "verb": "create", "resource": "pods/exec",
    ///                 "apiGroup": "", "namespace": "prod", "name": "web-1",
    ///                 "object": "namespaces/prod/pods/web-1/exec", "requestURI": "...",
    ///                 "responseCode": 101, "decision": "allow"}
    ///   }],
    ///   "errors": [{"file": "audit.log", "line": 4 | null, "column": null, "message": "..."}],
    ///   "summary": {
    ///     "files": 1, "events": 120, "alerts": 1,
    ///     "bySeverity": {"info": 0, "low": 0, "medium": 1, "high": 0, "critical": 0},
    ///     "errors": 1
    ///   }
    /// }
    /// ```
    ///
    /// Fields of `request` that the event does not have are left out (`path` too, when the
    /// event as a whole is the problem).
    Json,
    /// One alert per line, in the shape of an item of `alerts` in [`AuditFormat::Json`].
    Jsonl,
    /// One Elastic Common Schema document per line: `@timestamp` (the event's time),
    /// `ecs.version`, `message`, `event.*` (`kind: alert`, `category`, `type`, `action`: the
    /// verb, `id`: the auditID, `severity`: 1 info to 5 critical, `outcome`, `dataset:
    /// palisade.audit`), `rule.*`, `threat.*` (MITRE ATT&CK techniques of the rule), `user.name`
    /// and `user.effective.name` (the impersonated user: "user whose privileges were
    /// assumed"), `source.ip`, `related.ip`/`related.user`, `user_agent.original`,
    /// `url.original` (the requestURI), `http.response.status_code`, `orchestrator.*`
    /// (`type: kubernetes`, `namespace`, `resource.type`/`name`), `log.file.path` with
    /// `labels.line`/`labels.column`, and `palisade.*` for what ECS has no field for (the
    /// offending field's path, why, fix, threat actors, the stage, the groups).
    Ecs,
}

impl AuditFormat {
    pub const ALL: [AuditFormat; 4] = [
        AuditFormat::Table,
        AuditFormat::Json,
        AuditFormat::Jsonl,
        AuditFormat::Ecs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditFormat::Table => "table",
            AuditFormat::Json => "json",
            AuditFormat::Jsonl => "jsonl",
            AuditFormat::Ecs => "ecs",
        }
    }

    /// Whether each alert stands on its own in the output, so that it can be read as soon as
    /// it is written (every format but `json`, whose document is complete only at the end).
    pub fn is_streaming(self) -> bool {
        self != AuditFormat::Json
    }
}

impl fmt::Display for AuditFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AuditFormat::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown audit format {text:?}: expected one of table, json, jsonl, ecs")
            })
    }
}

/// What one run of `palisade audit` read and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditSummary {
    /// Inputs read (files, or stdin).
    pub files: usize,
    /// Events read and judged.
    pub events: usize,
    pub alerts: usize,
    /// Alerts per severity (the configured one, where `.palisade.yaml` overrides it).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Lines or inputs that could not be read, and rules that failed on an event.
    pub errors: usize,
}

impl AuditSummary {
    /// Counts an alert.
    pub fn count(&mut self, alert: &Alert) {
        self.alerts += 1;
        *self.by_severity.entry(alert.severity).or_insert(0) += 1;
    }

    /// Whether an alert is at or above `threshold`.
    pub fn any_at_or_above(&self, threshold: Severity) -> bool {
        self.by_severity
            .iter()
            .any(|(severity, n)| *severity >= threshold && *n > 0)
    }

    fn severity_count(&self, severity: Severity) -> usize {
        self.by_severity.get(&severity).copied().unwrap_or(0)
    }

    /// One line for people: `1,200 events from 2 files: 3 alerts (1 critical, 2 high, 0 medium,
    /// 0 low, 0 info); 1 input error`.
    pub fn line(&self) -> String {
        let scope = format!(
            "{} from {}",
            count(self.events, "event", "events"),
            count(self.files, "input", "inputs")
        );
        let mut line = if self.alerts == 0 {
            format!("{scope}: no alerts")
        } else {
            let by_severity = Severity::ALL
                .iter()
                .rev()
                .map(|severity| format!("{} {severity}", self.severity_count(*severity)))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{scope}: {} ({by_severity})",
                count(self.alerts, "alert", "alerts")
            )
        };
        if self.errors > 0 {
            line.push_str(&format!(
                "; {}",
                count(self.errors, "input error", "input errors")
            ));
        }
        line
    }
}

/// Writes alerts one at a time as they are found, then closes the output with
/// [`AlertWriter::finish`].
///
/// The streaming formats (`table`, `jsonl`, `ecs`) write each alert completely in
/// [`AlertWriter::write`], so a caller that flushes after it hands every alert on at once
/// (`--follow`, pipes). `json` writes its document's head before the first alert and its tail
/// (errors, summary) in `finish`; memory stays flat for every format.
pub struct AlertWriter<'a> {
    format: AuditFormat,
    color: bool,
    tool_version: &'a str,
    /// The rules' metadata, for what an alert does not carry (the rule's summary).
    rules: &'a [RuleDoc],
    written: usize,
    /// Scratch space for one alert, reused.
    buffer: Vec<u8>,
    /// The JSON of each rule's `why` and `fix` texts, by where the static texts are: the same
    /// for every alert of a rule, and escaping them again for each alert was a twentieth of the
    /// audit's time (see [`json_line`]).
    escaped: std::collections::HashMap<StaticTexts, (Box<RawValue>, Box<RawValue>)>,
}

impl<'a> AlertWriter<'a> {
    pub fn new(
        format: AuditFormat,
        options: &RenderOptions,
        rules: &'a [RuleDoc],
        tool_version: &'a str,
    ) -> AlertWriter<'a> {
        AlertWriter {
            format,
            // Only the table is ever coloured.
            color: options.color && format == AuditFormat::Table,
            tool_version,
            rules,
            written: 0,
            buffer: Vec::new(),
            escaped: std::collections::HashMap::new(),
        }
    }

    pub fn format(&self) -> AuditFormat {
        self.format
    }

    /// Writes one alert.
    pub fn write(&mut self, alert: &Alert, out: &mut dyn Write) -> io::Result<()> {
        let first = self.written == 0;
        self.written += 1;
        self.buffer.clear();
        match self.format {
            AuditFormat::Table => {
                if !first {
                    self.buffer.push(b'\n');
                }
                table_alert(alert, self.color, &mut self.buffer)?;
            }
            AuditFormat::Json => {
                if first {
                    self.buffer
                        .extend_from_slice(&json_head(self.tool_version)?);
                    self.buffer.extend_from_slice(b"\n  \"alerts\": [");
                } else {
                    self.buffer.push(b',');
                }
                json_alert(alert, &mut self.buffer)?;
            }
            AuditFormat::Jsonl => {
                let escaped;
                let (why, fix) = match (&alert.why, &alert.fix) {
                    (Cow::Borrowed(why), Cow::Borrowed(fix)) => {
                        let key = (
                            why.as_ptr() as usize,
                            why.len(),
                            fix.as_ptr() as usize,
                            fix.len(),
                        );
                        let json = match self.escaped.entry(key) {
                            Entry::Occupied(known) => known.into_mut(),
                            Entry::Vacant(new) => {
                                new.insert((to_raw_value(why)?, to_raw_value(fix)?))
                            }
                        };
                        (&*json.0, &*json.1)
                    }
                    (why, fix) => {
                        escaped = (to_raw_value(why)?, to_raw_value(fix)?);
                        (&*escaped.0, &*escaped.1)
                    }
                };
                json_line(alert, why.get(), fix.get(), &mut self.buffer);
                self.buffer.push(b'\n');
            }
            AuditFormat::Ecs => {
                let rule = self.rules.iter().find(|doc| doc.meta.name == alert.rule);
                serde_json::to_writer(&mut self.buffer, &ecs_document(alert, rule))?;
                self.buffer.push(b'\n');
            }
        }
        out.write_all(&self.buffer)
    }

    /// Ends the output: for `json`, the rest of the document with the input errors and the
    /// summary; nothing for the other formats (their errors and summary go to stderr).
    pub fn finish(
        &mut self,
        errors: &[InputError],
        summary: &AuditSummary,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self.format != AuditFormat::Json {
            return Ok(());
        }
        let (head, tail) = json_frame(self.tool_version, errors, summary)?;
        if self.written == 0 {
            out.write_all(&head)?;
            out.write_all(EMPTY_ALERTS)?;
        } else {
            out.write_all(b"\n  ],")?;
        }
        out.write_all(&tail)
    }
}

// ---------------------------------------------------------------------------------------------
// table

/// Where the lines under an alert's header start: under the rule name, as in the scan table.
const INDENT: &str = "            ";
/// The labels of the detail lines, padded to one width.
const LABEL_WIDTH: usize = 7;

fn table_alert(alert: &Alert, color: bool, out: &mut Vec<u8>) -> io::Result<()> {
    let request = &alert.request;
    let location = format!(
        "{}:{}{}",
        alert.location.file,
        alert.location.line,
        if alert.location.column > 1 {
            format!(":{}", alert.location.column)
        } else {
            String::new()
        }
    );
    write!(
        out,
        "  {:<8}  {}",
        paint(
            style::severity(alert.severity),
            alert.severity.as_str(),
            color
        ),
        paint(style::BOLD, &alert.rule, color),
    )?;
    // The position goes at the end of the line, or under it when the line would be too long.
    let header_len = 12 + alert.rule.chars().count();
    if header_len + 2 + location.chars().count() <= WIDTH {
        writeln!(out, "  {}", paint(style::DIM, &location, color))?;
    } else {
        writeln!(out)?;
        writeln!(out, "{INDENT}{}", paint(style::DIM, &location, color))?;
    }
    out.extend_from_slice(wrap(&alert.message, INDENT, INDENT, WIDTH).as_bytes());

    let mut who = request.user.username.clone();
    if who.is_empty() {
        who.push_str("(no user)");
    }
    if let Some(impersonated) = &request.impersonated_user {
        who.push_str(&format!(", acting as {}", impersonated.username));
    }
    detail(out, "who", &who, color);

    let mut from = if request.source_ips.is_empty() {
        "(no address)".to_string()
    } else {
        request.source_ips.join(", ")
    };
    if !request.user_agent.is_empty() {
        from.push_str(&format!(" with {}", request.user_agent));
    }
    detail(out, "from", &from, color);

    let object = if request.object.is_empty() {
        &request.request_uri
    } else {
        &request.object
    };
    let mut what = format!("{} {object}", request.verb);
    if let Some(code) = request.response_code {
        what.push_str(&format!(", answered {code}"));
    }
    detail(out, "what", &what, color);

    let mut event = if request.audit_id.is_empty() {
        "(no auditID)".to_string()
    } else {
        request.audit_id.clone()
    };
    if !request.stage.is_empty() {
        event.push_str(&format!(", {}", request.stage));
    }
    if let Some(timestamp) = &request.timestamp {
        event.push_str(&format!(" at {timestamp}"));
    }
    detail(out, "event", &event, color);

    if !alert.path.is_empty() {
        detail(out, "field", &alert.path, color);
    }
    if !alert.why.is_empty() {
        detail(out, "why", &alert.why, color);
    }
    if !alert.fix.is_empty() {
        detail(out, "fix", &alert.fix, color);
    }
    Ok(())
}

/// `            who:   alice` with the text wrapped under itself and the label dimmed.
fn detail(out: &mut Vec<u8>, label: &str, text: &str, color: bool) {
    let plain = format!("{label}:");
    let first = format!("{INDENT}{plain:<LABEL_WIDTH$}");
    let hanging = format!("{INDENT}{}", " ".repeat(LABEL_WIDTH));
    let mut lines = wrap(text, &first, &hanging, WIDTH);
    if color {
        let painted = format!("{INDENT}{}", paint(style::DIM, &plain, true));
        lines.replace_range(..INDENT.len() + plain.len(), &painted);
    }
    out.extend_from_slice(lines.as_bytes());
}

// ---------------------------------------------------------------------------------------------
// json

#[derive(Serialize)]
struct JsonAudit<'a> {
    version: u32,
    tool: JsonTool<'a>,
    alerts: [(); 0],
    errors: Vec<JsonError<'a>>,
    summary: JsonSummary,
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    files: usize,
    events: usize,
    alerts: usize,
    by_severity: BySeverity,
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

/// The empty alert list of the document as serde_json writes it; the alerts go in its place.
const EMPTY_ALERTS: &[u8] = b"\n  \"alerts\": [],";

/// The document without alerts, cut where the alerts go: what comes before the list, and what
/// comes after it.
fn json_frame(
    tool_version: &str,
    errors: &[InputError],
    summary: &AuditSummary,
) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let view = JsonAudit {
        version: JSON_FORMAT_VERSION,
        tool: JsonTool {
            name: TOOL_NAME,
            version: tool_version,
        },
        alerts: [],
        errors: errors
            .iter()
            .map(|error| JsonError {
                file: &error.file,
                line: error.line,
                column: error.column,
                message: &error.message,
            })
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            events: summary.events,
            alerts: summary.alerts,
            by_severity: BySeverity {
                info: summary.severity_count(Severity::Info),
                low: summary.severity_count(Severity::Low),
                medium: summary.severity_count(Severity::Medium),
                high: summary.severity_count(Severity::High),
                critical: summary.severity_count(Severity::Critical),
            },
            errors: summary.errors,
        },
    };
    let mut frame = Vec::new();
    write_pretty(&view, &mut frame)?;
    let at = frame
        .windows(EMPTY_ALERTS.len())
        .position(|window| window == EMPTY_ALERTS)
        .ok_or_else(|| io::Error::other("the JSON frame lacks its alerts list"))?;
    let tail = frame.split_off(at + EMPTY_ALERTS.len());
    frame.truncate(at);
    Ok((frame, tail))
}

/// The document's beginning, up to where the alerts go; it depends only on the version.
fn json_head(tool_version: &str) -> io::Result<Vec<u8>> {
    Ok(json_frame(tool_version, &[], &AuditSummary::default())?.0)
}

/// One alert as an item of the document's `alerts` list: pretty-printed and indented two
/// levels, as serde_json would indent it in place.
/// Where a rule's `why` and `fix` texts are: their addresses and lengths.
type StaticTexts = (usize, usize, usize, usize);

/// An [`Alert`] as `jsonl` writes it: the bytes serde_json writes for the alert (a test holds
/// the two to the same bytes), with its `why` and `fix` given as their JSON, made once per
/// text. Written by hand: serde_json escapes a string one byte at a time, and the alerts'
/// strings are long (the messages, the user agents), which made writing them a tenth of the
/// audit's work; [`json_string`] passes eight plain bytes at a time.
fn json_line(alert: &Alert, why: &str, fix: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"rule\":");
    json_string(&alert.rule, out);
    out.extend_from_slice(b",\"severity\":\"");
    out.extend_from_slice(alert.severity.as_str().as_bytes());
    out.extend_from_slice(b"\",\"layer\":\"");
    out.extend_from_slice(alert.layer.as_str().as_bytes());
    out.extend_from_slice(b"\",\"message\":");
    json_string(&alert.message, out);
    out.extend_from_slice(b",\"why\":");
    out.extend_from_slice(why.as_bytes());
    out.extend_from_slice(b",\"fix\":");
    out.extend_from_slice(fix.as_bytes());
    out.extend_from_slice(b",\"threatActors\":");
    json_list(alert.threat_actors.iter().map(|actor| actor.as_str()), out);
    out.extend_from_slice(b",\"references\":");
    json_list(alert.references.iter().copied(), out);
    out.extend_from_slice(b",\"location\":{\"file\":");
    json_string(&alert.location.file, out);
    write_number(b",\"line\":", alert.location.line, out);
    write_number(b",\"column\":", alert.location.column, out);
    out.push(b'}');
    if !alert.path.is_empty() {
        out.extend_from_slice(b",\"path\":");
        json_string(&alert.path, out);
    }
    out.extend_from_slice(b",\"request\":");
    json_request(&alert.request, out);
    out.push(b'}');
}

/// An [`palisade_model::AlertRequest`] as serde_json writes it (see [`json_line`]).
fn json_request(request: &palisade_model::AlertRequest, out: &mut Vec<u8>) {
    let field = |name: &str, text: &str, out: &mut Vec<u8>| {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        json_string(text, out);
    };
    let unless_empty = |name: &str, text: &str, out: &mut Vec<u8>| {
        if !text.is_empty() {
            field(name, text, out);
        }
    };
    out.extend_from_slice(b"{\"auditID\":");
    json_string(&request.audit_id, out);
    if let Some(timestamp) = &request.timestamp {
        field("timestamp", timestamp, out);
    }
    field("stage", &request.stage, out);
    out.extend_from_slice(b",\"user\":");
    json_user(&request.user, out);
    if let Some(user) = &request.impersonated_user {
        out.extend_from_slice(b",\"impersonatedUser\":");
        json_user(user, out);
    }
    out.extend_from_slice(b",\"sourceIPs\":");
    json_list(request.source_ips.iter().map(String::as_str), out);
    unless_empty("userAgent", &request.user_agent, out);
    field("verb", &request.verb, out);
    field("resource", &request.resource, out);
    unless_empty("apiGroup", &request.api_group, out);
    unless_empty("namespace", &request.namespace, out);
    unless_empty("name", &request.name, out);
    field("object", &request.object, out);
    field("requestURI", &request.request_uri, out);
    if let Some(code) = request.response_code {
        out.extend_from_slice(b",\"responseCode\":");
        out.extend_from_slice(code.to_string().as_bytes());
    }
    if let Some(decision) = &request.decision {
        field("decision", decision, out);
    }
    out.push(b'}');
}

fn json_user(user: &palisade_model::AlertUser, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"username\":");
    json_string(&user.username, out);
    if !user.groups.is_empty() {
        out.extend_from_slice(b",\"groups\":");
        json_list(user.groups.iter().map(String::as_str), out);
    }
    out.push(b'}');
}

fn write_number(key: &[u8], number: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(key);
    out.extend_from_slice(number.to_string().as_bytes());
}

/// A list of strings.
fn json_list<'t>(texts: impl Iterator<Item = &'t str>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (index, text) in texts.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        json_string(text, out);
    }
    out.push(b']');
}

/// A JSON string as serde_json writes it: the scan report's writer, which passes eight plain
/// bytes at a time.
fn json_string(text: &str, out: &mut Vec<u8>) {
    crate::json::string(out, text);
}

fn json_alert(alert: &Alert, buffer: &mut Vec<u8>) -> io::Result<()> {
    let item = serde_json::to_vec_pretty(alert)?;
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
}

// ---------------------------------------------------------------------------------------------
// ECS

/// The ECS version the documents follow.
pub const ECS_VERSION: &str = "8.11.0";

#[derive(Serialize)]
struct EcsDocument<'a> {
    #[serde(rename = "@timestamp", skip_serializing_if = "Option::is_none")]
    timestamp: Option<&'a str>,
    ecs: EcsVersion,
    message: &'a str,
    event: EcsEvent<'a>,
    rule: EcsRule<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threat: Option<EcsThreat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<EcsUser<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<EcsSource<'a>>,
    related: EcsRelated<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<EcsOriginal<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<EcsOriginal<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<EcsHttp>,
    orchestrator: EcsOrchestrator<'a>,
    log: EcsLog<'a>,
    labels: EcsLabels,
    palisade: PalisadeFields<'a>,
}

#[derive(Serialize)]
struct EcsVersion {
    version: &'static str,
}

#[derive(Serialize)]
struct EcsEvent<'a> {
    kind: &'static str,
    category: Vec<&'static str>,
    #[serde(rename = "type")]
    kind_of: Vec<&'static str>,
    action: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    severity: u8,
    outcome: &'static str,
    dataset: &'static str,
}

#[derive(Serialize)]
struct EcsRule<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    category: &'static str,
    ruleset: &'static str,
}

#[derive(Serialize)]
struct EcsThreat {
    framework: &'static str,
    technique: EcsTechnique,
}

#[derive(Serialize)]
struct EcsTechnique {
    id: Vec<String>,
    reference: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subtechnique: Option<EcsSubtechnique>,
}

#[derive(Serialize)]
struct EcsSubtechnique {
    id: Vec<String>,
    reference: Vec<String>,
}

#[derive(Serialize)]
struct EcsUser<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective: Option<EcsName<'a>>,
}

#[derive(Serialize)]
struct EcsName<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct EcsSource<'a> {
    /// The address as the event wrote it.
    address: &'a str,
    /// The same when it is an IP address (the field's type is `ip`: anything else would make
    /// Elasticsearch refuse the document).
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<&'a str>,
}

#[derive(Serialize)]
struct EcsRelated<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ip: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    user: Vec<&'a str>,
}

#[derive(Serialize)]
struct EcsOriginal<'a> {
    original: &'a str,
}

#[derive(Serialize)]
struct EcsHttp {
    response: EcsResponse,
}

#[derive(Serialize)]
struct EcsResponse {
    status_code: i32,
}

#[derive(Serialize)]
struct EcsOrchestrator<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<EcsResource<'a>>,
}

#[derive(Serialize)]
struct EcsResource<'a> {
    #[serde(rename = "type", skip_serializing_if = "str::is_empty")]
    kind: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
}

#[derive(Serialize)]
struct EcsLog<'a> {
    file: EcsFile<'a>,
}

#[derive(Serialize)]
struct EcsFile<'a> {
    path: &'a str,
}

/// ECS labels are keywords: the position is written as text.
#[derive(Serialize)]
struct EcsLabels {
    line: String,
    column: String,
}

#[derive(Serialize)]
struct PalisadeFields<'a> {
    severity: Severity,
    layer: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    why: &'a str,
    fix: &'a str,
    threat_actors: Vec<&'static str>,
    references: &'a [&'static str],
    #[serde(skip_serializing_if = "str::is_empty")]
    stage: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    object: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    api_group: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    subresource: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    user_groups: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_user_groups: Option<&'a [String]>,
}

/// `event.severity`: palisade's severities as 1 (info) to 5 (critical).
fn ecs_severity(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// The ECS category of the request besides `intrusion_detection`: who may do what is `iam`, a
/// command in a container is `process`, a tunnel to a pod is `network`, the rest is the
/// cluster's `configuration`.
fn ecs_category(resource: &str, subresource: &str) -> &'static str {
    match (resource, subresource) {
        (_, "exec" | "attach") => "process",
        (_, "portforward" | "proxy") => "network",
        (
            "roles"
            | "rolebindings"
            | "clusterroles"
            | "clusterrolebindings"
            | "serviceaccounts"
            | "certificatesigningrequests"
            | "tokenreviews"
            | "subjectaccessreviews"
            | "selfsubjectaccessreviews"
            | "selfsubjectrulesreviews"
            | "localsubjectaccessreviews"
            | "users"
            | "groups"
            | "userextras",
            _,
        ) => "iam",
        _ => "configuration",
    }
}

/// The ECS event types of the request: whether the API server let it through, and what it did,
/// in the terms the category expects.
fn ecs_types(verb: &str, category: &str, response_code: Option<i32>) -> Vec<&'static str> {
    let answer = match response_code {
        Some(401 | 403) => "denied",
        Some(code) if code < 400 => "allowed",
        _ => "info",
    };
    let action = match (verb, category) {
        ("create", "process") => "start",
        ("create", "network") => "connection",
        ("create", _) => "creation",
        ("update" | "patch", _) => "change",
        ("delete" | "deletecollection", _) => "deletion",
        ("get" | "list" | "watch", "iam") => "info",
        ("get" | "list" | "watch", _) => "access",
        _ => "info",
    };
    if answer == action {
        vec![answer]
    } else {
        vec![answer, action]
    }
}

fn ecs_outcome(response_code: Option<i32>) -> &'static str {
    match response_code {
        Some(code) if code < 400 => "success",
        Some(_) => "failure",
        None => "unknown",
    }
}

/// The MITRE ATT&CK techniques among the rule's references (`mitre:T1609`, `mitre:T1552.007`).
fn ecs_threat(references: &[&str]) -> Option<EcsThreat> {
    let mut techniques: Vec<String> = Vec::new();
    let mut subtechniques: Vec<String> = Vec::new();
    for reference in references {
        let Some(id) = reference.strip_prefix("mitre:") else {
            continue;
        };
        let technique = id.split('.').next().unwrap_or(id).to_string();
        if !techniques.contains(&technique) {
            techniques.push(technique);
        }
        if id.contains('.') && !subtechniques.iter().any(|known| known == id) {
            subtechniques.push(id.to_string());
        }
    }
    if techniques.is_empty() {
        return None;
    }
    let urls = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| reference_url(&format!("mitre:{id}")))
            .collect()
    };
    Some(EcsThreat {
        framework: "MITRE ATT&CK",
        technique: EcsTechnique {
            reference: urls(&techniques),
            id: techniques.clone(),
            subtechnique: (!subtechniques.is_empty()).then(|| EcsSubtechnique {
                reference: urls(&subtechniques),
                id: subtechniques.clone(),
            }),
        },
    })
}

fn ecs_document<'a>(alert: &'a Alert, rule: Option<&'a RuleDoc>) -> EcsDocument<'a> {
    let request = &alert.request;
    let (resource, subresource) = request
        .resource
        .split_once('/')
        .unwrap_or((request.resource.as_str(), ""));
    let category = ecs_category(resource, subresource);
    let is_ip = |address: &&String| address.parse::<IpAddr>().is_ok();
    let mut related_users: Vec<&str> = Vec::new();
    for name in std::iter::once(request.user.username.as_str()).chain(
        request
            .impersonated_user
            .iter()
            .map(|u| u.username.as_str()),
    ) {
        if !name.is_empty() && !related_users.contains(&name) {
            related_users.push(name);
        }
    }
    let mut related_ips: Vec<&str> = Vec::new();
    for address in request.source_ips.iter().filter(is_ip) {
        if !related_ips.contains(&address.as_str()) {
            related_ips.push(address);
        }
    }
    EcsDocument {
        timestamp: request.timestamp.as_deref(),
        ecs: EcsVersion {
            version: ECS_VERSION,
        },
        message: &alert.message,
        event: EcsEvent {
            kind: "alert",
            category: vec!["intrusion_detection", category],
            kind_of: ecs_types(&request.verb, category, request.response_code),
            action: &request.verb,
            id: &request.audit_id,
            severity: ecs_severity(alert.severity),
            outcome: ecs_outcome(request.response_code),
            dataset: "palisade.audit",
        },
        rule: EcsRule {
            name: &alert.rule,
            description: rule.map(|doc| doc.meta.summary).filter(|s| !s.is_empty()),
            reference: alert
                .references
                .iter()
                .find_map(|reference| reference_url(reference)),
            category: alert.layer.as_str(),
            ruleset: "palisade audit",
        },
        threat: ecs_threat(alert.references),
        user: (!request.user.username.is_empty() || request.impersonated_user.is_some()).then(
            || EcsUser {
                name: &request.user.username,
                effective: request.impersonated_user.as_ref().map(|user| EcsName {
                    name: &user.username,
                }),
            },
        ),
        source: request.source_ips.first().map(|address| EcsSource {
            address,
            ip: Some(address.as_str()).filter(|_| is_ip(&address)),
        }),
        related: EcsRelated {
            ip: related_ips,
            user: related_users,
        },
        user_agent: (!request.user_agent.is_empty()).then_some(EcsOriginal {
            original: &request.user_agent,
        }),
        url: (!request.request_uri.is_empty()).then_some(EcsOriginal {
            original: &request.request_uri,
        }),
        http: request.response_code.map(|status_code| EcsHttp {
            response: EcsResponse { status_code },
        }),
        orchestrator: EcsOrchestrator {
            kind: "kubernetes",
            namespace: &request.namespace,
            resource: (!resource.is_empty() || !request.name.is_empty()).then_some(EcsResource {
                kind: resource,
                name: &request.name,
            }),
        },
        log: EcsLog {
            file: EcsFile {
                path: &alert.location.file,
            },
        },
        labels: EcsLabels {
            line: alert.location.line.to_string(),
            column: alert.location.column.to_string(),
        },
        palisade: PalisadeFields {
            severity: alert.severity,
            layer: alert.layer.as_str(),
            path: &alert.path,
            why: &alert.why,
            fix: &alert.fix,
            threat_actors: alert.threat_actors.iter().map(|a| a.as_str()).collect(),
            references: alert.references,
            stage: &request.stage,
            object: &request.object,
            api_group: &request.api_group,
            subresource,
            decision: request.decision.as_deref(),
            user_groups: &request.user.groups,
            effective_user_groups: request
                .impersonated_user
                .as_ref()
                .map(|user| user.groups.as_slice())
                .filter(|groups| !groups.is_empty()),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use palisade_model::{
        AlertRequest, AlertUser, Layer, Location, RuleMeta, RuleScope, ThreatActor,
    };
    use serde_json::{Value, json};

    use super::*;

    const VERSION: &str = "0.1.0-test";

    /// Writes a whole set of alerts at once.
    #[allow(clippy::too_many_arguments)]
    fn render_alerts(
        alerts: &[Alert],
        errors: &[InputError],
        summary: &AuditSummary,
        rules: &[RuleDoc],
        format: AuditFormat,
        options: &RenderOptions,
        tool_version: &str,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut writer = AlertWriter::new(format, options, rules, tool_version);
        for alert in alerts {
            writer.write(alert, out)?;
        }
        writer.finish(errors, summary, out)
    }

    fn rules() -> Vec<RuleDoc> {
        vec![RuleDoc {
            scope: RuleScope::AuditEvent,
            meta: RuleMeta {
                name: "exec-into-pod",
                severity: Severity::Medium,
                layer: Layer::Runtime,
                threat_actors: &[ThreatActor::InternalAttacker],
                references: &["mitre:T1609", "ms-threat:MS-TA9006"],
                summary: "Someone ran a command in, or attached to, a running container",
                fix: "Take pods/exec out of everyday roles.",
            },
            documentation: String::new(),
        }]
    }

    /// Three alerts: an exec with every field, an impersonated Secret read with a
    /// sub-technique, an alert whose rule is unknown and whose event lacks most fields.
    fn alerts() -> Vec<Alert> {
        let exec = Alert {
            rule: Cow::Borrowed("exec-into-pod"),
            severity: Severity::Medium,
            layer: Layer::Runtime,
            message: "alice ran a command in pod prod/web-1 (container web): sh".into(),
            why: Cow::Borrowed(
                "a shell in a running container reads its secrets and service-account token",
            ),
            fix: Cow::Borrowed("Take pods/exec out of everyday roles."),
            threat_actors: &[ThreatActor::InternalAttacker],
            references: &["mitre:T1609", "ms-threat:MS-TA9006"],
            location: Location {
                file: Arc::from("logs/audit.log"),
                line: 3,
                column: 1,
            },
            path: "/objectRef/subresource".into(),
            request: AlertRequest {
                audit_id: "5b1c7f0e-1".into(),
                timestamp: Some("2024-05-01T10:00:00.123456Z".into()),
                stage: "ResponseStarted".into(),
                user: AlertUser {
                    username: "alice".into(),
                    groups: vec!["dev".into(), "system:authenticated".into()],
                },
                impersonated_user: None,
                source_ips: vec!["203.0.113.7".into(), "10.0.0.1".into()],
                user_agent: "kubectl/v1.30.0 (linux/amd64) kubernetes/abc".into(),
                verb: "create".into(),
                resource: "pods/exec".into(),
                api_group: String::new(),
                namespace: "prod".into(),
                name: "web-1".into(),
                object: "namespaces/prod/pods/web-1/exec".into(),
                request_uri:
                    "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&container=web&stdin=true"
                        .into(),
                response_code: Some(101),
                decision: Some("allow".into()),
            },
        };
        let secret = Alert {
            rule: Cow::Borrowed("secret-read-by-unusual-user"),
            severity: Severity::High,
            layer: Layer::Runtime,
            message: "bob, acting as system:serviceaccount:kube-system:admin, read Secret \
                      kube-system/admin-token — \"quoted\" <&> ünïcödé"
                .into(),
            why: Cow::Borrowed("a Secret read by someone who never reads them is how tokens leave"),
            fix: Cow::Borrowed("Find out why."),
            threat_actors: &[
                ThreatActor::InternalAttacker,
                ThreatActor::PrivilegedAttacker,
            ],
            references: &[
                "mitre:T1552.007",
                "mitre:T1552",
                "k8s-docs:concepts/configuration/secret/",
            ],
            location: Location {
                file: Arc::from("-"),
                line: 7,
                column: 12,
            },
            path: String::new(),
            request: AlertRequest {
                audit_id: "9d2e".into(),
                timestamp: Some("2024-05-01T10:01:00Z".into()),
                stage: "ResponseComplete".into(),
                user: AlertUser {
                    username: "bob".into(),
                    groups: vec![],
                },
                impersonated_user: Some(AlertUser {
                    username: "system:serviceaccount:kube-system:admin".into(),
                    groups: vec!["system:serviceaccounts".into()],
                }),
                source_ips: vec!["2001:db8::7".into()],
                user_agent: String::new(),
                verb: "get".into(),
                resource: "secrets".into(),
                api_group: String::new(),
                namespace: "kube-system".into(),
                name: "admin-token".into(),
                object: "namespaces/kube-system/secrets/admin-token".into(),
                request_uri: "/api/v1/namespaces/kube-system/secrets/admin-token".into(),
                response_code: Some(200),
                decision: None,
            },
        };
        let bare = Alert {
            rule: Cow::Borrowed("custom-rule"),
            severity: Severity::Critical,
            layer: Layer::Runtime,
            message: "something happened".into(),
            why: Cow::Borrowed(""),
            fix: Cow::Borrowed(""),
            threat_actors: &[],
            references: &[],
            location: Location {
                file: Arc::from(
                    "/var/log/kubernetes/audit/very/long/path/to/the/archived/audit-2024-05-01.log.gz",
                ),
                line: 120_000,
                column: 1,
            },
            path: String::new(),
            request: AlertRequest {
                verb: "list".into(),
                request_uri: "/healthz".into(),
                source_ips: vec!["not-an-address".into()],
                ..AlertRequest::default()
            },
        };
        vec![exec, secret, bare]
    }

    fn summary(alerts: &[Alert]) -> AuditSummary {
        let mut summary = AuditSummary {
            files: 2,
            events: 42,
            errors: 1,
            ..AuditSummary::default()
        };
        for alert in alerts {
            summary.count(alert);
        }
        summary
    }

    fn errors() -> Vec<InputError> {
        vec![InputError {
            file: "logs/audit.log".into(),
            line: Some(4),
            column: None,
            message: "not JSON: expected value at line 1 column 1".into(),
        }]
    }

    fn rendered(format: AuditFormat, color: bool) -> String {
        let alerts = alerts();
        let mut out = Vec::new();
        render_alerts(
            &alerts,
            &errors(),
            &summary(&alerts),
            &rules(),
            format,
            &RenderOptions { color },
            VERSION,
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_parse_and_print() {
        for format in AuditFormat::ALL {
            assert_eq!(format.as_str().parse::<AuditFormat>(), Ok(format));
            assert_eq!(format.to_string(), format.as_str());
        }
        assert!("sarif".parse::<AuditFormat>().is_err());
        assert!(!AuditFormat::Json.is_streaming());
        assert!(AuditFormat::Jsonl.is_streaming());
    }

    #[test]
    fn table_snapshot() {
        let text = rendered(AuditFormat::Table, false);
        for line in text.lines() {
            assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
            if line.starts_with(INDENT) {
                assert!(line.chars().count() <= WIDTH, "{line:?}");
            }
        }
        insta::assert_snapshot!(text);
    }

    #[test]
    fn table_is_coloured_only_on_request_and_strips_to_plain() {
        let plain = rendered(AuditFormat::Table, false);
        assert!(!plain.contains('\u{1b}'));
        let coloured = rendered(AuditFormat::Table, true);
        assert!(coloured.contains("\u{1b}[33mmedium"), "{coloured:?}");
        assert!(
            coloured.contains("\u{1b}[1m\u{1b}[31mcritical"),
            "{coloured:?}"
        );
        assert!(coloured.contains("\u{1b}[2mwho:\u{1b}[0m"), "{coloured:?}");
        assert_eq!(strip_ansi(&coloured), plain);
        for format in [AuditFormat::Json, AuditFormat::Jsonl, AuditFormat::Ecs] {
            assert!(!rendered(format, true).contains('\u{1b}'), "{format}");
        }
    }

    #[test]
    fn json_snapshot_and_shape() {
        let text = rendered(AuditFormat::Json, false);
        let value: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<usize> = [
            "\n  \"version\"",
            "\n  \"tool\"",
            "\n  \"alerts\"",
            "\n  \"errors\"",
            "\n  \"summary\"",
        ]
        .iter()
        .map(|key| text.find(key).unwrap())
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(value["version"], 1);
        assert_eq!(
            value["tool"],
            json!({"name": "palisade", "version": VERSION})
        );
        assert_eq!(value["alerts"].as_array().unwrap().len(), 3);
        // Each alert in the document is the alert's own JSON shape, as jsonl writes it.
        let jsonl = rendered(AuditFormat::Jsonl, false);
        for (line, item) in jsonl.lines().zip(value["alerts"].as_array().unwrap()) {
            assert_eq!(&serde_json::from_str::<Value>(line).unwrap(), item);
        }
        assert_eq!(
            value["summary"],
            json!({"files": 2, "events": 42, "alerts": 3,
                   "bySeverity": {"info": 0, "low": 0, "medium": 1, "high": 1, "critical": 1},
                   "errors": 1})
        );
        assert_eq!(
            value["errors"],
            json!([{"file": "logs/audit.log", "line": 4, "column": null,
                    "message": "not JSON: expected value at line 1 column 1"}])
        );
        // Indented exactly as serde_json indents the whole document in one go.
        #[derive(Serialize)]
        struct Whole<'a> {
            version: u32,
            tool: JsonTool<'a>,
            alerts: &'a [Alert],
            errors: Vec<JsonError<'a>>,
            summary: Value,
        }
        let alerts = alerts();
        let errors = errors();
        let whole = Whole {
            version: 1,
            tool: JsonTool {
                name: TOOL_NAME,
                version: VERSION,
            },
            alerts: &alerts,
            errors: errors
                .iter()
                .map(|error| JsonError {
                    file: &error.file,
                    line: error.line,
                    column: error.column,
                    message: &error.message,
                })
                .collect(),
            summary: Value::Null,
        };
        let expected = serde_json::to_string_pretty(&whole).unwrap();
        let cut = |text: &str| text[..text.find("\n  \"summary\"").unwrap()].to_string();
        assert_eq!(cut(&text), cut(&expected));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_without_alerts_is_a_complete_document() {
        let mut out = Vec::new();
        let summary = AuditSummary {
            files: 1,
            events: 3,
            ..AuditSummary::default()
        };
        render_alerts(
            &[],
            &[],
            &summary,
            &[],
            AuditFormat::Json,
            &RenderOptions::default(),
            VERSION,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\n  \"alerts\": [],\n  \"errors\": [],\n"),
            "{text}"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["summary"]["events"], 3);
        assert_eq!(value["summary"]["alerts"], 0);
        // The streaming formats write nothing at all.
        for format in [AuditFormat::Table, AuditFormat::Jsonl, AuditFormat::Ecs] {
            let mut out = Vec::new();
            render_alerts(
                &[],
                &errors(),
                &summary,
                &[],
                format,
                &RenderOptions::default(),
                VERSION,
                &mut out,
            )
            .unwrap();
            assert!(out.is_empty(), "{format}");
        }
    }

    #[test]
    fn jsonl_snapshot() {
        let text = rendered(AuditFormat::Jsonl, false);
        assert_eq!(text.lines().count(), 3);
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["rule"], "exec-into-pod");
        assert_eq!(
            first["location"],
            json!({"file": "logs/audit.log", "line": 3, "column": 1})
        );
        assert_eq!(first["request"]["auditID"], "5b1c7f0e-1");
        assert_eq!(
            first["request"]["sourceIPs"],
            json!(["203.0.113.7", "10.0.0.1"])
        );
        assert_eq!(first["threatActors"], json!(["internal-attacker"]));
        insta::assert_snapshot!(text);
    }

    /// A line of `jsonl` is the alert's own JSON, byte for byte, whether its `why` and `fix`
    /// are a rule's static texts (escaped once, then reused) or texts of its own.
    #[test]
    fn jsonl_lines_are_the_alerts_own_json() {
        let mut alerts = alerts();
        let mut owned = alerts[0].clone();
        owned.why = Cow::Owned("made \"here\"\n\u{1}é".to_string());
        owned.fix = Cow::Owned(String::new());
        owned.path = String::new();
        alerts.push(owned);
        // Twice: the second round reuses what the first escaped.
        alerts.extend(alerts.clone());
        let mut writer =
            AlertWriter::new(AuditFormat::Jsonl, &RenderOptions::default(), &[], VERSION);
        let mut out = Vec::new();
        for alert in &alerts {
            writer.write(alert, &mut out).unwrap();
        }
        let expected: String = alerts
            .iter()
            .map(|alert| serde_json::to_string(alert).unwrap() + "\n")
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let static_pairs: std::collections::HashSet<(usize, usize)> = alerts
            .iter()
            .filter_map(|alert| match (&alert.why, &alert.fix) {
                (Cow::Borrowed(why), Cow::Borrowed(fix)) => {
                    Some((why.as_ptr() as usize, fix.as_ptr() as usize))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            writer.escaped.len(),
            static_pairs.len(),
            "one entry per pair of static texts; none for texts of an alert's own"
        );
    }

    /// The hand-written `jsonl` line is serde_json's JSON of the alert for every kind of text
    /// (each control character, quotes and backslashes at every place of an eight-byte word,
    /// non-ASCII text) and every optional field present or absent.
    #[test]
    fn jsonl_lines_match_serde_for_every_text_and_field() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let texts = [
            String::new(),
            "plain".to_string(),
            controls.clone(),
            format!("{controls}\u{7f}\"\\/ünïcödé — 🦀"),
            "a\"b\\c\nd\re\tf\u{8}g\u{c}h\u{1}i\u{1f}".to_string(),
            "x".repeat(7) + "\"" + &"y".repeat(8) + "\\" + &"z".repeat(15),
            "ends with a quote\"".to_string(),
            "\"starts with one".to_string(),
            "é".repeat(40),
        ];
        let examples = alerts();
        let mut made = Vec::new();
        for (index, text) in texts.iter().enumerate() {
            for shift in 0..9 {
                let text = format!("{}{text}", "-".repeat(shift));
                let mut alert = examples[index % examples.len()].clone();
                alert.severity = Severity::ALL[(index + shift) % Severity::ALL.len()];
                alert.layer = Layer::ALL[(index + shift) % Layer::ALL.len()];
                alert.threat_actors = match shift % 3 {
                    0 => &[],
                    1 => &[ThreatActor::EndUser],
                    _ => &[
                        ThreatActor::InternalAttacker,
                        ThreatActor::PrivilegedAttacker,
                    ],
                };
                alert.message = text.clone();
                alert.why = Cow::Owned(text.clone());
                alert.location.file = Arc::from(text.as_str());
                alert.location.line = u32::MAX - shift as u32;
                alert.path = if shift % 2 == 0 {
                    text.clone()
                } else {
                    String::new()
                };
                let request = &mut alert.request;
                let optional = |on: bool| if on { Some(text.clone()) } else { None };
                request.audit_id = text.clone();
                request.timestamp = optional(shift % 2 == 1);
                request.user.username = text.clone();
                request.user.groups = if shift % 2 == 0 {
                    vec![]
                } else {
                    vec![text.clone(); 2]
                };
                request.impersonated_user = (shift % 3 == 2).then(|| request.user.clone());
                request.source_ips = vec![text.clone(); shift % 3];
                for field in [
                    &mut request.user_agent,
                    &mut request.api_group,
                    &mut request.namespace,
                    &mut request.name,
                    &mut request.stage,
                    &mut request.verb,
                    &mut request.resource,
                    &mut request.object,
                    &mut request.request_uri,
                ] {
                    *field = if shift % 4 == 3 {
                        String::new()
                    } else {
                        text.clone()
                    };
                }
                request.response_code = match shift % 3 {
                    0 => None,
                    1 => Some(-7),
                    _ => Some(i32::MAX),
                };
                request.decision = optional(shift % 2 == 0);
                made.push(alert);
            }
        }
        let mut writer =
            AlertWriter::new(AuditFormat::Jsonl, &RenderOptions::default(), &[], VERSION);
        for alert in &made {
            let mut out = Vec::new();
            writer.write(alert, &mut out).unwrap();
            let expected = serde_json::to_string(alert).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn ecs_snapshot_and_fields() {
        let text = rendered(AuditFormat::Ecs, false);
        let documents: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(documents.len(), 3);
        let exec = &documents[0];
        assert_eq!(exec["@timestamp"], "2024-05-01T10:00:00.123456Z");
        assert_eq!(exec["ecs"]["version"], ECS_VERSION);
        assert_eq!(exec["event"]["kind"], "alert");
        assert_eq!(
            exec["event"]["category"],
            json!(["intrusion_detection", "process"])
        );
        assert_eq!(exec["event"]["type"], json!(["allowed", "start"]));
        assert_eq!(exec["event"]["action"], "create");
        assert_eq!(exec["event"]["id"], "5b1c7f0e-1");
        assert_eq!(exec["event"]["severity"], 3);
        assert_eq!(exec["event"]["outcome"], "success");
        assert_eq!(exec["event"]["dataset"], "palisade.audit");
        assert_eq!(exec["rule"]["name"], "exec-into-pod");
        assert_eq!(
            exec["rule"]["description"],
            "Someone ran a command in, or attached to, a running container"
        );
        assert_eq!(
            exec["rule"]["reference"],
            "https://attack.mitre.org/techniques/T1609/"
        );
        assert_eq!(exec["threat"]["technique"]["id"], json!(["T1609"]));
        assert_eq!(exec["user"], json!({"name": "alice"}));
        assert_eq!(
            exec["source"],
            json!({"address": "203.0.113.7", "ip": "203.0.113.7"})
        );
        assert_eq!(exec["related"]["ip"], json!(["203.0.113.7", "10.0.0.1"]));
        assert_eq!(exec["related"]["user"], json!(["alice"]));
        assert_eq!(
            exec["user_agent"]["original"],
            "kubectl/v1.30.0 (linux/amd64) kubernetes/abc"
        );
        assert!(
            exec["url"]["original"]
                .as_str()
                .unwrap()
                .ends_with("stdin=true")
        );
        assert_eq!(exec["http"]["response"]["status_code"], 101);
        assert_eq!(
            exec["orchestrator"],
            json!({"type": "kubernetes", "namespace": "prod",
                   "resource": {"type": "pods", "name": "web-1"}})
        );
        assert_eq!(exec["log"]["file"]["path"], "logs/audit.log");
        assert_eq!(exec["labels"], json!({"line": "3", "column": "1"}));
        assert_eq!(exec["palisade"]["path"], "/objectRef/subresource");
        assert_eq!(exec["palisade"]["subresource"], "exec");
        assert_eq!(exec["palisade"]["severity"], "medium");

        let secret = &documents[1];
        assert_eq!(
            secret["user"],
            json!({"name": "bob", "effective": {"name": "system:serviceaccount:kube-system:admin"}})
        );
        assert_eq!(
            secret["related"]["user"],
            json!(["bob", "system:serviceaccount:kube-system:admin"])
        );
        assert_eq!(
            secret["event"]["category"],
            json!(["intrusion_detection", "configuration"])
        );
        assert_eq!(secret["event"]["type"], json!(["allowed", "access"]));
        assert_eq!(secret["threat"]["technique"]["id"], json!(["T1552"]));
        assert_eq!(
            secret["threat"]["technique"]["subtechnique"]["id"],
            json!(["T1552.007"])
        );
        assert_eq!(
            secret["palisade"]["effective_user_groups"],
            json!(["system:serviceaccounts"])
        );
        // The rule's summary is unknown here; no description rather than a wrong one.
        assert!(secret.get("rule").unwrap().get("description").is_none());

        let bare = &documents[2];
        assert!(bare.get("@timestamp").is_none());
        assert!(bare.get("threat").is_none());
        assert!(bare.get("http").is_none());
        assert!(bare.get("user").is_none());
        assert_eq!(bare["event"]["outcome"], "unknown");
        // Not an address: kept as written, but never in an `ip` field.
        assert_eq!(bare["source"], json!({"address": "not-an-address"}));
        assert!(bare["related"].get("ip").is_none());
        insta::assert_snapshot!(text);
    }

    #[test]
    fn ecs_categories_follow_the_request() {
        assert_eq!(ecs_category("pods", "exec"), "process");
        assert_eq!(ecs_category("pods", "portforward"), "network");
        assert_eq!(ecs_category("clusterrolebindings", ""), "iam");
        assert_eq!(ecs_category("serviceaccounts", "token"), "iam");
        assert_eq!(ecs_category("deployments", ""), "configuration");
        assert_eq!(
            ecs_types("create", "iam", Some(201)),
            ["allowed", "creation"]
        );
        assert_eq!(
            ecs_types("patch", "configuration", Some(403)),
            ["denied", "change"]
        );
        assert_eq!(
            ecs_types("delete", "configuration", None),
            ["info", "deletion"]
        );
        assert_eq!(ecs_types("get", "iam", Some(500)), ["info"]);
        assert_eq!(
            ecs_types("create", "network", Some(101)),
            ["allowed", "connection"]
        );
    }

    #[test]
    fn summary_line() {
        let alerts = alerts();
        assert_eq!(
            summary(&alerts).line(),
            "42 events from 2 inputs: 3 alerts (1 critical, 1 high, 1 medium, 0 low, 0 info); \
             1 input error"
        );
        let clean = AuditSummary {
            files: 1,
            events: 1,
            ..AuditSummary::default()
        };
        assert_eq!(clean.line(), "1 event from 1 input: no alerts");
        assert!(summary(&alerts).any_at_or_above(Severity::Critical));
        assert!(!clean.any_at_or_above(Severity::Info));
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
