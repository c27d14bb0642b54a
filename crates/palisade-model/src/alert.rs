//! What `palisade audit` reports: an [`Alert`] is a finding about one audit event, with the
//! facts of the request an investigator needs (who, from where, what, on which object) and the
//! place in the log where the event is.
//!
//! An alert never holds a request or response body: they may carry Secret data and tokens.
//! The offending field inside the body is named by its JSON pointer ([`Alert::path`]).

use serde::Serialize;
use std::borrow::Cow;

use crate::finding::Location;
use crate::rule_meta::ThreatActor;
use crate::severity::{Layer, Severity};

/// The user a request authenticated as, or acted as.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AlertUser {
    pub username: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// The request an alert is about, as the audit event recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRequest {
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// `stageTimestamp`, else `requestReceivedTimestamp`, else v1beta1's `timestamp`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub stage: String,
    pub user: AlertUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<AlertUser>,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    pub verb: String,
    /// `pods`, `pods/exec`, `clusterrolebindings`; empty for non-resource URLs.
    pub resource: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The object as a REST path (`namespaces/default/pods/web/exec`), or the URL path.
    pub object: String,
    #[serde(rename = "requestURI")]
    pub request_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_code: Option<i32>,
    /// The authorizer's decision (`allow`, `forbid`) when the log records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

/// One detection on one audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub layer: Layer,
    /// The concrete problem: who did what, and what was wrong with it.
    pub message: String,
    /// Why it matters: the attack this activity is part of, or enables.
    pub why: Cow<'static, str>,
    /// What to do about it.
    pub fix: Cow<'static, str>,
    pub threat_actors: &'static [ThreatActor],
    pub references: &'static [&'static str],
    /// Where the event's JSON starts in the input (`-` for stdin): line, and the column for
    /// an item of an `EventList`.
    pub location: Location,
    /// JSON pointer of the offending field inside the event (`/requestObject/spec/hostPID`);
    /// empty when the event as a whole is the problem.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub request: AlertRequest,
}

impl Alert {
    /// The order of a report: by input position, then by rule and path.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (&self.location, &self.rule, &self.path, &self.message)
    }
}
