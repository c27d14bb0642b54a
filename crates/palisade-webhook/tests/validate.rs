//! `/validate` end to end through `Admission::validate`: reviews in, AdmissionReview replies out.

mod common;

use common::logs::capture;
use common::{admission, body, clean_deployment, response, review, warnings};
use palisade_model::Inventory;
use palisade_rules::Config;
use serde_json::{Value, json};

const UID: &str = "705ab4f5-6393-11e8-b7cc-42010a800002";

fn privileged(mut object: Value, pod_spec: &str) -> Value {
    let container = object
        .pointer_mut(&format!("{pod_spec}/containers/0"))
        .expect("a container");
    container["securityContext"]["privileged"] = json!(true);
    container["securityContext"]
        .as_object_mut()
        .expect("a securityContext")
        .remove("allowPrivilegeEscalation");
    object
}

fn with_image(mut object: Value, image: &str) -> Value {
    object["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
    object
}

#[track_caller]
fn status_message(response: &Value) -> String {
    assert_eq!(response["allowed"], false, "{response}");
    assert_eq!(response["status"]["code"], 403);
    response["status"]["message"]
        .as_str()
        .expect("a message")
        .to_string()
}

fn series(admission: &palisade_webhook::Admission, prefix: &str) -> Option<f64> {
    admission
        .metrics()
        .render()
        .lines()
        .find_map(|line| line.strip_prefix(prefix)?.trim().parse().ok())
}

#[test]
fn a_clean_deployment_is_allowed_without_warnings() {
    let admission = admission("");
    let reply = admission.validate(&body(&review("CREATE", clean_deployment())));
    let response = response(&reply);
    assert_eq!(response["uid"], UID);
    assert_eq!(response["allowed"], true);
    assert!(response.get("status").is_none(), "{response}");
    assert!(response.get("warnings").is_none(), "{response}");
    assert!(response.get("patch").is_none());
    assert_eq!(
        series(
            &admission,
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Deployment\",decision=\"allowed\"}"
        ),
        Some(1.0)
    );
}

#[test]
fn a_privileged_container_is_denied_with_rule_field_and_fix_as_the_scan_says() {
    let admission = admission("");
    let object = privileged(clean_deployment(), "/spec/template/spec");
    let response = response(&admission.validate(&body(&review("CREATE", object.clone()))));
    let message = status_message(&response);

    // The scan's own finding for the same object, read from a file.
    let loaded = palisade_load::load_str("web.json", &object.to_string());
    let outcome =
        palisade_rules::check(&Inventory::from_objects(loaded.objects), &Config::default());
    let scan = outcome
        .findings
        .iter()
        .find(|f| f.rule == "privileged-container")
        .expect("the scan reports it");
    assert_eq!(
        message,
        format!(
            "palisade denied Deployment shop/web: privileged-container at /spec/template/spec/containers/0/securityContext/privileged: {}; fix: {}",
            scan.message, scan.fix
        )
    );
    assert_eq!(
        series(
            &admission,
            "palisade_admission_rule_hits_total{rule=\"privileged-container\",namespace=\"shop\",action=\"deny\"}"
        ),
        Some(1.0)
    );
}

#[test]
fn several_denials_are_one_line_each() {
    let admission = admission("");
    let mut object = privileged(clean_deployment(), "/spec/template/spec");
    object["spec"]["template"]["spec"]["hostPID"] = json!(true);
    let message = status_message(&response(
        &admission.validate(&body(&review("CREATE", object))),
    ));
    let lines: Vec<&str> = message.lines().collect();
    assert!(
        lines[0].starts_with("palisade denied Deployment shop/web ("),
        "{message}"
    );
    let rule_lines: Vec<&str> = lines[1..].to_vec();
    assert!(
        rule_lines
            .iter()
            .any(|l| l.starts_with("host-pid at /spec/template/spec/hostPID: ")),
        "{message}"
    );
    assert!(
        rule_lines.iter().any(|l| l.starts_with(
            "privileged-container at /spec/template/spec/containers/0/securityContext/privileged: "
        )),
        "{message}"
    );
    assert!(
        rule_lines.iter().all(|l| l.contains("; fix: ")),
        "{message}"
    );
}

#[test]
fn findings_below_the_threshold_are_warnings() {
    let admission = admission("");
    let object = with_image(clean_deployment(), "registry.example.com/shop/web:latest");
    let response = response(&admission.validate(&body(&review("CREATE", object))));
    assert_eq!(response["allowed"], true);
    let warnings = warnings(&response);
    assert!(
        warnings.iter().any(|w| w.starts_with("latest-image-tag: ")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().all(|w| w.chars().count() <= 120),
        "{warnings:?}"
    );
    assert_eq!(
        series(
            &admission,
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Deployment\",decision=\"warned\"}"
        ),
        Some(1.0)
    );
}

#[test]
fn the_deny_and_warn_lists_override_severity() {
    let admission =
        admission("webhook:\n  deny: [latest-image-tag]\n  warn: [privileged-container]\n");
    let latest = with_image(clean_deployment(), "registry.example.com/shop/web:latest");
    let message = status_message(&response(
        &admission.validate(&body(&review("CREATE", latest))),
    ));
    assert!(
        message.contains("latest-image-tag at /spec/template/spec/containers/0/image"),
        "{message}"
    );

    let object = privileged(clean_deployment(), "/spec/template/spec");
    let response = response(&admission.validate(&body(&review("CREATE", object))));
    assert_eq!(response["allowed"], true, "{response}");
    assert!(
        warnings(&response)
            .iter()
            .any(|w| w.starts_with("privileged-container: "))
    );
}

#[test]
fn deny_at_or_above_sets_the_threshold() {
    let admission = admission("webhook: {denyAtOrAbove: medium}\n");
    let latest = with_image(clean_deployment(), "registry.example.com/shop/web:latest");
    status_message(&response(
        &admission.validate(&body(&review("CREATE", latest))),
    ));

    let admission = admission_none();
    let object = privileged(clean_deployment(), "/spec/template/spec");
    assert_eq!(
        response(&admission.validate(&body(&review("CREATE", object))))["allowed"],
        true
    );
}

fn admission_none() -> palisade_webhook::Admission {
    admission("webhook: {denyAtOrAbove: none}\n")
}

#[test]
fn the_scan_configuration_applies_severities_switches_and_exemptions() {
    let latest = with_image(clean_deployment(), "registry.example.com/shop/web:latest");
    let raised = admission("rules:\n  latest-image-tag: {severity: critical}\n");
    status_message(&response(
        &raised.validate(&body(&review("CREATE", latest))),
    ));

    let object = privileged(clean_deployment(), "/spec/template/spec");
    let off = admission("rules:\n  privileged-container: off\n");
    assert_eq!(
        response(&off.validate(&body(&review("CREATE", object.clone()))))["allowed"],
        true
    );
    let exempt = admission(
        "exemptions:\n  - rules: [privileged-container]\n    namespaces: [shop]\n    reason: the shop's CNI agent\n",
    );
    assert_eq!(
        response(&exempt.validate(&body(&review("CREATE", object))))["allowed"],
        true
    );
}

#[test]
fn the_ignore_annotation_works_as_in_a_scan() {
    let admission = admission("");
    let mut object = privileged(clean_deployment(), "/spec/template/spec");
    object["metadata"]["annotations"] = json!({
        "palisade.dev/ignore": "privileged-container, privilege-escalation-allowed",
        "palisade.dev/ignore-reason": "the storage driver needs it"
    });
    let response_with_reason =
        response(&admission.validate(&body(&review("CREATE", object.clone()))));
    assert_eq!(response_with_reason["allowed"], true);
    assert!(
        warnings(&response_with_reason).is_empty(),
        "{response_with_reason}"
    );

    object["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("palisade.dev/ignore-reason");
    let without_reason = response(&admission.validate(&body(&review("CREATE", object.clone()))));
    assert_eq!(without_reason["allowed"], true);
    assert!(
        warnings(&without_reason)
            .iter()
            .any(|w| w.starts_with("suppression-without-reason: ")),
        "{without_reason}"
    );

    object["metadata"]["annotations"]["palisade.dev/ignore"] = json!("no-such-rule");
    let unknown = response(&admission.validate(&body(&review("CREATE", object))));
    assert!(
        warnings(&unknown)
            .iter()
            .any(|w| w.contains("unknown rule \"no-such-rule\"")),
        "{unknown}"
    );
}

#[test]
fn dry_run_mode_never_denies() {
    let mut policy_admission = admission("webhook: {dryRun: true}\n");
    let object = privileged(clean_deployment(), "/spec/template/spec");
    let response = response(&policy_admission.validate(&body(&review("CREATE", object.clone()))));
    assert_eq!(response["allowed"], true);
    assert!(response.get("status").is_none());
    assert!(
        warnings(&response)
            .iter()
            .any(|w| w.starts_with("dry-run, would deny: privileged-container: ")),
        "{response}"
    );
    assert_eq!(
        series(
            &policy_admission,
            "palisade_admission_rule_hits_total{rule=\"privileged-container\",namespace=\"shop\",action=\"dry-run\"}"
        ),
        Some(1.0)
    );

    // The command line's --dry-run reaches the same switch.
    let config = Config::default();
    let mut policy = palisade_webhook::Policy::from_config(&config, "-").unwrap();
    policy.dry_run(true);
    policy_admission = palisade_webhook::Admission::new(config, policy);
    assert_eq!(
        common::response(&policy_admission.validate(&body(&review("CREATE", object))))["allowed"],
        true
    );
}

#[test]
fn a_dry_run_request_is_judged_like_any_other() {
    let admission = admission("");
    let mut request = review(
        "CREATE",
        privileged(clean_deployment(), "/spec/template/spec"),
    );
    request["request"]["dryRun"] = json!(true);
    status_message(&response(&admission.validate(&body(&request))));
}

#[test]
fn exempt_namespaces_users_and_groups_are_allowed_untouched() {
    let admission = admission(
        "webhook:\n  exemptNamespaces: [kube-system, \"team-*\"]\n  exemptUsers: [\"system:serviceaccount:kube-system:*\", \"group:system:masters\"]\n",
    );
    let object = privileged(clean_deployment(), "/spec/template/spec");
    let denied = review("CREATE", object.clone());
    status_message(&response(&admission.validate(&body(&denied))));

    let mut in_team = denied.clone();
    in_team["request"]["namespace"] = json!("team-blue");
    in_team["request"]["object"]["metadata"]["namespace"] = json!("team-blue");
    let mut by_controller = denied.clone();
    by_controller["request"]["userInfo"] =
        json!({"username": "system:serviceaccount:kube-system:replicaset-controller"});
    let mut by_admin = denied.clone();
    by_admin["request"]["userInfo"] = json!({"username": "root", "groups": ["system:masters"]});
    for exempt in [in_team, by_controller, by_admin] {
        let response = response(&admission.validate(&body(&exempt)));
        assert_eq!(response["allowed"], true, "{exempt}");
        assert!(response.get("warnings").is_none());
    }
    assert_eq!(
        series(
            &admission,
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CREATE\",kind=\"Deployment\",decision=\"exempt\"}"
        ),
        Some(3.0)
    );
}

#[test]
fn delete_and_connect_are_allowed_untouched() {
    let admission = admission("");
    for operation in ["DELETE", "CONNECT"] {
        let mut request = review(
            operation,
            privileged(clean_deployment(), "/spec/template/spec"),
        );
        request["request"]["oldObject"] = request["request"]["object"].take();
        let response = response(&admission.validate(&body(&request)));
        assert_eq!(response["allowed"], true);
        assert_eq!(response["uid"], UID);
        assert!(response.get("warnings").is_none());
    }
    assert_eq!(
        series(
            &admission,
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"CONNECT\",kind=\"Deployment\",decision=\"skipped\"}"
        ),
        Some(1.0)
    );
}

#[test]
fn an_update_is_judged() {
    let admission = admission("");
    let mut request = review(
        "UPDATE",
        privileged(clean_deployment(), "/spec/template/spec"),
    );
    request["request"]["oldObject"] = clean_deployment();
    status_message(&response(&admission.validate(&body(&request))));
}

#[test]
fn an_update_of_an_object_being_deleted_is_allowed() {
    let admission = admission("");
    let mut object = privileged(clean_deployment(), "/spec/template/spec");
    object["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
    object["metadata"]["finalizers"] = json!([]);
    let response = response(&admission.validate(&body(&review("UPDATE", object))));
    assert_eq!(response["allowed"], true, "{response}");
    assert!(response.get("warnings").is_none());
}

#[test]
fn a_status_update_is_skipped_but_ephemeral_containers_are_judged() {
    let admission = admission("");
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "web", "image": "x:1", "securityContext": {"privileged": true}}]}
    });
    let mut status = review("UPDATE", pod.clone());
    status["request"]["subResource"] = json!("status");
    assert_eq!(
        response(&admission.validate(&body(&status)))["allowed"],
        true
    );
    let mut debug = review("UPDATE", pod);
    debug["request"]["subResource"] = json!("ephemeralcontainers");
    status_message(&response(&admission.validate(&body(&debug))));
}

#[test]
fn identity_missing_from_the_object_comes_from_the_request() {
    let admission = admission("");
    let mut object = privileged(clean_deployment(), "/spec/template/spec");
    let request_kind = common::group_version_kind(&object);
    let map = object.as_object_mut().unwrap();
    map.remove("kind");
    map.remove("apiVersion");
    object["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    let mut request = review("CREATE", object);
    request["request"]["kind"] = request_kind;
    request["request"]["namespace"] = json!("kube-system");
    let response = response(&admission.validate(&body(&request)));
    let message = status_message(&response);
    assert!(
        message.starts_with("palisade denied Deployment kube-system/web"),
        "{message}"
    );
    let warnings = warnings(&response);
    // The namespace reached the rules: the workload is reported in kube-system, and nobody
    // says it has no namespace.
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("workload-in-kube-system: ")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|w| w.starts_with("default-namespace")),
        "{warnings:?}"
    );
}

#[test]
fn a_kind_no_rule_reads_is_allowed_with_a_log_line() {
    let admission = admission("");
    let widget = json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"size": 3}
    });
    let (reply, logs) = capture(|| admission.validate(&body(&review("CREATE", widget))));
    let response = response(&reply);
    assert_eq!(response["allowed"], true);
    assert!(response.get("warnings").is_none());
    assert!(
        logs.iter().any(|line| line.starts_with("INFO")
            && line.contains("kind=Widget")
            && line.contains(UID)),
        "{logs:?}"
    );
}

/// Every workload kind, with its pod spec where Kubernetes keeps it.
fn workloads() -> Vec<(Value, &'static str)> {
    let pod_spec = clean_deployment()["spec"]["template"]["spec"].clone();
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": pod_spec});
    let meta = json!({"name": "web", "namespace": "shop"});
    let selector = json!({"matchLabels": {"app": "web"}});
    vec![
        (
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec}),
            "/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {"selector": selector, "template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta, "spec": {"serviceName": "web", "selector": selector, "template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta, "spec": {"selector": selector, "template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": {"selector": selector, "template": template}}),
            "/spec/template/spec",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta, "spec": {"selector": {"app": "web"}, "template": template}}),
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

#[test]
fn every_workload_kind_is_judged_at_its_pod_spec() {
    let admission = admission("");
    for (object, spec) in workloads() {
        let kind = object["kind"].as_str().unwrap().to_string();
        let clean = response(&admission.validate(&body(&review("CREATE", object.clone()))));
        assert_eq!(clean["allowed"], true, "{kind}: {clean}");
        let denied = review("CREATE", privileged(object, spec));
        let message = status_message(&response(&admission.validate(&body(&denied))));
        assert!(
            message.starts_with(&format!(
                "palisade denied {kind} shop/web: privileged-container at {spec}/containers/0/securityContext/privileged: "
            )),
            "{kind}: {message}"
        );
    }
}

#[test]
fn services_ingresses_rbac_and_config_are_judged() {
    let admission = admission("");
    let judge = |object: Value| response(&admission.validate(&body(&review("CREATE", object))));

    let node_port = judge(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}
    }));
    assert!(
        warnings(&node_port)
            .iter()
            .any(|w| w.starts_with("node-port-service: ")),
        "{node_port}"
    );

    let external = judge(json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], "externalIPs": ["203.0.113.7"]}
    }));
    assert!(
        status_message(&external).contains("service-external-ips at /spec/externalIPs"),
        "{external}"
    );

    let snippet = judge(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop", "annotations": {
            "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers \"X: y\";"
        }},
        "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}],
                 "rules": [{"host": "shop.example.com"}]}
    }));
    assert!(
        status_message(&snippet).contains("ingress-nginx-snippet"),
        "{snippet}"
    );

    let without_tls = judge(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"rules": [{"host": "shop.example.com"}]}
    }));
    assert!(
        warnings(&without_tls)
            .iter()
            .any(|w| w.starts_with("ingress-without-tls: ")),
        "{without_tls}"
    );

    // RBAC objects: a binding that gives the namespace's default ServiceAccount a role.
    let binding = judge(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "default-reader", "namespace": "shop"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "shop"}]
    }));
    assert!(
        warnings(&binding)
            .iter()
            .any(|w| w.starts_with("default-service-account: ")),
        "{binding}"
    );
    let account = judge(json!({
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}
    }));
    assert!(
        warnings(&account)
            .iter()
            .any(|w| w.starts_with("default-service-account: ")),
        "{account}"
    );

    for allowed in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
               "metadata": {"name": "reader", "namespace": "shop"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "deny-all", "namespace": "shop"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
               "data": {"LOG_LEVEL": "info"}}),
    ] {
        let response = judge(allowed.clone());
        assert_eq!(response["allowed"], true, "{allowed}: {response}");
    }
}

#[test]
fn malformed_bodies_are_answered_400_with_a_message() {
    let admission = admission("");
    let valid = body(&review("CREATE", clean_deployment()));
    for (bad, expected) in [
        (valid[..valid.len() / 2].to_vec(), "truncated JSON"),
        (
            b"{\"apiVersion\": nope}".to_vec(),
            "malformed JSON at line 1 column 17",
        ),
        (b"\x00\x01\x02\xff".to_vec(), "malformed JSON"),
        (
            b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}".to_vec(),
            "expected admission.k8s.io/v1",
        ),
    ] {
        let reply = admission.validate(&bad);
        assert_eq!(reply.status, 400);
        let error: Value = serde_json::from_slice(&reply.body).expect("a JSON error");
        let message = error["error"].as_str().expect("an error message");
        assert!(
            message.contains(expected),
            "expected {expected:?} in {message:?}"
        );
        assert_eq!(admission.mutate(&bad).status, 400);
    }
    assert_eq!(
        series(
            &admission,
            "palisade_admission_reviews_total{endpoint=\"validate\",operation=\"UNKNOWN\",kind=\"(other)\",decision=\"malformed\"}"
        ),
        Some(4.0)
    );
}

#[test]
fn many_findings_give_at_most_a_few_dozen_short_warnings() {
    let admission = admission("webhook: {denyAtOrAbove: none}\n");
    let mut object = clean_deployment();
    let bad_container = json!({
        "name": "sidecar", "image": "busybox",
        "securityContext": {"privileged": true, "runAsUser": 0, "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]}},
        "ports": [{"containerPort": 22, "hostPort": 22}]
    });
    let containers: Vec<Value> = (0..20)
        .map(|i| {
            let mut c = bad_container.clone();
            c["name"] = json!(format!("sidecar-{i}-{}", "x".repeat(40)));
            c
        })
        .collect();
    object["spec"]["template"]["spec"]["containers"] = json!(containers);
    let response = response(&admission.validate(&body(&review("CREATE", object))));
    let warnings = warnings(&response);
    assert!(
        warnings.len() <= 24 && warnings.len() >= 20,
        "{}",
        warnings.len()
    );
    assert!(warnings.iter().all(|w| w.chars().count() <= 120));
    assert!(
        warnings.last().unwrap().contains("more warnings"),
        "{warnings:?}"
    );
}

/// The reply's denial message, or "" when allowed.
fn denial(admission: &palisade_webhook::Admission, object: Value) -> String {
    let response = response(&admission.validate(&body(&review("CREATE", object))));
    if response["allowed"] == true {
        String::new()
    } else {
        status_message(&response)
    }
}

#[test]
fn rbac_objects_namespaces_and_policies_are_judged_by_the_rules_that_can_judge_them_alone() {
    let admission = admission("webhook:\n  denyAtOrAbove: medium\n");
    let rbac = "rbac.authorization.k8s.io/v1";
    let cases = [
        (
            json!({"apiVersion": rbac, "kind": "Role", "metadata": {"name": "wild", "namespace": "shop"},
                   "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
            "rbac-wildcard",
        ),
        (
            json!({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": "alice-admin"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]}),
            "rbac-cluster-admin-to-individual",
        ),
        (
            json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "anyone", "namespace": "shop"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                   "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:unauthenticated"}]}),
            "rbac-binding-to-everyone",
        ),
        (
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop",
                   "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}),
            "namespace-without-pod-security",
        ),
    ];
    for (object, rule) in cases {
        let message = denial(&admission, object);
        assert!(message.contains(rule), "{rule}: {message:?}");
    }

    // What the rest of the cluster decides is not judged from one object: a binding to a
    // Role that is not in the review, a workload no policy in the review selects, a new
    // Namespace that cannot have its default-deny policy yet.
    let allowed = [
        json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "app", "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "app-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": "shop"}]}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop",
               "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "shop-ui"}}}]}]}}),
    ];
    for object in allowed {
        let kind = object["kind"].clone();
        assert_eq!(denial(&admission, object), "", "{kind}");
    }
    assert_eq!(denial(&admission, clean_deployment()), "");
}
