//! STAND-IN for helper W1's metrics (issue 6): only the HTTP and TLS metrics the server
//! records, under their agreed names. W1's metrics.rs replaces this file at merge.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets_range};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    durations: Family<Labels, Histogram>,
    in_flight: Gauge,
    tls_reloads: Family<Labels, Counter>,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets_range(0.0005, 5.0, 14))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        let durations = Family::<Labels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        let in_flight = Gauge::default();
        let tls_reloads = Family::<Labels, Counter>::default();
        registry.register("palisade_http_requests", "HTTP requests", requests.clone());
        registry.register(
            "palisade_http_request_duration_seconds",
            "HTTP request duration",
            durations.clone(),
        );
        registry.register(
            "palisade_http_requests_in_flight",
            "HTTP requests being served",
            in_flight.clone(),
        );
        registry.register(
            "palisade_tls_reloads",
            "Certificate reloads",
            tls_reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            in_flight,
            tls_reloads,
        }
    }
}

impl Metrics {
    pub fn observe_http(&self, endpoint: &str, code: u16, seconds: f64) {
        let endpoint = ("endpoint".to_string(), endpoint.to_string());
        self.requests
            .get_or_create(&vec![
                endpoint.clone(),
                ("code".to_string(), code.to_string()),
            ])
            .inc();
        self.durations
            .get_or_create(&vec![endpoint])
            .observe(seconds);
    }

    pub fn in_flight(&self) -> Gauge {
        self.in_flight.clone()
    }

    pub fn record_tls_reload(&self, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.tls_reloads
            .get_or_create(&vec![("result".to_string(), result.to_string())])
            .inc();
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
