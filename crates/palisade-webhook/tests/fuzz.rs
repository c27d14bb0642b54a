//! Fuzzing the request handler (on stable, with proptest): arbitrary bytes, and valid reviews
//! broken on purpose (cut short, values swapped for other types, nested deeply, huge strings,
//! keys removed, bytes flipped). Whatever comes in, the answer is 200 with an AdmissionReview
//! or 400 with an error, never a panic (which the handler would turn into a 500).
//!
//! A coverage-guided target for nightly lives in `fuzz/fuzz_targets/admission_review.rs`.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{admission, body, clean_deployment, review};
use palisade_webhook::{Admission, Reply};
use proptest::prelude::*;
use serde_json::{Value, json};

const POLICY: &str = "webhook:\n  deny: [latest-image-tag]\n  exemptNamespaces: [\"team-*\"]\n  mutate:\n    dropAllCapabilities: true\n    disallowPrivilegeEscalation: true\n    seccompRuntimeDefault: true\n    defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n";

fn admissions() -> &'static [Admission] {
    static ADMISSIONS: std::sync::OnceLock<Vec<Admission>> = std::sync::OnceLock::new();
    ADMISSIONS.get_or_init(|| {
        vec![
            admission(POLICY),
            admission("webhook: {dryRun: true, denyAtOrAbove: low}\n"),
        ]
    })
}

/// Checks one answer: 200 with a well-formed AdmissionReview, or 400 with an error message.
fn check_reply(reply: &Reply) -> Result<(), TestCaseError> {
    let value: Value = serde_json::from_slice(&reply.body)
        .map_err(|e| TestCaseError::fail(format!("the reply is not JSON: {e}")))?;
    match reply.status {
        200 => {
            let response = &value["response"];
            prop_assert_eq!(&value["kind"], "AdmissionReview");
            prop_assert!(response["uid"].is_string(), "no uid: {}", value);
            prop_assert!(response["allowed"].is_boolean(), "no allowed: {}", value);
            if response["allowed"] == false {
                prop_assert_eq!(&response["status"]["code"], 403);
            }
            if let Some(patch) = response.get("patch") {
                let bytes = BASE64
                    .decode(patch.as_str().unwrap_or(""))
                    .map_err(|e| TestCaseError::fail(format!("bad base64: {e}")))?;
                let operations: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| TestCaseError::fail(format!("bad patch JSON: {e}")))?;
                prop_assert!(operations.as_array().is_some_and(|ops| !ops.is_empty()));
                prop_assert_eq!(&response["patchType"], "JSONPatch");
            }
        }
        400 => {
            prop_assert!(value["error"].is_string(), "no error message: {}", value);
        }
        other => prop_assert!(false, "status {} for {}", other, value),
    }
    Ok(())
}

fn check_body(bytes: &[u8]) -> Result<(), TestCaseError> {
    for admission in admissions() {
        check_reply(&admission.validate(bytes))?;
        check_reply(&admission.mutate(bytes))?;
    }
    Ok(())
}

/// Reviews of several shapes to start from.
fn seeds() -> Vec<Value> {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop",
            "annotations": {"palisade.dev/ignore": "host-pid"}},
        "spec": {"hostPID": true, "os": {"name": "linux"},
                 "initContainers": [{"name": "i", "image": "busybox:latest"}],
                 "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}},
                                 "resources": {"limits": {"memory": "64Mi"}}}]}
    });
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "shop"},
                        "type": "Opaque", "data": {"password": "cGFzc3dvcmQ="}});
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "shop"},
                         "spec": {"type": "NodePort", "externalIPs": ["203.0.113.1"]}});
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "team-a"},
                         "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}}});
    let mut delete = review("DELETE", pod.clone());
    delete["request"]["oldObject"] = delete["request"]["object"].take();
    vec![
        review("CREATE", clean_deployment()),
        review("CREATE", pod.clone()),
        review("UPDATE", pod),
        review("CREATE", secret),
        review("UPDATE", service),
        review("CREATE", cronjob),
        delete,
    ]
}

/// One way of breaking a review.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node at the path with another value (often of another type).
    Swap(Vec<usize>, Value),
    /// Wrap the node at the path in this many arrays or objects.
    Nest(Vec<usize>, usize, bool),
    /// Replace the node at the path with a long string.
    HugeString(Vec<usize>, usize),
    /// Remove the node at the path from its parent.
    Remove(Vec<usize>),
}

/// Bytes-level damage, after serialisation.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,20}".prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["ALL", "SYS_ADMIN"])),
        Just(json!({"kind": "Pod", "apiVersion": "v1"})),
        Just(json!("CREATE")),
        Just(json!("windows")),
        Just(json!("1e999m")),
    ]
}

fn path() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(any::<usize>(), 0..12)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (path(), leaf()).prop_map(|(p, v)| Mutation::Swap(p, v)),
        1 => (path(), 1usize..400, any::<bool>()).prop_map(|(p, d, a)| Mutation::Nest(p, d, a)),
        1 => (path(), 0usize..200_000).prop_map(|(p, n)| Mutation::HugeString(p, n)),
        2 => path().prop_map(Mutation::Remove),
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        2 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, x)| Damage::Flip(at, x)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(at, b)| Damage::Insert(at, b)),
    ]
}

/// Follows `path` (each step picks a child by index modulo the number of children) as far as
/// it goes, and returns the node reached and, when it has one, its parent and its key there.
fn node_at<'v>(value: &'v mut Value, path: &[usize]) -> &'v mut Value {
    let mut node = value;
    for step in path {
        let has_children = match &*node {
            Value::Object(map) => !map.is_empty(),
            Value::Array(items) => !items.is_empty(),
            _ => false,
        };
        if !has_children {
            break;
        }
        node = match node {
            Value::Object(map) => {
                let index = step % map.len();
                match map.values_mut().nth(index) {
                    Some(child) => child,
                    None => unreachable!("index is below the length"),
                }
            }
            Value::Array(items) => {
                let index = step % items.len();
                &mut items[index]
            }
            _ => unreachable!("only collections have children"),
        };
    }
    node
}

fn apply(mut review: Value, mutations: &[Mutation]) -> Value {
    for mutation in mutations {
        match mutation {
            Mutation::Swap(path, value) => *node_at(&mut review, path) = value.clone(),
            Mutation::Nest(path, depth, arrays) => {
                let node = node_at(&mut review, path);
                let mut nested = node.take();
                for _ in 0..*depth {
                    nested = if *arrays {
                        json!([nested])
                    } else {
                        json!({ "k": nested })
                    };
                }
                *node = nested;
            }
            Mutation::HugeString(path, length) => {
                *node_at(&mut review, path) = Value::String("x".repeat(*length))
            }
            Mutation::Remove(path) => {
                if let Some((last, parent)) = path.split_last() {
                    match node_at(&mut review, parent) {
                        Value::Object(map) if !map.is_empty() => {
                            let key = map.keys().nth(last % map.len()).cloned();
                            if let Some(key) = key {
                                map.remove(&key);
                            }
                        }
                        Value::Array(items) if !items.is_empty() => {
                            let index = last % items.len();
                            items.remove(index);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    review
}

fn damaged(mut bytes: Vec<u8>, damage: &Damage) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    match damage {
        Damage::None => {}
        Damage::Truncate(at) => bytes.truncate(at % bytes.len()),
        Damage::Flip(at, x) => {
            let index = at % bytes.len();
            bytes[index] ^= x;
        }
        Damage::Insert(at, inserted) => {
            let index = at % bytes.len();
            bytes.splice(index..index, inserted.iter().copied());
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_answered_200_or_400(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_body(&bytes)?;
    }

    #[test]
    fn arbitrary_text_starting_like_json_is_answered_200_or_400(text in "[{\\[\"]?[ -~]{0,300}") {
        check_body(text.as_bytes())?;
    }

    #[test]
    fn broken_reviews_are_answered_200_or_400(
        seed in 0usize..7,
        mutations in prop::collection::vec(mutation(), 0..4),
        damage in damage(),
    ) {
        let review = apply(seeds()[seed].clone(), &mutations);
        let bytes = damaged(body(&review), &damage);
        check_body(&bytes)?;
    }
}

#[test]
fn very_deep_nesting_is_400_in_the_object_and_ignored_elsewhere() {
    let admission = admission(POLICY);
    let depth = 100_000;
    let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let valid = String::from_utf8(body(&review("UPDATE", clean_deployment()))).unwrap();

    let in_object = valid.replacen("\"replicas\":2", &format!("\"replicas\":{deep}"), 1);
    assert_ne!(in_object, valid);
    let reply = admission.validate(in_object.as_bytes());
    assert_eq!(reply.status, 400);
    assert!(String::from_utf8_lossy(&reply.body).contains("nested too deeply"));

    // oldObject is skipped without being built, iteratively: no recursion limit is needed.
    let in_old = valid.replacen("\"oldObject\":null", &format!("\"oldObject\":{deep}"), 1);
    assert_ne!(in_old, valid);
    assert_eq!(admission.validate(in_old.as_bytes()).status, 200);
}

#[test]
fn huge_strings_are_judged_without_trouble() {
    let admission = admission(POLICY);
    let mut object = clean_deployment();
    object["metadata"]["annotations"] = json!({"note": "x".repeat(8 << 20)});
    object["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(format!("{}:latest", "r".repeat(1 << 20)));
    let reply = admission.validate(&body(&review("CREATE", object)));
    assert_eq!(reply.status, 200);
    let value: Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(value["response"]["allowed"], false);
    // The denial names the rule; the megabyte image name is not repeated whole.
    assert!(reply.body.len() < 64 << 10, "{} bytes", reply.body.len());
}
