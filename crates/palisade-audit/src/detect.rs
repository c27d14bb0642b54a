//! The detection engine: audit rules, what they see, and the [`Detector`] that runs them over a
//! stream of events.
//!
//! An audit rule is one file in `src/rules/`, documented in its leading `//!` comment like the
//! manifest rules of palisade-rules (What it does, Why is this bad?, Example, References), so
//! that `palisade explain` and `docs/rules/` come from the code. Most rules judge one event at a
//! time ([`AuditCheck::Event`]); rules that count or remember (failures per source, who
//! normally reads Secrets) keep state for the length of one stream ([`AuditCheck::Stateful`]).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};

use palisade_model::{
    Alert, AlertRequest, AlertUser, Finding, InputError, Inventory, Location, Object, RuleMeta,
};

use crate::config::AuditConfig;
use crate::event::{Event, UserInfo};
use crate::reader::Record;
use crate::registry::all_rules;

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

/// The two kinds of audit rule.
pub enum AuditCheck {
    /// Judges each event on its own.
    Event(fn(&EventContext, &mut AlertEmitter)),
    /// Remembers across the events of one stream; the function makes a fresh state.
    Stateful(fn(&AuditConfig) -> Box<dyn StatefulCheck>),
}

/// The state of a stateful rule over one stream of events.
pub trait StatefulCheck: Send {
    fn observe(&mut self, context: &EventContext, alerts: &mut AlertEmitter);
}

/// What a rule sees: one event, where it is in the input, and the configuration.
pub struct EventContext<'a> {
    pub event: &'a Event,
    pub location: &'a Location,
    pub config: &'a AuditConfig,
    /// The request object and its manifest findings, worked out once for all rules.
    judged: OnceCell<Option<JudgedRequest>>,
}

/// The request object of an event as the manifest rules judge it, with their findings.
pub struct JudgedRequest {
    /// The object alone (an inventory of one, which the manifest rules need).
    inventory: Inventory,
    /// The findings of [`JUDGED_MANIFEST_RULES`] on it.
    pub findings: Vec<Finding>,
}

impl JudgedRequest {
    pub fn object(&self) -> &Object {
        &self.inventory.objects()[0]
    }
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

impl<'a> EventContext<'a> {
    pub fn new(event: &'a Event, location: &'a Location, config: &'a AuditConfig) -> Self {
        EventContext {
            event,
            location,
            config,
            judged: OnceCell::new(),
        }
    }

    /// The request object of a create or update as palisade's manifest rules judge it (see
    /// `rules::common::judged_request_object`), with the findings of [`JUDGED_MANIFEST_RULES`]:
    /// `None` when the log holds no such object.
    pub fn judged_request(&self) -> Option<&JudgedRequest> {
        self.judged
            .get_or_init(|| {
                let object = crate::rules::common::judged_request_object(self.event)?;
                let inventory = Inventory::from_objects([object]);
                let findings =
                    palisade_rules::check_each_object(&inventory, &self.config.scan, |name| {
                        JUDGED_MANIFEST_RULES.contains(&name)
                    })
                    .findings;
                Some(JudgedRequest {
                    inventory,
                    findings,
                })
            })
            .as_ref()
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
        let audit_id = &alerts.get(first).map(|a| a.request.audit_id.clone());
        let Some(audit_id) = audit_id.as_ref().filter(|id| !id.is_empty()) else {
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
            let key = (audit_id.clone(), rule);
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
            let key = (audit_id.clone(), rule);
            if self.alerted.insert(key.clone()) {
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
        username: info.username.clone(),
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
    .find_map(|t| t.clone());
    AlertRequest {
        audit_id: event.audit_id.clone(),
        timestamp,
        stage: event.stage.as_str().to_string(),
        user: user(&event.user),
        impersonated_user: event.impersonated_user.as_ref().map(user),
        source_ips: event.source_ips.clone(),
        user_agent: event.user_agent.clone(),
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

/// Runs every enabled audit rule over a stream of events, in order.
///
/// The API server logs one request at up to four stages (`RequestReceived`,
/// `ResponseStarted`, `ResponseComplete`, `Panic`) under one `auditID`; a rule alerts on the
/// first stage that shows the problem, and not again for the later stages of the same request.
pub struct Detector {
    config: AuditConfig,
    rules: Vec<(&'static AuditRule, Option<Box<dyn StatefulCheck>>)>,
    alerted: HashSet<(String, &'static str)>,
    alerted_order: VecDeque<(String, &'static str)>,
}

impl Detector {
    pub fn new(config: AuditConfig) -> Detector {
        let rules = all_rules()
            .iter()
            .map(|registered| registered.rule)
            .filter(|rule| config.is_enabled(rule.meta.name, rule.enabled_by_default))
            .map(|rule| {
                let state = match rule.check {
                    AuditCheck::Event(_) => None,
                    AuditCheck::Stateful(make) => Some(make(&config)),
                };
                (rule, state)
            })
            .collect();
        Detector {
            config,
            rules,
            alerted: HashSet::new(),
            alerted_order: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &AuditConfig {
        &self.config
    }

    /// Judges one event and appends its alerts, in rule order, with configured severities.
    /// A rule that crashes is an error naming it and the event; the other rules still run.
    pub fn observe(&mut self, record: &Record, alerts: &mut Vec<Alert>) -> Result<(), InputError> {
        let context = EventContext::new(&record.event, &record.location, &self.config);
        let first = alerts.len();
        let mut crashed = None;
        for (rule, state) in &mut self.rules {
            let mut emitter = AlertEmitter {
                rule,
                context: &context,
                alerts,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| match (&rule.check, state) {
                (AuditCheck::Event(check), _) => check(&context, &mut emitter),
                (AuditCheck::Stateful(_), Some(state)) => state.observe(&context, &mut emitter),
                (AuditCheck::Stateful(_), None) => {}
            }));
            if outcome.is_err() && crashed.is_none() {
                crashed = Some(rule.meta.name);
            }
        }
        self.forget_repeats(alerts, first);
        for alert in &mut alerts[first..] {
            if let Some(severity) = self.config.severity_override(&alert.rule) {
                alert.severity = severity;
            }
        }
        match crashed {
            None => Ok(()),
            Some(name) => Err(InputError {
                file: record.location.file.to_string(),
                line: Some(record.location.line),
                column: None,
                message: format!(
                    "internal error: audit rule {name} crashed on event {}; please report this with the event",
                    record.event.audit_id
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::reader::{EventReader, Limits};

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
        let record = EventReader::new(
            "log",
            Cursor::new(exec("x", "ResponseStarted")),
            Limits::default(),
        )
        .next()
        .unwrap()
        .unwrap();
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
}
