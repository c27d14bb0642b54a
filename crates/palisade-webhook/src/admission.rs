//! The admission core the server calls: a body in, a status and a JSON body out. No I/O, so
//! that every behaviour can be tested without a socket, and fuzzed.

use std::panic::{AssertUnwindSafe, catch_unwind};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use palisade_rules::Config;

use crate::metrics::{Decision, Metrics};
use crate::mutate;
use crate::policy::Policy;
use crate::review::{self, AdmissionResponse, ReviewResponse};
use crate::validate::{self, Judgement};

/// The judge of admission reviews: the scan configuration, the webhook policy and the
/// metrics. `Send + Sync`; one is shared by all connections.
#[derive(Debug)]
pub struct Admission {
    config: Config,
    policy: Policy,
    metrics: Metrics,
}

/// An HTTP answer: the status (200, 400, or 500 for a bug) and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// `{"error": message}` with the given status.
    pub fn error(status: u16, message: &str) -> Reply {
        let body = serde_json::to_vec(&serde_json::json!({ "error": message }))
            .unwrap_or_else(|_| br#"{"error":"internal error"}"#.to_vec());
        Reply { status, body }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Validate,
    Mutate,
}

impl Endpoint {
    fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// `patchType` of a response with a patch; the only one admission.k8s.io/v1 knows.
const PATCH_TYPE: &str = "JSONPatch";

/// The operation label of a body that is not a review.
const UNKNOWN_OPERATION: &str = "UNKNOWN";

impl Admission {
    pub fn new(config: Config, policy: Policy) -> Admission {
        Admission {
            config,
            policy,
            metrics: Metrics::new(),
        }
    }

    /// Answers `POST /validate`: 200 with an AdmissionReview, or 400 with `{"error": ...}`
    /// when the body is not a review. Never panics.
    pub fn validate(&self, body: &[u8]) -> Reply {
        self.answer(Endpoint::Validate, body)
    }

    /// Answers `POST /mutate`: 200 with an AdmissionReview (with a JSONPatch when there is a
    /// default to add), or 400 with `{"error": ...}`. Never panics.
    pub fn mutate(&self, body: &[u8]) -> Reply {
        self.answer(Endpoint::Mutate, body)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn answer(&self, endpoint: Endpoint, body: &[u8]) -> Reply {
        // The rules already guard each rule; this guards the rest, so that a bug answers one
        // request with 500 instead of taking a worker (and, with failurePolicy Fail, the
        // cluster's ability to create pods) down with it.
        match catch_unwind(AssertUnwindSafe(|| self.answer_unguarded(endpoint, body))) {
            Ok(reply) => reply,
            Err(_) => {
                tracing::error!(
                    endpoint = endpoint.as_str(),
                    "internal error while answering a review; please report it"
                );
                Reply::error(
                    500,
                    "internal error while answering the review; the webhook's log has details",
                )
            }
        }
    }

    fn answer_unguarded(&self, endpoint: Endpoint, body: &[u8]) -> Reply {
        let review = match review::parse(body) {
            Ok(review) => review,
            Err(error) => {
                tracing::warn!(endpoint = endpoint.as_str(), error = %error, "malformed review answered 400");
                self.metrics.record_review(
                    endpoint.as_str(),
                    UNKNOWN_OPERATION,
                    "",
                    Decision::Malformed,
                );
                return Reply::error(400, &error.0);
            }
        };
        let operation = review.operation.as_str();
        let kind = review.kind.clone();
        let Judgement { response, decision } = match endpoint {
            Endpoint::Validate => {
                validate::validate(review, &self.config, &self.policy, &self.metrics)
            }
            Endpoint::Mutate => self.patch(review),
        };
        self.metrics
            .record_review(endpoint.as_str(), operation, &kind, decision);
        // Room for the answer at once, rather than growing by doubling from 128 bytes.
        let warnings: usize = response
            .warnings
            .iter()
            .map(|warning| warning.len() + 3)
            .sum();
        let mut body = Vec::with_capacity(256 + warnings);
        match serde_json::to_writer(&mut body, &ReviewResponse::new(response)) {
            Ok(()) => Reply { status: 200, body },
            Err(error) => {
                tracing::error!(%error, "the response could not be serialised");
                Reply::error(500, "internal error: the response could not be serialised")
            }
        }
    }

    fn patch(&self, mut review: review::Review) -> Judgement {
        let allowed = |uid: String, decision| Judgement {
            response: AdmissionResponse {
                uid,
                allowed: true,
                ..AdmissionResponse::default()
            },
            decision,
        };
        if let Some(decision) = validate::untouched(&review, &self.policy, "mutate") {
            return allowed(review.uid, decision);
        }
        let mutate_policy = self.policy.mutate();
        if mutate_policy.is_empty() {
            return allowed(review.uid, Decision::Allowed);
        }
        let Some(view) = validate::object_of(&mut review) else {
            return allowed(review.uid, Decision::Skipped);
        };
        let object = view.root.to_json();
        let operations = mutate::patch(
            &object,
            &view,
            review.operation,
            &self.config,
            mutate_policy,
        );
        if operations.is_empty() {
            return allowed(review.uid, Decision::Allowed);
        }
        let patch = match serde_json::to_vec(&operations) {
            Ok(patch) => patch,
            Err(error) => {
                tracing::error!(%error, "the patch could not be serialised; allowed unpatched");
                return allowed(review.uid, Decision::Allowed);
            }
        };
        tracing::debug!(uid = %review.uid, kind = %review.kind, operations = operations.len(), "patched");
        Judgement {
            response: AdmissionResponse {
                uid: review.uid,
                allowed: true,
                patch_type: Some(PATCH_TYPE),
                patch: Some(BASE64.encode(patch)),
                ..AdmissionResponse::default()
            },
            decision: Decision::Patched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn admission_is_shared_across_threads() {
        assert_send_sync::<Admission>();
    }
}
