//! The Prometheus metrics of `palisade serve`, all named `palisade_*`:
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `palisade_http_requests_total` | counter | endpoint, code |
//! | `palisade_http_request_duration_seconds` | histogram (0.5 ms .. 5 s) | endpoint |
//! | `palisade_http_requests_in_flight` | gauge | |
//! | `palisade_admission_reviews_total` | counter | endpoint, operation, kind, decision |
//! | `palisade_admission_rule_hits_total` | counter | rule, namespace, action |
//! | `palisade_tls_reloads_total` | counter | result |
//! | `palisade_build_info` | gauge (= 1) | version |
//!
//! Kinds and namespaces come from requests, so each may take at most [`MAX_LABEL_VALUES`]
//! distinct values (and only names Kubernetes could have); anything beyond is counted as
//! `(other)`, so that a flood of made-up kinds cannot grow the scrape without bound.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`]: the Prometheus text format, version 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// How many distinct kinds, and how many distinct namespaces, the labels may take.
pub const MAX_LABEL_VALUES: usize = 1000;

/// The label value of a kind or namespace beyond the cap, or not a valid name. Parentheses
/// cannot appear in a kind or namespace, so it never collides with a real one.
pub const OTHER: &str = "(other)";

/// The namespace label of cluster-scoped objects.
pub const CLUSTER_SCOPED: &str = "(cluster)";

/// Histogram bucket bounds in seconds: from half a millisecond (a review answered from memory)
/// to five seconds (beyond the API server's patience).
const DURATION_BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The endpoints, as the `endpoint` label names them.
const ENDPOINTS: [&str; 5] = ["validate", "mutate", "healthz", "readyz", "metrics"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    endpoint: &'static str,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReviewLabels {
    endpoint: &'static str,
    operation: &'static str,
    kind: String,
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleHitLabels {
    rule: String,
    namespace: String,
    action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

/// What became of a review, as the `decision` label says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing found (validate), or nothing to patch (mutate).
    Allowed,
    Denied,
    /// Allowed with warnings.
    Warned,
    Patched,
    /// An exempt namespace or user: allowed untouched.
    Exempt,
    /// DELETE, CONNECT, or a subresource: allowed untouched.
    Skipped,
    /// Answered 400.
    Malformed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Warned => "warned",
            Decision::Patched => "patched",
            Decision::Exempt => "exempt",
            Decision::Skipped => "skipped",
            Decision::Malformed => "malformed",
        }
    }
}

/// What a finding did, as the `action` label says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitAction {
    Deny,
    Warn,
    /// Would have denied, but dry-run mode only warned.
    DryRun,
}

impl HitAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HitAction::Deny => "deny",
            HitAction::Warn => "warn",
            HitAction::DryRun => "dry-run",
        }
    }
}

/// The set of label values seen so far for one input-controlled label.
#[derive(Debug, Default)]
struct BoundedLabel {
    seen: Mutex<HashSet<String>>,
}

impl BoundedLabel {
    /// The label value for `value`: itself while there is room (and it is a plausible name),
    /// else [`OTHER`].
    fn value(&self, value: &str) -> String {
        if !is_plausible_name(value) {
            return OTHER.to_string();
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(value) {
            return value.to_string();
        }
        if seen.len() >= MAX_LABEL_VALUES {
            return OTHER.to_string();
        }
        seen.insert(value.to_string());
        value.to_string()
    }
}

/// Kinds are alphanumeric and namespaces are DNS labels; both fit in 63 characters. Anything
/// else is not a name Kubernetes would send.
fn is_plausible_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The registry and its metrics. Shared by all connections; every method takes `&self`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<EndpointLabels, Histogram>,
    in_flight: Gauge,
    reviews: Family<ReviewLabels, Counter>,
    rule_hits: Family<RuleHitLabels, Counter>,
    tls_reloads: Family<ResultLabels, Counter>,
    kinds: BoundedLabel,
    namespaces: BoundedLabel,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "palisade_http_requests",
            "HTTP requests answered, by endpoint and status code",
            http_requests.clone(),
        );
        let http_duration = Family::<EndpointLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        registry.register(
            "palisade_http_request_duration_seconds",
            "Time from request to response, by endpoint",
            http_duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "palisade_http_requests_in_flight",
            "HTTP requests being answered now",
            in_flight.clone(),
        );
        let reviews = Family::<ReviewLabels, Counter>::default();
        registry.register(
            "palisade_admission_reviews",
            "AdmissionReviews answered, by endpoint, operation, kind and decision",
            reviews.clone(),
        );
        let rule_hits = Family::<RuleHitLabels, Counter>::default();
        registry.register(
            "palisade_admission_rule_hits",
            "Findings in admitted or denied objects, by rule, namespace and what they did",
            rule_hits.clone(),
        );
        let tls_reloads = Family::<ResultLabels, Counter>::default();
        registry.register(
            "palisade_tls_reloads",
            "Reloads of the TLS certificate and key from disk, by result",
            tls_reloads.clone(),
        );
        let build_info = Family::<VersionLabels, Gauge>::default();
        registry.register(
            "palisade_build_info",
            "The palisade version serving, as a label; always 1",
            build_info.clone(),
        );
        build_info
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        // Series that exist from the start, so that rates and alerts work before the first
        // failure: every endpoint's histogram and both reload results.
        for endpoint in ENDPOINTS {
            http_duration.get_or_create_owned(&EndpointLabels { endpoint });
        }
        for result in ["success", "failure"] {
            tls_reloads.get_or_create_owned(&ResultLabels { result });
        }
        Metrics {
            registry,
            http_requests,
            http_duration,
            in_flight,
            reviews,
            rule_hits,
            tls_reloads,
            kinds: BoundedLabel::default(),
            namespaces: BoundedLabel::default(),
        }
    }

    /// Counts one answered HTTP request and its duration. `endpoint` is the route's name
    /// (`validate`, `/validate`, ...); anything else counts as `other`.
    pub fn observe_http(&self, endpoint: &str, code: u16, seconds: f64) {
        let endpoint = endpoint_label(endpoint);
        self.http_requests
            .get_or_create(&HttpLabels { endpoint, code })
            .inc();
        self.http_duration
            .get_or_create(&EndpointLabels { endpoint })
            .observe(seconds);
    }

    /// The in-flight gauge (shared: `inc` when a request starts, `dec` when it ends).
    pub fn in_flight(&self) -> Gauge {
        self.in_flight.clone()
    }

    /// Counts a request in flight until the guard is dropped, also when the request's future is
    /// cancelled.
    pub fn track_in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight {
            gauge: self.in_flight.clone(),
        }
    }

    pub fn record_tls_reload(&self, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.tls_reloads
            .get_or_create(&ResultLabels { result })
            .inc();
    }

    /// Counts one answered review.
    pub fn record_review(
        &self,
        endpoint: &'static str,
        operation: &'static str,
        kind: &str,
        decision: Decision,
    ) {
        let kind = self.kinds.value(kind);
        self.reviews
            .get_or_create(&ReviewLabels {
                endpoint,
                operation,
                kind,
                decision: decision.as_str(),
            })
            .inc();
    }

    /// Counts one finding and what it did. `namespace` is `None` for cluster-scoped objects.
    pub fn record_rule_hit(&self, rule: &str, namespace: Option<&str>, action: HitAction) {
        self.record_rule_hits(namespace, [(rule, action)]);
    }

    /// Counts the findings of one object and what each did, its namespace's label looked up
    /// once for all.
    pub fn record_rule_hits<'a>(
        &self,
        namespace: Option<&str>,
        hits: impl IntoIterator<Item = (&'a str, HitAction)>,
    ) {
        let mut labels = RuleHitLabels {
            rule: String::new(),
            namespace: match namespace {
                Some(namespace) => self.namespaces.value(namespace),
                None => CLUSTER_SCOPED.to_string(),
            },
            action: HitAction::Deny.as_str(),
        };
        for (rule, action) in hits {
            labels.rule.clear();
            labels.rule.push_str(rule);
            labels.action = action.as_str();
            self.rule_hits.get_or_create(&labels).inc();
        }
    }

    /// The metrics in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail; an encoder error would leave the text short,
        // which a scrape reports, rather than take the server down.
        if prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry).is_err()
        {
            tracing::error!("the metrics could not be encoded");
        }
        text
    }
}

/// Decrements the in-flight gauge when dropped.
#[derive(Debug)]
pub struct InFlight {
    gauge: Gauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

fn endpoint_label(endpoint: &str) -> &'static str {
    let name = endpoint.trim_start_matches('/');
    ENDPOINTS
        .into_iter()
        .find(|known| *known == name)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn every_metric_of_the_brief_is_exported_with_its_name() {
        let metrics = Metrics::new();
        metrics.observe_http("/validate", 200, 0.002);
        metrics.observe_http("/nope", 404, 0.0001);
        metrics.record_review("validate", "CREATE", "Deployment", Decision::Denied);
        metrics.record_rule_hit("privileged-container", Some("shop"), HitAction::Deny);
        metrics.record_tls_reload(true);
        let guard = metrics.track_in_flight();
        let text = metrics.render();
        drop(guard);
        for series in [
            "palisade_http_requests_total{endpoint=\"validate\",code=\"200\"}",
            "palisade_http_requests_total{endpoint=\"other\",code=\"404\"}",
            "palisade_http_request_duration_seconds_count{endpoint=\"validate\"}",
            "palisade_http_request_duration_seconds_bucket{endpoint=\"validate\",le=\"0.0025\"}",
            "palisade_http_requests_in_flight",
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Deployment\",decision=\"denied\"}",
            "palisade_admission_rule_hits_total{rule=\"privileged-container\",namespace=\"shop\",action=\"deny\"}",
            "palisade_tls_reloads_total{result=\"success\"}",
            "palisade_build_info{version=\"0.1.0\"}",
        ] {
            assert_eq!(line_value(&text, series), Some(1.0), "{series} in\n{text}");
        }
        assert_eq!(
            line_value(&text, "palisade_tls_reloads_total{result=\"failure\"}"),
            Some(0.0)
        );
        assert_eq!(
            line_value(&metrics.render(), "palisade_http_requests_in_flight"),
            Some(0.0)
        );
        assert!(text.contains("# TYPE palisade_http_request_duration_seconds histogram"));
        assert!(text.contains("# TYPE palisade_build_info gauge"));
    }

    #[test]
    fn input_controlled_labels_are_bounded() {
        let metrics = Metrics::new();
        for index in 0..MAX_LABEL_VALUES + 50 {
            let kind = format!("Kind{index}");
            metrics.record_review("validate", "CREATE", &kind, Decision::Allowed);
            metrics.record_rule_hit("host-pid", Some(&format!("ns-{index}")), HitAction::Warn);
        }
        metrics.record_review("validate", "CREATE", "Kind0", Decision::Allowed);
        metrics.record_review("validate", "CREATE", "evil\"}\n{x", Decision::Allowed);
        metrics.record_review("validate", "CREATE", &"K".repeat(10_000), Decision::Allowed);
        let text = metrics.render();
        let kinds = text
            .lines()
            .filter(|line| line.starts_with("palisade_admission_reviews_total{"))
            .count();
        assert_eq!(kinds, MAX_LABEL_VALUES + 1, "the cap and (other)");
        assert_eq!(
            line_value(
                &text,
                "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"(other)\",decision=\"allowed\"}"
            ),
            Some(52.0)
        );
        assert_eq!(
            line_value(
                &text,
                "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Kind0\",decision=\"allowed\"}"
            ),
            Some(2.0)
        );
        let namespaces = text
            .lines()
            .filter(|line| line.starts_with("palisade_admission_rule_hits_total{"))
            .count();
        assert_eq!(namespaces, MAX_LABEL_VALUES + 1);
        assert!(!text.contains("evil"));
        metrics.record_rule_hit("host-pid", None, HitAction::DryRun);
        assert!(metrics.render().contains(
            "palisade_admission_rule_hits_total{rule=\"host-pid\",namespace=\"(cluster)\",action=\"dry-run\"} 1"
        ));
    }
}
