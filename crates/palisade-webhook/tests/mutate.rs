//! `/mutate` end to end: every patch is decoded and applied with an independent RFC 6902
//! implementation (the json-patch crate), and the result is checked, and judged again.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{admission, body, clean_deployment, response, review, warnings};
use palisade_model::{Node, Object};
use palisade_rules::Config;
use palisade_webhook::Admission;
use serde_json::{Value, json};

const ALL_ON: &str = "webhook:\n  mutate:\n    dropAllCapabilities: true\n    disallowPrivilegeEscalation: true\n    seccompRuntimeDefault: true\n    defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n";

/// The operations of a reply's patch; empty when the reply has none (and then it must have no
/// patchType either).
fn operations(response: &Value) -> Vec<Value> {
    match response.get("patch") {
        None => {
            assert!(response.get("patchType").is_none(), "{response}");
            Vec::new()
        }
        Some(patch) => {
            assert_eq!(response["patchType"], "JSONPatch");
            let bytes = BASE64
                .decode(patch.as_str().expect("a base64 string"))
                .expect("valid base64");
            let operations: Vec<Value> = serde_json::from_slice(&bytes).expect("a JSON array");
            assert!(
                !operations.is_empty(),
                "a patch with no operation: {response}"
            );
            operations
        }
    }
}

/// Applies a reply's patch to `object`, after checking that each operation only adds where
/// nothing (or null) was, into a parent that exists.
fn apply(object: &Value, response: &Value) -> Value {
    let operations = operations(response);
    for operation in &operations {
        assert_eq!(operation["op"], "add", "{operation}");
        let path = operation["path"].as_str().expect("a path");
        let existing = object.pointer(path);
        assert!(
            existing.is_none() || existing == Some(&Value::Null),
            "{path} overrides {existing:?}"
        );
        let parent = &path[..path.rfind('/').expect("a parent")];
        assert!(
            object.pointer(parent).is_some_and(Value::is_object),
            "{path}: the parent {parent} is not an object in the request"
        );
    }
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(operations)).expect("a valid JSON Patch");
    let mut patched = object.clone();
    json_patch::patch(&mut patched, &patch.0).expect("the patch applies");
    patched
}

fn mutate(admission: &Admission, operation: &str, object: &Value) -> Value {
    response(&admission.mutate(&body(&review(operation, object.clone()))))
}

fn bare_pod_spec() -> Value {
    json!({
        "initContainers": [{"name": "migrate", "image": "registry.example.com/shop/migrate:1"}],
        "containers": [{"name": "web", "image": "registry.example.com/shop/web:1"}]
    })
}

fn bare_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": bare_pod_spec()
    })
}

#[test]
fn a_bare_pod_gets_every_configured_default() {
    let admission = admission(ALL_ON);
    let pod = bare_pod();
    let response = mutate(&admission, "CREATE", &pod);
    assert_eq!(response["allowed"], true);
    assert_eq!(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    let patched = apply(&pod, &response);
    let hardened = json!({
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    });
    let container = |name: &str, image: &str| {
        let mut container = hardened.clone();
        container["name"] = json!(name);
        container["image"] = json!(image);
        container
    };
    assert_eq!(
        patched,
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "initContainers": [container("migrate", "registry.example.com/shop/migrate:1")],
                "containers": [container("web", "registry.example.com/shop/web:1")]
            }
        })
    );
    assert!(admission.metrics().render().contains(
        "palisade_admission_reviews_total{endpoint=\"mutate\",operation=\"CREATE\",kind=\"Pod\",decision=\"patched\"} 1"
    ));
}

#[test]
fn nothing_is_patched_that_is_already_set() {
    let admission = admission(ALL_ON);
    let response = mutate(&admission, "CREATE", &clean_deployment());
    assert_eq!(response["allowed"], true);
    assert!(operations(&response).is_empty(), "{response}");
    assert!(warnings(&response).is_empty());
}

#[test]
fn nothing_is_patched_unless_configured() {
    let response = mutate(&admission(""), "CREATE", &bare_pod());
    assert!(operations(&response).is_empty(), "{response}");

    let only_drop = admission("webhook:\n  mutate: {dropAllCapabilities: true}\n");
    let pod = bare_pod();
    let patched = apply(&pod, &mutate(&only_drop, "CREATE", &pod));
    let web = &patched["spec"]["containers"][0];
    assert_eq!(
        web["securityContext"],
        json!({"capabilities": {"drop": ["ALL"]}})
    );
    assert!(web.get("resources").is_none());
    assert!(patched["spec"].get("securityContext").is_none());
}

/// Every workload kind with a bare pod template, and where its pod spec is.
fn bare_workloads() -> Vec<(Value, &'static str)> {
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": bare_pod_spec()});
    let meta = json!({"name": "web", "namespace": "shop"});
    vec![
        (bare_pod(), "/spec"),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}),
            "/spec/jobTemplate/spec/template/spec",
        ),
        (
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": meta, "template": template}),
            "/template/spec",
        ),
    ]
}

/// The rules the defaults answer: after the patch, none of them may fire.
const ANSWERED_RULES: &[&str] = &[
    "capabilities-not-dropped",
    "privilege-escalation-allowed",
    "missing-seccomp-profile",
    "missing-cpu-request",
    "missing-memory-request",
    "missing-memory-limit",
];

/// The findings of [`ANSWERED_RULES`] on an object, by rule, as the scan makes them.
fn answered_findings(object: &Value) -> Vec<String> {
    let object = Object::from_node(Node::from_json(object), None).expect("an object");
    palisade_rules::check_object(&object, &Config::default(), |rule| {
        ANSWERED_RULES.contains(&rule)
    })
    .findings
    .into_iter()
    .map(|finding| finding.rule.to_string())
    .collect()
}

#[test]
fn every_workload_kind_is_patched_at_its_pod_template_and_then_passes_those_rules() {
    let admission = admission(ALL_ON);
    for (object, spec_path) in bare_workloads() {
        let kind = object["kind"].as_str().unwrap().to_string();
        let before = answered_findings(&object);
        for rule in ANSWERED_RULES {
            assert!(
                before.iter().any(|found| found == rule),
                "{kind}: {rule} does not fire before the patch: {before:?}"
            );
        }
        let patched = apply(&object, &mutate(&admission, "CREATE", &object));
        let spec = patched.pointer(spec_path).expect("the pod spec");
        assert_eq!(
            spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
            "{kind}"
        );
        for list in ["initContainers", "containers"] {
            let container = &spec[list][0];
            assert_eq!(
                container["securityContext"]["capabilities"]["drop"],
                json!(["ALL"]),
                "{kind} {list}"
            );
            assert_eq!(
                container["securityContext"]["allowPrivilegeEscalation"], false,
                "{kind} {list}"
            );
            assert_eq!(
                container["resources"]["requests"]["cpu"], "100m",
                "{kind} {list}"
            );
        }
        let after = answered_findings(&patched);
        assert!(
            after.is_empty(),
            "{kind}: still found after the patch: {after:?}"
        );
    }
}

fn pod_with_container(container: Value) -> Value {
    let mut pod = bare_pod();
    pod["spec"] = json!({"containers": [container]});
    pod
}

fn patched_container(admission: &Admission, container: Value) -> Value {
    let pod = pod_with_container(container);
    apply(&pod, &mutate(admission, "CREATE", &pod))["spec"]["containers"][0].clone()
}

#[test]
fn privilege_escalation_is_left_alone_where_the_api_server_would_refuse_false() {
    let admission = admission(ALL_ON);
    let privileged = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "securityContext": {"privileged": true}}),
    );
    assert!(
        privileged["securityContext"]
            .get("allowPrivilegeEscalation")
            .is_none(),
        "{privileged}"
    );
    assert_eq!(
        privileged["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );

    for added in ["CAP_SYS_ADMIN", "SYS_ADMIN", "sys_admin", "ALL"] {
        let container = patched_container(
            &admission,
            json!({"name": "c", "image": "x:1", "securityContext": {"capabilities": {"add": [added]}}}),
        );
        assert!(
            container["securityContext"]
                .get("allowPrivilegeEscalation")
                .is_none(),
            "{added}: {container}"
        );
        assert_eq!(
            container["securityContext"]["capabilities"]["drop"],
            json!(["ALL"])
        );
        assert_eq!(
            container["securityContext"]["capabilities"]["add"],
            json!([added])
        );
    }
}

#[test]
fn partial_security_contexts_get_only_their_missing_fields() {
    let admission = admission(ALL_ON);
    let some = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "securityContext": {"runAsUser": 1000}}),
    );
    assert_eq!(
        some["securityContext"],
        json!({"runAsUser": 1000, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
    );

    let adds = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}),
    );
    assert_eq!(
        adds["securityContext"]["capabilities"],
        json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]})
    );

    // Written, even as empty or true, is a decision: left as it is.
    let written = json!({"name": "c", "image": "x:1", "securityContext": {
        "allowPrivilegeEscalation": true, "capabilities": {"drop": []}
    }});
    let unchanged = patched_container(&admission, written.clone());
    assert_eq!(unchanged["securityContext"], written["securityContext"]);

    let null = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "securityContext": null, "resources": null}),
    );
    assert_eq!(
        null["securityContext"],
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
    );
    assert_eq!(null["resources"]["limits"]["memory"], "256Mi");
}

#[test]
fn seccomp_is_defaulted_only_where_nothing_chose_a_profile() {
    let admission = admission("webhook:\n  mutate: {seccompRuntimeDefault: true}\n");
    let patch_of = |pod: &Value| operations(&mutate(&admission, "CREATE", pod));

    let mut container_profile = bare_pod();
    container_profile["spec"]["initContainers"][0]["securityContext"] =
        json!({"seccompProfile": {"type": "Unconfined"}});
    assert!(patch_of(&container_profile).is_empty());

    let mut annotated = bare_pod();
    annotated["metadata"]["annotations"] =
        json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"});
    assert!(patch_of(&annotated).is_empty());

    let mut windows = bare_pod();
    windows["spec"]["os"] = json!({"name": "windows"});
    assert!(patch_of(&windows).is_empty());

    let mut pod_context = bare_pod();
    pod_context["spec"]["securityContext"] = json!({"runAsNonRoot": true});
    let patched = apply(&pod_context, &mutate(&admission, "CREATE", &pod_context));
    assert_eq!(
        patched["spec"]["securityContext"],
        json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})
    );
}

#[test]
fn windows_pods_get_resources_but_no_linux_security_fields() {
    let admission = admission(ALL_ON);
    let mut windows = bare_pod();
    windows["spec"]["os"] = json!({"name": "windows"});
    let patched = apply(&windows, &mutate(&admission, "CREATE", &windows));
    let web = &patched["spec"]["containers"][0];
    assert!(web.get("securityContext").is_none(), "{web}");
    assert_eq!(web["resources"]["requests"]["memory"], "128Mi");
}

#[test]
fn default_resources_fill_only_missing_fields_and_never_invert_request_and_limit() {
    let admission = admission(
        "webhook:\n  mutate:\n    defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 1, memory: 256Mi}}\n",
    );
    let partial = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "resources": {"requests": {"cpu": "50m"}}}),
    );
    assert_eq!(
        partial["resources"],
        json!({"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}})
    );

    // A limit below the default request: the request is left to Kubernetes (which takes the
    // limit); a request above the default limit: no limit is invented.
    let tight = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "resources": {
            "limits": {"memory": "64Mi"},
            "requests": {"cpu": "2"}
        }}),
    );
    assert_eq!(
        tight["resources"],
        json!({"limits": {"memory": "64Mi"}, "requests": {"cpu": "2"}})
    );

    let unreadable = patched_container(
        &admission,
        json!({"name": "c", "image": "x:1", "resources": {"requests": {"memory": "lots"}, "limits": {}}}),
    );
    assert_eq!(unreadable["resources"]["limits"], json!({"cpu": "1"}));
    assert_eq!(
        unreadable["resources"]["requests"],
        json!({"memory": "lots", "cpu": "100m"})
    );
}

#[test]
fn immutable_pod_specs_are_not_patched_on_update() {
    let admission = admission(ALL_ON);
    let workloads = bare_workloads();
    for (object, _) in &workloads {
        let kind = object["kind"].as_str().unwrap();
        let update = operations(&mutate(&admission, "UPDATE", object));
        if kind == "Pod" || kind == "Job" {
            assert!(update.is_empty(), "{kind}: {update:?}");
        } else {
            assert!(!update.is_empty(), "{kind}: not patched on UPDATE");
        }
    }
    for operation in ["DELETE", "CONNECT"] {
        let response = mutate(&admission, operation, &bare_pod());
        assert_eq!(response["allowed"], true);
        assert!(operations(&response).is_empty());
    }
}

#[test]
fn exempt_namespaces_are_not_patched() {
    let admission = admission(&format!("{ALL_ON}  exemptNamespaces: [shop]\n"));
    let response = mutate(&admission, "CREATE", &bare_pod());
    assert_eq!(response["allowed"], true);
    assert!(operations(&response).is_empty());
}

#[test]
fn pointers_are_escaped() {
    // A custom kind whose pod spec sits under keys that need escaping in a JSON pointer.
    let admission = admission(&format!(
        "podSpecPaths:\n  - kind: Runner\n    path: spec.pod~template\n{ALL_ON}"
    ));
    let runner = json!({
        "apiVersion": "ci.example.com/v1", "kind": "Runner",
        "metadata": {"name": "r", "namespace": "ci"},
        "spec": {"pod~template": {"spec": bare_pod_spec()}}
    });
    let response = mutate(&admission, "CREATE", &runner);
    let paths: Vec<String> = operations(&response)
        .iter()
        .map(|op| op["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/spec/pod~0template/spec/")),
        "{paths:?}"
    );
    let patched = apply(&runner, &response);
    assert_eq!(
        patched["spec"]["pod~template"]["spec"]["containers"][0]["securityContext"]["capabilities"]
            ["drop"],
        json!(["ALL"])
    );
}

#[test]
fn malformed_pod_specs_are_left_alone() {
    let admission = admission(ALL_ON);
    for spec in [
        json!({"containers": "web"}),
        json!({"containers": [42, null, {"name": "c", "securityContext": "x", "resources": [1]}]}),
        json!({"containers": [{"name": "c", "securityContext": {"capabilities": "all"}, "resources": {"requests": 1}}]}),
        json!({"securityContext": 3, "containers": []}),
    ] {
        let mut pod = bare_pod();
        pod["spec"] = spec;
        // Whatever is patched must apply; nothing may be patched into a non-object.
        let response = mutate(&admission, "CREATE", &pod);
        apply(&pod, &response);
    }
}
