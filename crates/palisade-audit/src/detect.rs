//! The detection engine: audit rules, what they see, and the [`Detector`] that runs them over a
//! stream of events.
//!
//! An audit rule is one file in `src/rules/`, documented in its leading `//!` comment like the
//! manifest rules of palisade-rules (What it does, Why is this bad?, Example, References), so
//! that `palisade explain` and `docs/rules/` come from the code. Most rules judge one event at a
//! time ([`AuditCheck::Event`]); rules that count or remember (failures per source, the
//! findings an object already had) keep state for the length of one stream
//! ([`AuditCheck::Stateful`], [`AuditCheck::Manifest`]).
//!
//! Judging is split in two so that most of it runs in parallel: an [`EventJudge`] runs, on
//! the threads that decode (it is the reader's [`Step`]), everything that needs the event
//! alone: the event rules, the manifest judgement of the request object, and whether a
//! stateful rule wants the event at all. The [`Detector`] then takes the [`Verdict`]s in
//! order and adds what needs memory. An event no stateful rule wants is dropped on its
//! decoding thread.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::{HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use palisade_model::{
    Alert, AlertRequest, AlertUser, Finding, InputError, Inventory, Location, RuleMeta,
};
use palisade_rules::ObjectRules;

use crate::config::AuditConfig;
use crate::event::{Event, UserInfo};
use crate::reader::{Record, SharedRecord, Step};
use crate::registry::all_rules;
use crate::rules::common::{ManifestJudge, ObjectFacts};

/// An audit rule: its metadata, why its alerts matter, and the function that checks.
pub struct AuditRule {
    pub meta: RuleMeta,
    /// Why an alert of this rule matters: the attack the activity is part of or enables. Every
    /// alert carries it.
    pub why: &'static str,
    /// Off by default for change-log rules that report ordinary activity (every Secret
    /// created); `audit.rules: {NAME: on}` in `.palisade.yaml` turns them on.
    pub enabled_by_default: bool,
    pub check: AuditCheck,
}

/// The kinds of audit rule.
pub enum AuditCheck {
    /// Judges each event on its own.
    Event(fn(&EventContext, &mut AlertEmitter)),
    /// Remembers across the events of one stream: `new` makes a fresh state, which sees the
    /// events `wants` accepts. `wants` looks at the event alone (it runs on the threads that
    /// decode) and must accept every event the state would do anything with.
    Stateful {
        new: fn(&AuditConfig) -> Box<dyn StatefulCheck>,
        wants: fn(&Event) -> bool,
    },
    /// Judges the objects that requests on the resources `applies_to` accepts wrote, with the
    /// manifest `rules` (a subset of [`JUDGED_MANIFEST_RULES`]), reporting each finding of an
    /// object once (see [`ManifestJudge`]).
    Manifest {
        rules: &'static [&'static str],
        applies_to: fn(&Event) -> bool,
    },
}

/// The state of a stateful rule over one stream of events.
pub trait StatefulCheck: Send {
    fn observe(&mut self, context: &EventContext, alerts: &mut AlertEmitter);
}

/// What a rule sees: one event, where it is in the input, and the configuration.
pub struct EventContext<'a> {
    pub event: &'a Event<'a>,
    pub location: &'a Location,
    pub config: &'a AuditConfig,
    /// [`JUDGED_MANIFEST_RULES`] as the scan configuration enables them, selected once.
    manifest_rules: &'a ObjectRules,
    /// The request object and its manifest findings, worked out once for all rules.
    judged: JudgedCell,
}

/// The request object of an event as the manifest rules judged it: their findings, and what
/// the rules that remember objects need to know of it. The object itself is dropped on the
/// thread that judged it, where it was made (freeing its tree on another thread cost more
/// than building it).
pub struct JudgedRequest {
    /// The findings of [`JUDGED_MANIFEST_RULES`] on it.
    pub findings: Vec<Finding>,
    pub object: ObjectFacts,
}

/// Every manifest rule an audit rule judges request objects with. The object is converted
/// and judged once per event, with all of them, however many audit rules look at it.
pub const JUDGED_MANIFEST_RULES: &[&str] = &[
    "privileged-container",
    "windows-host-process",
    "non-default-capabilities",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-path-volume",
    "node-port-service",
    "credential-in-configmap",
    "ingress-without-tls",
    "untrusted-registry",
];

/// The request object as judged, or not yet worked out. Boxed: it travels with the event's
/// verdict from a decoding thread to the detector, and a pointer moves for free.
type JudgedCell = OnceCell<Option<Box<JudgedRequest>>>;

impl<'a> EventContext<'a> {
    fn new(event: &'a Event, location: &'a Location, judge: &'a EventJudge) -> Self {
        Self::with_judged(event, location, judge, OnceCell::new())
    }

    fn with_judged(
        event: &'a Event,
        location: &'a Location,
        judge: &'a EventJudge,
        judged: JudgedCell,
    ) -> Self {
        EventContext {
            event,
            location,
            config: &judge.config,
            manifest_rules: &judge.manifest_rules,
            judged,
        }
    }

    /// The request object of a create or update as palisade's manifest rules judge it (see
    /// `rules::common::judged_request_object`), with the findings of [`JUDGED_MANIFEST_RULES`]:
    /// `None` when the log holds no such object.
    pub fn judged_request(&self) -> Option<&JudgedRequest> {
        self.judged
            .get_or_init(|| {
                let object = crate::rules::common::judged_request_object(self.event)?;
                let facts = ObjectFacts::of(self.event, &object);
                let inventory = Inventory::from_objects([object]);
                let findings = palisade_rules::check_each_object_with(
                    &inventory,
                    &self.config.scan,
                    self.manifest_rules,
                )
                .findings;
                Some(Box::new(JudgedRequest {
                    findings,
                    object: facts,
                }))
            })
            .as_deref()
    }
}

/// Collects the alerts of one rule on one event.
pub struct AlertEmitter<'a> {
    rule: &'a AuditRule,
    context: &'a EventContext<'a>,
    alerts: &'a mut Vec<Alert>,
}

impl AlertEmitter<'_> {
    /// Reports the event, pointing at `path` inside it (a JSON pointer such as
    /// `/requestObject/spec/hostPID`, or `""` for the event as a whole), with the rule's
    /// severity, why and fix. Returns the alert so that a rule can be more specific.
    pub fn report(&mut self, path: impl Into<String>, message: impl Into<String>) -> &mut Alert {
        let meta = &self.rule.meta;
        self.alerts.push(Alert {
            rule: Cow::Borrowed(meta.name),
            severity: meta.severity,
            layer: meta.layer,
            message: message.into(),
            why: Cow::Borrowed(self.rule.why),
            fix: Cow::Borrowed(meta.fix),
            threat_actors: meta.threat_actors,
            references: meta.references,
            location: self.context.location.clone(),
            path: path.into(),
            request: alert_request(self.context.event),
        });
        self.alerts.last_mut().expect("just pushed")
    }
}

impl Detector {
    /// Drops the alerts (from `first` on) that a rule already raised for an earlier stage of
    /// the same request.
    fn forget_repeats(&mut self, alerts: &mut Vec<Alert>, first: usize) {
        use std::hash::BuildHasher;
        let Some(audit_id) = alerts
            .get(first)
            .map(|alert| alert.request.audit_id.as_str())
            .filter(|id| !id.is_empty())
            .map(|id| self.audit_ids.hash_one(id))
        else {
            return;
        };
        let mut rules_now: Vec<&'static str> = Vec::new();
        let mut index = first;
        while index < alerts.len() {
            let rule = match &alerts[index].rule {
                Cow::Borrowed(name) => *name,
                Cow::Owned(_) => {
                    index += 1;
                    continue;
                }
            };
            let key = (audit_id, rule);
            if self.alerted.contains(&key) && !rules_now.contains(&rule) {
                alerts.remove(index);
                continue;
            }
            if !rules_now.contains(&rule) {
                rules_now.push(rule);
            }
            index += 1;
        }
        for rule in rules_now {
            let key = (audit_id, rule);
            if self.alerted.insert(key) {
                self.alerted_order.push_back(key);
                if self.alerted_order.len() > REMEMBERED_ALERTS
                    && let Some(oldest) = self.alerted_order.pop_front()
                {
                    self.alerted.remove(&oldest);
                }
            }
        }
    }
}

/// The facts of the request that an alert repeats. Never a body: they may hold secrets.
pub fn alert_request(event: &Event) -> AlertRequest {
    let user = |info: &UserInfo| AlertUser {
        username: info.username.to_string(),
        groups: info.groups.iter().map(|g| g.to_string()).collect(),
    };
    let resource = match (event.resource(), event.subresource()) {
        (resource, "") => resource.to_string(),
        (resource, sub) => format!("{resource}/{sub}"),
    };
    let timestamp = [
        &event.stage_timestamp,
        &event.request_received_timestamp,
        &event.timestamp,
    ]
    .into_iter()
    .find_map(|t| t.as_deref().map(str::to_string));
    AlertRequest {
        audit_id: event.audit_id.to_string(),
        timestamp,
        stage: event.stage.as_str().to_string(),
        user: user(&event.user),
        impersonated_user: event.impersonated_user.as_ref().map(user),
        source_ips: event.source_ips.iter().map(|ip| ip.to_string()).collect(),
        user_agent: event.user_agent.to_string(),
        verb: event.verb.to_string(),
        resource,
        api_group: event.api_group().to_string(),
        namespace: event.namespace().to_string(),
        name: event.name().to_string(),
        object: event.resource_path(),
        request_uri: redacted_uri(&event.request_uri),
        response_code: event.response_code(),
        decision: event.decision().map(str::to_string),
    }
}

/// How many (auditID, rule) pairs that alerted are remembered, to say each once.
const REMEMBERED_ALERTS: usize = 65_536;

/// The request URI without the values of `command` parameters: an exec's command line may
/// carry passwords (`mysql -psecret`), and alerts go to log shippers.
fn redacted_uri(uri: &str) -> String {
    let Some((path, query)) = uri.split_once('?') else {
        return uri.to_string();
    };
    if !query.split('&').any(|pair| pair.starts_with("command=")) {
        return uri.to_string();
    }
    let query: Vec<&str> = query
        .split('&')
        .map(|pair| {
            if pair.starts_with("command=") {
                "command=[redacted]"
            } else {
                pair
            }
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The rules that judge an event on their own (see the module documentation), shared by the
/// threads that decode: the reader's [`Step`] for a [`Detector`] (see
/// [`Detector::event_judge`]).
pub struct EventJudge {
    config: AuditConfig,
    /// Every enabled rule, in registration order; a rule's index here is its position.
    rules: Vec<&'static AuditRule>,
    /// See [`EventJudge::manifest_rules`].
    manifest_rules: ObjectRules,
}

/// What an [`EventJudge`] found in one event, for [`Detector::conclude`].
pub struct Verdict {
    /// The event, kept (with the decoded text it borrows) only when a stateful rule wants it.
    record: Option<SharedRecord>,
    found: Found,
}

/// What the rules that need no memory found in one event.
struct Found {
    /// The alerts of the event rules, in rule order, and the position of each one's rule.
    alerts: Vec<Alert>,
    positions: Vec<usize>,
    /// The positions of the stateful rules that want the event.
    wanted: Vec<usize>,
    judged: JudgedCell,
    /// The first rule (by position) that crashed, and the error that says so.
    crash: Option<Box<(usize, InputError)>>,
}

impl EventJudge {
    fn new(config: AuditConfig, rules: Vec<&'static AuditRule>) -> EventJudge {
        let manifest_rules = Self::manifest_rules(&config);
        EventJudge {
            config,
            rules,
            manifest_rules,
        }
    }

    /// The manifest rules request objects are judged with: [`JUDGED_MANIFEST_RULES`] as the
    /// scan configuration enables them.
    fn manifest_rules(config: &AuditConfig) -> ObjectRules {
        ObjectRules::select(&config.scan, |name| JUDGED_MANIFEST_RULES.contains(&name))
    }

    /// Runs the rules that need no memory on `record`, and drops the event if no stateful rule
    /// wants it.
    pub fn judge(&self, record: SharedRecord) -> Verdict {
        let found = self.find(record.get());
        Verdict {
            record: (!found.wanted.is_empty()).then_some(record),
            found,
        }
    }

    fn find(&self, record: &Record) -> Found {
        let context = EventContext::new(&record.event, &record.location, self);
        let event = context.event;
        let mut alerts = Vec::new();
        let mut positions = Vec::new();
        let mut wanted = Vec::new();
        let mut crash = None;
        // What every manifest judge asks besides which resources it judges (see
        // `ManifestJudge::concerns`), asked once.
        let carries_out_a_write = ManifestJudge::carries_out_a_write(event);
        // One guard for a run of rules rather than one per rule (which cost a twentieth of
        // judging): after a crash, the run goes on with the next rule.
        let mut next = 0;
        let current = Cell::new(0);
        while next < self.rules.len() {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                for (position, rule) in self.rules.iter().enumerate().skip(next) {
                    current.set(position);
                    let wants = match rule.check {
                        AuditCheck::Event(check) => {
                            let mut emitter = AlertEmitter {
                                rule,
                                context: &context,
                                alerts: &mut alerts,
                            };
                            check(&context, &mut emitter);
                            false
                        }
                        AuditCheck::Stateful { wants, .. } => wants(event),
                        AuditCheck::Manifest { applies_to, .. } => {
                            let concerned = carries_out_a_write && applies_to(event);
                            // Judge the request object here, in parallel, rather than when the
                            // stateful part asks for it.
                            if concerned && event.verb != "delete" {
                                context.judged_request();
                            }
                            concerned
                        }
                    };
                    positions.resize(alerts.len(), position);
                    if wants {
                        wanted.push(position);
                    }
                }
            }));
            if outcome.is_ok() {
                break;
            }
            let position = current.get();
            let rule = self.rules[position];
            // What the rule reported before it crashed stays, as it did with a guard per rule.
            positions.resize(alerts.len(), position);
            // A stateful rule whose `wants` crashed sees the event all the same.
            if !matches!(rule.check, AuditCheck::Event(_)) {
                wanted.push(position);
            }
            if crash.is_none() {
                crash = Some(Box::new((position, crash_error(rule, record))));
            }
            next = position + 1;
        }
        Found {
            alerts,
            positions,
            wanted,
            judged: context.judged,
            crash,
        }
    }
}

impl Step for EventJudge {
    type Output = Result<Verdict, InputError>;

    fn apply(&self, item: Result<SharedRecord, InputError>) -> Self::Output {
        item.map(|record| self.judge(record))
    }
}

/// The error that a rule crashed on an event.
fn crash_error(rule: &AuditRule, record: &Record) -> InputError {
    InputError {
        file: record.location.file.to_string(),
        line: Some(record.location.line),
        column: None,
        message: format!(
            "internal error: audit rule {} crashed on event {}; please report this with the event",
            rule.meta.name, record.event.audit_id
        ),
    }
}

/// Runs every enabled audit rule over a stream of events, in order.
///
/// The API server logs one request at up to four stages (`RequestReceived`,
/// `ResponseStarted`, `ResponseComplete`, `Panic`) under one `auditID`; a rule alerts on the
/// first stage that shows the problem, and not again for the later stages of the same request.
pub struct Detector {
    judge: Arc<EventJudge>,
    /// The state of each stateful rule, with the rule's position.
    states: Vec<(usize, &'static AuditRule, Box<dyn StatefulCheck>)>,
    /// The (auditID, rule) pairs that alerted, the auditID as a keyed hash: 8 bytes where the
    /// ID took 60, so that remembering many costs little memory. The key is random per run, so
    /// that a client choosing its own `Audit-ID` cannot aim at a collision.
    alerted: HashSet<(u64, &'static str)>,
    alerted_order: VecDeque<(u64, &'static str)>,
    audit_ids: std::hash::RandomState,
}

impl Detector {
    pub fn new(config: AuditConfig) -> Detector {
        let rules: Vec<&'static AuditRule> = all_rules()
            .iter()
            .map(|registered| registered.rule)
            .filter(|rule| config.is_enabled(rule.meta.name, rule.enabled_by_default))
            .collect();
        let states = rules
            .iter()
            .enumerate()
            .filter_map(|(position, &rule)| {
                let state: Box<dyn StatefulCheck> = match rule.check {
                    AuditCheck::Event(_) => return None,
                    AuditCheck::Stateful { new, .. } => new(&config),
                    AuditCheck::Manifest { rules, applies_to } => {
                        Box::new(ManifestJudge::new(rules, applies_to))
                    }
                };
                Some((position, rule, state))
            })
            .collect();
        Detector {
            judge: Arc::new(EventJudge::new(config, rules)),
            states,
            alerted: HashSet::new(),
            alerted_order: VecDeque::new(),
            audit_ids: std::hash::RandomState::new(),
        }
    }

    pub fn config(&self) -> &AuditConfig {
        &self.judge.config
    }

    /// The part of this detector that judges each event on its own, to run on the threads
    /// that decode (`EventReader::with_step`); its [`Verdict`]s go to [`Detector::conclude`] in
    /// order.
    pub fn event_judge(&self) -> Arc<EventJudge> {
        self.judge.clone()
    }

    /// Judges one event and appends its alerts, in rule order, with configured severities.
    /// A rule that crashes is an error naming it and the event; the other rules still run.
    pub fn observe(&mut self, record: &Record, alerts: &mut Vec<Alert>) -> Result<(), InputError> {
        let found = self.judge.find(record);
        self.finish(Some(record), found, alerts)
    }

    /// Completes the judgement of one event with the rules that remember, and appends its
    /// alerts as [`Detector::observe`] does. Verdicts must come in the order of their events.
    pub fn conclude(
        &mut self,
        verdict: Verdict,
        alerts: &mut Vec<Alert>,
    ) -> Result<(), InputError> {
        self.finish(
            verdict.record.as_ref().map(SharedRecord::get),
            verdict.found,
            alerts,
        )
    }

    fn finish(
        &mut self,
        record: Option<&Record>,
        found: Found,
        alerts: &mut Vec<Alert>,
    ) -> Result<(), InputError> {
        let first = alerts.len();
        let Found {
            alerts: early,
            positions,
            wanted,
            judged,
            mut crash,
        } = found;
        let mut early = early.into_iter().zip(positions).peekable();
        if let Some(record) = record.filter(|_| !wanted.is_empty()) {
            let context =
                EventContext::with_judged(&record.event, &record.location, &self.judge, judged);
            for (position, rule, state) in &mut self.states {
                if !wanted.contains(position) {
                    continue;
                }
                while let Some((alert, _)) = early.next_if(|(_, at)| at < position) {
                    alerts.push(alert);
                }
                let mut emitter = AlertEmitter {
                    rule,
                    context: &context,
                    alerts,
                };
                let outcome =
                    catch_unwind(AssertUnwindSafe(|| state.observe(&context, &mut emitter)));
                if outcome.is_err() && crash.as_ref().is_none_or(|found| found.0 > *position) {
                    crash = Some(Box::new((*position, crash_error(rule, record))));
                }
            }
        }
        alerts.extend(early.map(|(alert, _)| alert));
        self.forget_repeats(alerts, first);
        for alert in &mut alerts[first..] {
            if let Some(severity) = self.judge.config.severity_override(&alert.rule) {
                alert.severity = severity;
            }
        }
        match crash {
            None => Ok(()),
            Some(found) => Err(found.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::reader::{EventReader, Limits};

    #[test]
    fn the_manifest_rules_selected_once_are_the_judged_ones_the_scan_enables() {
        let mut config = AuditConfig::default();
        let all: Vec<&str> = EventJudge::manifest_rules(&config).names().collect();
        let mut expected: Vec<&str> = palisade_rules::all_rules()
            .iter()
            .map(|registered| registered.rule.meta.name)
            .filter(|name| JUDGED_MANIFEST_RULES.contains(name))
            .collect();
        assert_eq!(all, expected);
        assert_eq!(all.len(), JUDGED_MANIFEST_RULES.len(), "{all:?}");

        config.scan.rules.insert(
            "host-pid".to_string(),
            palisade_rules::RuleSetting {
                enabled: Some(false),
                severity: None,
            },
        );
        expected.retain(|name| *name != "host-pid");
        let selected: Vec<&str> = EventJudge::manifest_rules(&config).names().collect();
        assert_eq!(selected, expected);
    }

    /// A request object judged with the rules selected once has the findings it has when the
    /// rules are chosen for it alone.
    #[test]
    fn request_objects_are_judged_with_the_rules_selected_once() {
        let log = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/a/pods","verb":"create","user":{"username":"alice"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods","namespace":"a","name":"p","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"hostPID":true,"hostNetwork":true,"containers":[{"name":"c","image":"nginx","securityContext":{"privileged":true}}]}}}"#;
        let record = EventReader::new("log", Cursor::new(log), Limits::default())
            .next()
            .unwrap()
            .unwrap();
        let config = AuditConfig::default();
        let judge = EventJudge::new(config.clone(), Vec::new());
        let context = EventContext::new(&record.event, &record.location, &judge);
        let judged: Vec<(String, String)> = context
            .judged_request()
            .unwrap()
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.message.to_string()))
            .collect();
        let object = crate::rules::common::judged_request_object(&record.event).unwrap();
        let alone: Vec<(String, String)> = palisade_rules::check_each_object(
            &Inventory::from_objects([object]),
            &config.scan,
            |name| JUDGED_MANIFEST_RULES.contains(&name),
        )
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.message.to_string()))
        .collect();
        assert_eq!(judged, alone);
        let rules: Vec<&str> = judged.iter().map(|(rule, _)| rule.as_str()).collect();
        for rule in ["privileged-container", "host-pid", "host-network"] {
            assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
        }
    }

    fn alerts_of(log: &str) -> Vec<Vec<String>> {
        let mut detector = Detector::new(AuditConfig::default());
        EventReader::new("log", Cursor::new(log.to_string()), Limits::default())
            .map(|record| {
                let record = record.unwrap();
                let mut alerts = Vec::new();
                detector.observe(&record, &mut alerts).unwrap();
                alerts.into_iter().map(|a| a.rule.into_owned()).collect()
            })
            .collect()
    }

    const EXEC: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"@ID@","stage":"@STAGE@","verb":"create","user":{"username":"alice"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods","namespace":"a","name":"b","subresource":"exec"},"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=sh","responseStatus":{"code":101}}"#;

    fn exec(id: &str, stage: &str) -> String {
        EXEC.replace("@ID@", id).replace("@STAGE@", stage)
    }

    /// The exec event `id` at ResponseStarted, read as the detector reads it.
    fn exec_record(id: &str) -> Record<'static> {
        EventReader::new(
            "log",
            Cursor::new(exec(id, "ResponseStarted")),
            Limits::default(),
        )
        .next()
        .unwrap()
        .unwrap()
    }

    #[test]
    fn one_request_alerts_once_across_its_stages() {
        let log = [
            exec("one", "ResponseStarted"),
            exec("one", "ResponseComplete"),
            exec("two", "ResponseComplete"),
        ]
        .join("\n");
        let alerts = alerts_of(&log);
        assert_eq!(alerts[0], ["exec-into-pod"]);
        assert!(
            alerts[1].is_empty(),
            "the second stage of one request: {:?}",
            alerts[1]
        );
        assert_eq!(alerts[2], ["exec-into-pod"], "another request alerts again");
    }

    #[test]
    fn exec_command_lines_are_not_repeated_in_alerts() {
        assert_eq!(
            redacted_uri(
                "/api/v1/namespaces/a/pods/b/exec?command=mysql&command=-psecret&container=db&stdin=true"
            ),
            "/api/v1/namespaces/a/pods/b/exec?command=[redacted]&command=[redacted]&container=db&stdin=true"
        );
        assert_eq!(
            redacted_uri("/api/v1/pods?limit=500"),
            "/api/v1/pods?limit=500"
        );
        assert_eq!(redacted_uri("/healthz"), "/healthz");
    }

    #[test]
    fn events_without_an_audit_id_are_never_merged() {
        let log = [exec("", "ResponseStarted"), exec("", "ResponseStarted")].join("\n");
        assert_eq!(alerts_of(&log), [["exec-into-pod"], ["exec-into-pod"]]);
    }

    #[test]
    fn rules_can_be_turned_off_and_rerated() {
        let mut config = AuditConfig::default();
        config.rules.insert(
            "exec-into-pod".into(),
            crate::config::AuditRuleSetting {
                enabled: None,
                severity: Some(palisade_model::Severity::Critical),
            },
        );
        let record = exec_record("x");
        let mut alerts = Vec::new();
        Detector::new(config.clone())
            .observe(&record, &mut alerts)
            .unwrap();
        assert_eq!(alerts[0].severity, palisade_model::Severity::Critical);
        config.rules.get_mut("exec-into-pod").unwrap().enabled = Some(false);
        alerts.clear();
        Detector::new(config).observe(&record, &mut alerts).unwrap();
        assert!(alerts.is_empty());
    }

    fn crashing_rule(name: &'static str) -> AuditRule {
        AuditRule {
            meta: RuleMeta {
                name,
                severity: palisade_model::Severity::Low,
                layer: palisade_model::Layer::Runtime,
                threat_actors: &[],
                references: &[],
                summary: "crashes",
                fix: "none",
            },
            why: "a test",
            enabled_by_default: true,
            check: AuditCheck::Event(|_, _| panic!("a rule that crashes")),
        }
    }

    #[test]
    fn a_crashing_rule_is_an_error_and_the_other_rules_still_run() {
        let first: &'static AuditRule = Box::leak(Box::new(crashing_rule("first-crash")));
        let second: &'static AuditRule = Box::leak(Box::new(crashing_rule("second-crash")));
        let exec_rule = &crate::rules::exec_into_pod::RULE;
        let judge = EventJudge::new(
            AuditConfig::default(),
            vec![first, exec_rule, second, exec_rule],
        );
        let record = exec_record("x");
        let found = judge.find(&record);
        // Both runs of exec-into-pod (before and after the second crash) reported.
        assert_eq!(found.positions, [1, 3]);
        let crash = found.crash.expect("the crash is reported");
        assert_eq!(crash.0, 0, "the first rule that crashed is named");
        assert!(
            crash
                .1
                .message
                .contains("audit rule first-crash crashed on event x")
        );
        assert_eq!(crash.1.line, Some(1));
    }
}
