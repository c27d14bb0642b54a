//! ## What it does
//!
//! Counts the requests the API server refused with 401 (no valid credentials) or 403 (not
//! authorized) per source address and user, and reports when one source reaches
//! `audit.failures.threshold` refusals (5 by default) within `audit.failures.windowSeconds`
//! (60 by default). It reports once when the threshold is reached, and again only once the
//! window has passed and the threshold is reached anew. A 403 from an admission plugin (Pod
//! Security refusing a pod the user was authorized to create) is not an access refusal and
//! is not counted.
//!
//! The source is the address that connected (the last of `sourceIPs`; the others come from
//! `X-Forwarded-For`, which the client can write, so a client could not escape the count by
//! varying it). Time is the events' own (`stageTimestamp`); events without a time are counted
//! at the time of the latest event that had one, that is in the order they arrive. To keep
//! memory bounded on a log with millions of distinct sources, at most 65,536 sources are
//! remembered: when the table is full, the sources whose window has passed are forgotten,
//! then, if need be, the half that failed least recently.
//!
//! ## Why is this bad?
//!
//! One refusal is a typo or a missing role. Many in a short time from one place are someone
//! trying tokens or passwords (MITRE ATT&CK T1110 Brute Force), or probing with a stolen
//! credential what it may do (T1613 Container and Resource Discovery: `kubectl auth can-i
//! --list` is quiet, trying one resource after another is not). Either is the moment to act,
//! before a try succeeds.
//!
//! ## Example
//!
//! Five events like this one from 198.51.100.23 within a minute alert:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"get",
//!  "user":{"username":"system:serviceaccount:web:frontend"},"sourceIPs":["198.51.100.23"],
//!  "objectRef":{"resource":"secrets","namespace":"kube-system","name":"admin-token"},
//!  "responseStatus":{"code":403},"stageTimestamp":"2026-11-27T10:00:01.000000Z",
//!  "annotations":{"authorization.k8s.io/decision":"forbid"}}
//! ```
//!
//! Use instead: find out who holds the credential and block the source; when the failures
//! are an application's, grant it the role it needs instead of letting it retry:
//!
//! ```yaml
//! audit:
//!   failures: {threshold: 10, windowSeconds: 120}   # tune to the cluster's normal noise
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1110 Brute Force
//! - MITRE ATT&CK T1613 Container and Resource Discovery
//! - Panther detection Kubernetes.API.Multiple403.PublicIP
//! - Kubernetes documentation: Auditing

use std::collections::HashMap;

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::config::AuditConfig;
use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext, StatefulCheck};
use crate::event::{Event, Text};
use crate::rules::common::{outcome, sources};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "repeated-access-denied",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1110",
            "mitre:T1613",
            "k8s-docs:tasks/debug/debug-cluster/audit/",
        ],
        summary: "One source was refused (401/403) many times in a short time",
        fix: "Find out who is behind the source and what credential it tries; block it, revoke the credential, or grant an application the role it keeps asking for.",
    },
    why: "many refusals from one source in a short time are someone guessing credentials or probing what a stolen one may do (MITRE T1110, T1613)",
    enabled_by_default: true,
    check: AuditCheck::Stateful {
        new: new_state,
        wants: is_access_refusal,
    },
};

/// How many (source, user) pairs are remembered at most.
const MAX_SOURCES: usize = 65_536;

fn new_state(config: &AuditConfig) -> Box<dyn StatefulCheck> {
    Box::new(RepeatedFailures::new(
        config.failure_threshold,
        config.failure_window_seconds,
        MAX_SOURCES,
    ))
}

/// The refusals of one (source, user) within its current window.
struct Count {
    /// When the window started (the first refusal of it), in microseconds.
    first: i64,
    latest: i64,
    refusals: u32,
    alerted: bool,
}

struct RepeatedFailures {
    threshold: u32,
    window_micros: i64,
    capacity: usize,
    /// The latest event time seen: the time of events that have none.
    clock: i64,
    counts: HashMap<(String, String), Count>,
}

impl RepeatedFailures {
    fn new(threshold: u32, window_seconds: u64, capacity: usize) -> RepeatedFailures {
        RepeatedFailures {
            threshold: threshold.max(1),
            window_micros: i64::try_from(window_seconds)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000),
            capacity: capacity.max(2),
            clock: i64::MIN,
            counts: HashMap::new(),
        }
    }

    /// Counts one refusal; the number of refusals and the span they cover (microseconds) when
    /// this one reaches the threshold of its window.
    fn refusal(&mut self, source: &str, user: &str, at: i64) -> Option<(u32, i64)> {
        let key = (source.to_string(), user.to_string());
        if !self.counts.contains_key(&key) && self.counts.len() >= self.capacity {
            self.make_room();
        }
        let window = self.window_micros;
        let fresh = Count {
            first: at,
            latest: at,
            refusals: 0,
            alerted: false,
        };
        let count = self.counts.entry(key).or_insert(fresh);
        if at.saturating_sub(count.first).saturating_abs() > window {
            *count = Count {
                first: at,
                latest: at,
                refusals: 0,
                alerted: false,
            };
        }
        count.refusals = count.refusals.saturating_add(1);
        count.latest = count.latest.max(at);
        if count.refusals >= self.threshold && !count.alerted {
            count.alerted = true;
            return Some((count.refusals, count.latest.saturating_sub(count.first)));
        }
        None
    }

    /// Forgets the sources whose window has passed (a new refusal would start afresh anyway),
    /// then, if the table is still full, the half that was refused least recently.
    fn make_room(&mut self) {
        let (clock, window) = (self.clock, self.window_micros);
        self.counts
            .retain(|_, count| clock.saturating_sub(count.first) <= window);
        if self.counts.len() < self.capacity {
            return;
        }
        let mut latest: Vec<i64> = self.counts.values().map(|count| count.latest).collect();
        let middle = latest.len() / 2;
        let (_, cut, _) = latest.select_nth_unstable(middle);
        let cut = *cut;
        self.counts.retain(|_, count| count.latest > cut);
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.counts.len()
    }
}

/// Refused by authentication (401) or authorization (403); not a 403 of an admission plugin
/// after the authorizer allowed the request.
fn is_access_refusal(event: &Event) -> bool {
    matches!(event.response_code(), Some(401 | 403)) && event.allowed() == Some(false)
}

impl StatefulCheck for RepeatedFailures {
    fn observe(&mut self, context: &EventContext, out: &mut AlertEmitter) {
        let event = context.event;
        if !is_access_refusal(event) {
            return;
        }
        let timed = event.time_micros();
        let at = match timed {
            Some(time) => {
                self.clock = self.clock.max(time);
                time
            }
            None => self.clock.max(0),
        };
        let source = event.source_ips.last().map_or("", Text::as_str);
        let Some((refusals, span)) = self.refusal(source, &event.user.username, at) else {
            return;
        };
        let user = match event.user.username.as_str() {
            "" => "a client without valid credentials",
            name => name,
        };
        let times = match (refusals, timed) {
            (1, _) => "once".to_string(),
            // Whole seconds, rounded up: "in 0s" would read as no time at all.
            (_, Some(_)) => format!(
                "{refusals} times in {}s",
                (span.max(0) + 999_999) / 1_000_000
            ),
            (_, None) => {
                format!("{refusals} times, counted in arrival order as the events have no time")
            }
        };
        out.report(
            "/responseStatus/code",
            format!(
                "{user} from {} was refused {times} (threshold: {} in {}s); {}: {} {}, {}",
                sources(event),
                self.threshold,
                self.window_micros / 1_000_000,
                if refusals == 1 {
                    "the request"
                } else {
                    "the latest"
                },
                event.verb,
                event.resource_path(),
                outcome(event)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    #[test]
    fn alerts_once_at_the_threshold_and_again_after_the_window() {
        let mut state = RepeatedFailures::new(3, 60, 1024);
        let mut at = 0;
        let mut alerts = Vec::new();
        for _ in 0..10 {
            at += SECOND;
            state.clock = at;
            alerts.push(state.refusal("198.51.100.1", "mallory", at).is_some());
        }
        assert_eq!(
            alerts,
            [
                false, false, true, false, false, false, false, false, false, false
            ]
        );
        // Another user from the same address, and the same user from another, count apart.
        assert!(state.refusal("198.51.100.1", "bob", at).is_none());
        assert!(state.refusal("198.51.100.2", "mallory", at).is_none());
        // Once the window has passed, counting starts over and may alert again.
        at += 61 * SECOND;
        assert!(state.refusal("198.51.100.1", "mallory", at).is_none());
        assert!(
            state
                .refusal("198.51.100.1", "mallory", at + SECOND)
                .is_none()
        );
        assert_eq!(
            state.refusal("198.51.100.1", "mallory", at + 2 * SECOND),
            Some((3, 2 * SECOND))
        );
    }

    #[test]
    fn slow_refusals_never_reach_the_threshold() {
        let mut state = RepeatedFailures::new(3, 60, 1024);
        for minute in 0..100 {
            let at = minute * 61 * SECOND;
            state.clock = at;
            assert!(state.refusal("198.51.100.1", "", at).is_none());
        }
    }

    #[test]
    fn a_flood_of_sources_stays_within_the_table_and_the_attacker_is_still_caught() {
        let capacity = 1024;
        let mut state = RepeatedFailures::new(5, 60, capacity);
        let mut caught = 0;
        for n in 0..200_000u32 {
            // All within one window: nothing expires, the table must evict to stay bounded.
            let at = i64::from(n) * 100;
            state.clock = at;
            let [a, b, c, d] = n.to_be_bytes();
            let source = format!("{}.{b}.{c}.{d}", 10 + a);
            assert!(state.refusal(&source, "", at).is_none());
            assert!(state.remembered() <= capacity, "{}", state.remembered());
            // One attacker keeps failing in between.
            if n % 100 == 0 && state.refusal("203.0.113.66", "mallory", at).is_some() {
                caught += 1;
            }
        }
        assert_eq!(
            caught, 1,
            "the attacker reaches the threshold once per window"
        );
    }

    #[test]
    fn five_refusals_within_a_minute_alert_once_per_window() {
        use std::sync::Arc;

        use palisade_model::Location;

        use crate::detect::Detector;
        use crate::reader::Record;

        let mut detector = Detector::new(AuditConfig::default());
        let (a, b) = ("198.51.100.23", "198.51.100.24");
        // Seconds after 10:00:00 and the connecting address; the default is 5 in 60s.
        let refusals = [
            (0, a),
            (10, a),
            (20, b),
            (30, a),
            (40, a),
            (50, a), // A's fifth within the minute
            (55, a), // already reported for this window
            (61, a), // A's window (from 0s) has passed: counting starts over
            (62, a),
            (63, a),
            (64, a),
            (65, a), // the fifth of the new window
        ];
        let mut messages = Vec::new();
        for (line, (second, ip)) in refusals.into_iter().enumerate() {
            let json = format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"r{line}","stage":"ResponseComplete","verb":"get","user":{{"username":"mallory"}},"sourceIPs":["{ip}"],"objectRef":{{"resource":"secrets","namespace":"kube-system","name":"s{line}"}},"responseStatus":{{"code":403}},"annotations":{{"authorization.k8s.io/decision":"forbid"}},"stageTimestamp":"2026-11-27T10:{:02}:{:02}.000000Z"}}"#,
                second / 60,
                second % 60
            );
            let record = Record {
                location: Location {
                    file: Arc::from("test"),
                    line: u32::try_from(line + 1).unwrap(),
                    column: 1,
                },
                event: Box::new(crate::event::decode_event(json.as_bytes()).unwrap()),
            };
            let mut alerts = Vec::new();
            detector.observe(&record, &mut alerts).unwrap();
            messages.extend(
                alerts
                    .into_iter()
                    .filter(|alert| alert.rule == "repeated-access-denied")
                    .map(|alert| (alert.location.line, alert.message)),
            );
        }
        assert_eq!(
            messages,
            [
                (
                    6,
                    "mallory from 198.51.100.23 was refused 5 times in 50s (threshold: 5 in 60s); the latest: get namespaces/kube-system/secrets/s5, refused (403)".to_string()
                ),
                (
                    12,
                    "mallory from 198.51.100.23 was refused 5 times in 4s (threshold: 5 in 60s); the latest: get namespaces/kube-system/secrets/s11, refused (403)".to_string()
                ),
            ]
        );
    }

    #[test]
    fn admission_refusals_are_not_access_refusals() {
        let event = |json: &'static str| crate::event::decode_event(json.as_bytes()).unwrap();
        assert!(is_access_refusal(&event(
            r#"{"auditID":"a","responseStatus":{"code":401}}"#
        )));
        assert!(is_access_refusal(&event(
            r#"{"auditID":"a","responseStatus":{"code":403},"annotations":{"authorization.k8s.io/decision":"forbid"}}"#
        )));
        assert!(!is_access_refusal(&event(
            r#"{"auditID":"a","responseStatus":{"code":403},"annotations":{"authorization.k8s.io/decision":"allow"}}"#
        )));
        assert!(!is_access_refusal(&event(
            r#"{"auditID":"a","responseStatus":{"code":404}}"#
        )));
    }
}
