//! The endpoints: what each answers, the body limit and deadline, and the metrics every request
//! is counted in.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Version, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use http_body_util::BodyExt;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::Semaphore;

use crate::admission::{Admission, Reply};

/// The body of a refused request (413, 404, ...) is read and thrown away up to this much, so
/// that a client still sending gets to read the answer instead of a reset connection or stream.
const DRAIN_AT_MOST: usize = 4 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

const JSON: &str = "application/json";
/// The Prometheus text exposition format's content type, which every scraper accepts.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
const ENDPOINTS: &str =
    "palisade serves POST /validate, POST /mutate, GET /healthz, GET /readyz and GET /metrics";

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

/// Runs the rule checks: a small review where its body was read, a larger one on tokio's
/// blocking pool (at most `permits` at once when bounded).
#[derive(Clone)]
pub(crate) struct Workers {
    permits: Option<Arc<Semaphore>>,
    inline_max_body_bytes: usize,
}

impl Workers {
    pub fn spawn_blocking(inline_max_body_bytes: usize) -> Workers {
        Workers {
            permits: None,
            inline_max_body_bytes,
        }
    }

    pub fn bounded(count: usize, inline_max_body_bytes: usize) -> Workers {
        Workers {
            permits: Some(Arc::new(Semaphore::new(count))),
            inline_max_body_bytes,
        }
    }

    async fn run(
        &self,
        body_bytes: usize,
        work: impl FnOnce() -> Reply + Send + 'static,
    ) -> Option<Reply> {
        // Only where configured (see ServeOptions::inline_max_body_bytes): a review judged here
        // holds up every other connection this thread serves.
        if body_bytes <= self.inline_max_body_bytes {
            return Some(work());
        }
        let _permit = match &self.permits {
            Some(permits) => Some(permits.acquire().await.ok()?),
            None => None,
        };
        tokio::task::spawn_blocking(work).await.ok()
    }
}

#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

struct Shared {
    admission: Arc<Admission>,
    limits: Limits,
    workers: Workers,
    /// The certificate is loaded and no shutdown has begun.
    ready: AtomicBool,
}

impl AppState {
    pub fn new(admission: Arc<Admission>, limits: Limits, workers: Workers) -> AppState {
        AppState(Arc::new(Shared {
            admission,
            limits,
            workers,
            ready: AtomicBool::new(false),
        }))
    }

    pub fn set_ready(&self, ready: bool) {
        self.0.ready.store(ready, Ordering::SeqCst);
    }
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/validate", only(post(validate), "POST"))
        .route("/mutate", only(post(mutate), "POST"))
        .route("/healthz", only(get(healthz), "GET, HEAD"))
        .route("/readyz", only(get(readyz), "GET, HEAD"))
        .route("/metrics", only(get(metrics), "GET, HEAD"))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The route with a JSON 405 for the other methods.
fn only(route: MethodRouter<AppState>, allowed: &'static str) -> MethodRouter<AppState> {
    route.fallback(move |request: Request| async move {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!(
                "method {} is not allowed here; use {allowed}",
                request.method()
            ),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allowed));
        refuse(response, request).await
    })
}

/// Answers after reading the request's body to its end (within bounds): a client still
/// sending would otherwise see its HTTP/2 stream reset or its connection closed, and never
/// read why it was refused.
async fn refuse(mut response: Response, request: Request) -> Response {
    let version = request.version();
    if !drain(request.into_body(), DRAIN_AT_MOST).await {
        close_after(&mut response, version);
    }
    response
}

/// The metrics' name for a path: a fixed set, so that random paths cannot grow the series.
fn endpoint_label(path: &str) -> &'static str {
    match path {
        "/validate" => "validate",
        "/mutate" => "mutate",
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        _ => "other",
    }
}

/// Lowers the in-flight gauge however the request ends, a dropped connection included.
struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts and times every request, whatever its answer.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = state.0.admission.metrics();
    let endpoint = endpoint_label(request.uri().path());
    let method = request.method().clone();
    let gauge = metrics.in_flight();
    gauge.inc();
    let _in_flight = InFlight(gauge);
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let code = response.status().as_u16();
    metrics.observe_http(endpoint, code, seconds);
    tracing::debug!(%method, endpoint, code, milliseconds = seconds * 1e3, "request");
    response
}

async fn validate(State(state): State<AppState>, request: Request) -> Response {
    review(state, request, |admission, body| admission.validate(body)).await
}

async fn mutate(State(state): State<AppState>, request: Request) -> Response {
    review(state, request, |admission, body| admission.mutate(body)).await
}

/// Reads the body within the limits, then judges it on a worker thread.
async fn review(
    state: AppState,
    request: Request,
    judge: fn(&Admission, &[u8]) -> Reply,
) -> Response {
    let shared = &state.0;
    let version = request.version();
    if let Some(refused) = unsupported_media_type(request.headers()) {
        return refuse(refused, request).await;
    }
    let limit = shared.limits.max_body_bytes;
    let declared = declared_length(request.headers());
    // A client that asked before sending (`Expect: 100-continue`) is told at once.
    let waits_to_send = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|expect| expect.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let body = request.into_body();
    if let Some(length) = declared.filter(|length| *length > limit as u64) {
        let drained = !waits_to_send
            && length <= (limit + DRAIN_AT_MOST) as u64
            && drain(body, length as usize).await;
        return too_large(limit, version, drained);
    }
    let deadline = shared.limits.request_timeout;
    let body = match tokio::time::timeout(deadline, read_body(body, limit, declared)).await {
        Ok(Ok(body)) => body,
        Ok(Err(BodyError::TooLarge(rest))) => {
            let drained = drain(rest, DRAIN_AT_MOST).await;
            return too_large(limit, version, drained);
        }
        Ok(Err(BodyError::Broken(reason))) => {
            // Most likely the client went away; if it is still there, it learns why.
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the request body could not be read: {reason}"),
            );
        }
        Err(_) => {
            let mut response = error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {}",
                    seconds(deadline)
                ),
            );
            close_after(&mut response, version);
            return response;
        }
    };
    let admission = Arc::clone(&shared.admission);
    match shared
        .workers
        .run(body.len(), move || judge(&admission, &body))
        .await
    {
        Some(reply) => json_response(reply.status, reply.body),
        None => {
            tracing::error!("judging a review failed unexpectedly (a bug in palisade)");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while judging the review",
            )
        }
    }
}

/// The API server sends `application/json`. A body that declares another structured format
/// (YAML, Kubernetes protobuf, XML, a multipart form) is refused with 415, which says more than
/// the JSON parser's error would. Labels that say nothing about the format (none at all,
/// `text/plain`, `application/octet-stream`, or `application/x-www-form-urlencoded`, which
/// `curl -d` sets) are read as JSON, and a body that is not gets 400.
fn unsupported_media_type(headers: &HeaderMap) -> Option<Response> {
    let declared = headers.get(header::CONTENT_TYPE)?;
    let essence = declared
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    if essence.ends_with("json") {
        return None;
    }
    let other_format = ["yaml", "protobuf", "xml", "multipart/", "cbor"]
        .iter()
        .any(|format| essence.contains(format));
    other_format.then(|| {
        error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "the body must be an AdmissionReview in JSON (Content-Type: {JSON}), not {essence}"
            ),
        )
    })
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

enum BodyError {
    /// Over the limit; the rest of the body, to drain.
    TooLarge(Body),
    Broken(String),
}

async fn read_body(
    mut body: Body,
    limit: usize,
    declared: Option<u64>,
) -> Result<Bytes, BodyError> {
    let mut collected: Vec<u8> =
        Vec::with_capacity(declared.map_or(0, |length| length.min(limit as u64) as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| BodyError::Broken(error.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if collected.len() + data.len() > limit {
            return Err(BodyError::TooLarge(body));
        }
        collected.extend_from_slice(&data);
    }
    Ok(Bytes::from(collected))
}

/// Reads and discards the rest of a body, at most `at_most` bytes and [`DRAIN_TIME`]; true
/// when it ended.
async fn drain(mut body: Body, at_most: usize) -> bool {
    let discard = async {
        let mut discarded = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Ok(data) = frame.into_data() {
                discarded += data.len();
                if discarded > at_most {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, discard)
        .await
        .unwrap_or(false)
}

fn too_large(limit: usize, version: Version, drained: bool) -> Response {
    let mut response = error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the request body is larger than {limit} bytes (the API server itself sends at most 3 MiB)"
        ),
    );
    if !drained {
        close_after(&mut response, version);
    }
    response
}

/// An HTTP/1 connection whose request body was not read to its end cannot carry another
/// request: say that it closes. (HTTP/2 streams are independent.)
fn close_after(response: &mut Response, version: Version) {
    if version <= Version::HTTP_11 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

async fn healthz() -> Response {
    json_response(200, br#"{"status":"ok"}"#.to_vec())
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.0.ready.load(Ordering::SeqCst) {
        json_response(200, br#"{"status":"ready"}"#.to_vec())
    } else {
        json_response(
            503,
            br#"{"status":"not ready","reason":"shutting down"}"#.to_vec(),
        )
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        state.0.admission.metrics().render(),
    )
        .into_response()
}

async fn not_found(request: Request) -> Response {
    let response = error(
        StatusCode::NOT_FOUND,
        &format!("no such endpoint; {ENDPOINTS}"),
    );
    refuse(response, request).await
}

fn json_response(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, JSON)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_a_fixed_set_of_metric_labels() {
        assert_eq!(endpoint_label("/validate"), "validate");
        assert_eq!(endpoint_label("/mutate"), "mutate");
        assert_eq!(endpoint_label("/metrics"), "metrics");
        assert_eq!(endpoint_label("/validate/"), "other");
        assert_eq!(endpoint_label("/../etc/passwd"), "other");
    }

    fn with_content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_and_unlabelled_bodies_are_read_and_other_formats_refused() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(
                unsupported_media_type(&with_content_type(accepted)).is_none(),
                "{accepted}"
            );
        }
        assert!(unsupported_media_type(&HeaderMap::new()).is_none());
        for unlabelled in [
            "application/x-www-form-urlencoded",
            "text/plain",
            "application/octet-stream",
        ] {
            assert!(
                unsupported_media_type(&with_content_type(unlabelled)).is_none(),
                "{unlabelled}"
            );
        }
        for refused in [
            "application/yaml",
            "text/yaml; charset=utf-8",
            "application/vnd.kubernetes.protobuf",
            "application/xml",
            "multipart/form-data; boundary=x",
        ] {
            let response = unsupported_media_type(&with_content_type(refused));
            assert_eq!(
                response.map(|response| response.status()),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
                "{refused}"
            );
        }
    }
}
