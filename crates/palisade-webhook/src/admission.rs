//! STAND-IN for helper W1's admission core (issue 6), so that the server compiles and its tests
//! run before W1's module lands. It answers every well-formed review "allowed", echoing the
//! uid, after running the object rules on the object (so that the benchmark pays a realistic
//! cost). W1's admission.rs replaces this file at merge.

use palisade_model::{Node, Object};
use palisade_rules::{Config, check_object};
use serde_json::{Value, json};

use crate::metrics::Metrics;
use crate::policy::Policy;

pub struct Admission {
    config: Config,
    metrics: Metrics,
    _policy: Policy,
}

/// An HTTP answer: the status and a JSON body.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Admission {
    pub fn new(config: Config, policy: Policy) -> Admission {
        Admission {
            config,
            metrics: Metrics::default(),
            _policy: policy,
        }
    }

    pub fn validate(&self, body: &[u8]) -> Reply {
        self.review(body)
    }

    pub fn mutate(&self, body: &[u8]) -> Reply {
        self.review(body)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn review(&self, body: &[u8]) -> Reply {
        let review: Value = match serde_json::from_slice(body) {
            Ok(review) => review,
            Err(error) => return error_reply(&format!("the body is not valid JSON: {error}")),
        };
        let Some(uid) = review.pointer("/request/uid").and_then(Value::as_str) else {
            return error_reply("not an AdmissionReview: request.uid is missing");
        };
        if let Some(object) = review
            .pointer("/request/object")
            .and_then(|object| Object::from_node(Node::from_json(object), None))
        {
            let _ = check_object(&object, &self.config, |_| true);
        }
        let answer = json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "response": {"uid": uid, "allowed": true},
        });
        Reply {
            status: 200,
            body: answer.to_string().into_bytes(),
        }
    }
}

fn error_reply(message: &str) -> Reply {
    Reply {
        status: 400,
        body: json!({ "error": message }).to_string().into_bytes(),
    }
}
