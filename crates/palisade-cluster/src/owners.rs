//! Findings that only repeat the controller's.
//!
//! A live cluster holds every Deployment with its ReplicaSets and their Pods, every CronJob with
//! its Jobs and their Pods. An object rule finds the same problem in each: the privileged
//! container of one Deployment would be reported once for the Deployment, once per ReplicaSet
//! and once per Pod. What one fixes is the controller's template, so a finding on an object
//! that a controller of the scan owns (`ownerReferences` with `controller: true`) is dropped
//! when the owner has the same finding: the same rule at the same place of the pod spec (or
//! the same path outside it). Whatever differs is kept: a sidecar an admission webhook
//! injected into the Pods, a Pod whose owner was not read, a static Pod (owned by its Node).

use std::collections::{HashMap, HashSet};

use palisade_model::{Finding, Inventory, Node, Object};

/// Where the pod spec of a kind is.
fn pod_spec_base(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => Some("/spec/template/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// The path of the same place in another kind's object.
fn translate(path: &str, from: &str, to: &str) -> Option<String> {
    let (Some(from_base), Some(to_base)) = (pod_spec_base(from), pod_spec_base(to)) else {
        return None;
    };
    match path.strip_prefix(from_base) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => Some(format!("{to_base}{rest}")),
        _ => Some(path.to_string()),
    }
}

/// The controller that owns a live object, if it is one of the scan: (kind, name).
fn controller_of(object: &Object) -> Option<(&str, &str)> {
    object
        .metadata()?
        .get("ownerReferences")?
        .items()
        .iter()
        .find(|owner| owner.get("controller").and_then(Node::as_bool) == Some(true))
        .and_then(|owner| Some((owner.get("kind")?.as_str()?, owner.get("name")?.as_str()?)))
}

/// Drops the findings on live objects that repeat their controller's; returns how many.
pub fn drop_repeats_of_owners(findings: &mut Vec<Finding>, inventory: &Inventory) -> usize {
    // Live workload objects by identity, and each one's owner when that is in the scan too.
    let live: HashMap<(&str, Option<&str>, &str), &Object> = inventory
        .objects()
        .iter()
        .filter(|o| o.source.is_none() && pod_spec_base(&o.kind).is_some())
        .map(|o| {
            (
                (o.kind.as_str(), o.namespace.as_deref(), o.name.as_str()),
                o,
            )
        })
        .collect();
    if live.is_empty() {
        return 0;
    }
    let owner_of = |kind: &str, namespace: Option<&str>, name: &str| -> Option<(String, String)> {
        let object = live.get(&(kind, namespace, name))?;
        let (owner_kind, owner_name) = controller_of(object)?;
        live.contains_key(&(owner_kind, namespace, owner_name))
            .then(|| (owner_kind.to_string(), owner_name.to_string()))
    };
    let reported: HashSet<(String, Option<String>, String, String, String)> = findings
        .iter()
        .filter(|f| {
            live.contains_key(&(
                f.object.kind.as_str(),
                f.object.namespace.as_deref(),
                f.object.name.as_str(),
            ))
        })
        .map(|f| {
            (
                f.object.kind.clone(),
                f.object.namespace.clone(),
                f.object.name.clone(),
                f.rule.to_string(),
                f.path.to_string(),
            )
        })
        .collect();
    let before = findings.len();
    findings.retain(|finding| {
        let object = &finding.object;
        let Some((owner_kind, owner_name)) =
            owner_of(&object.kind, object.namespace.as_deref(), &object.name)
        else {
            return true;
        };
        let Some(path) = translate(&finding.path, &object.kind, &owner_kind) else {
            return true;
        };
        !reported.contains(&(
            owner_kind,
            object.namespace.clone(),
            owner_name,
            finding.rule.to_string(),
            path,
        ))
    });
    before - findings.len()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use palisade_model::{Layer, Severity};

    use super::*;
    use crate::convert::parse_node;

    fn object(json: &str) -> Object {
        Object::from_node(parse_node(json.as_bytes()).unwrap(), None).unwrap()
    }

    fn finding(object: &Object, rule: &'static str, path: &str) -> Finding {
        Finding {
            rule: Cow::Borrowed(rule),
            severity: Severity::High,
            layer: Layer::Workload,
            object: object.shared_reference(),
            path: path.into(),
            location: None,
            message: "".into(),
            fix: Cow::Borrowed(""),
        }
    }

    #[test]
    fn pods_and_replica_sets_repeating_their_deployment_are_dropped_and_differences_kept() {
        let deployment = object(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"}}"#,
        );
        let replica_set = object(
            r#"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","namespace":"shop","ownerReferences":[{"kind":"Deployment","name":"web","controller":true}]}}"#,
        );
        let pod = object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1-a","namespace":"shop","ownerReferences":[{"kind":"ReplicaSet","name":"web-1","controller":true}]}}"#,
        );
        let orphan = object(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"static","namespace":"shop","ownerReferences":[{"kind":"Node","name":"n1","controller":true}]}}"#,
        );
        let privileged = "/securityContext/privileged";
        let mut findings = vec![
            finding(
                &deployment,
                "privileged-container",
                &format!("/spec/template/spec/containers/0{privileged}"),
            ),
            finding(
                &replica_set,
                "privileged-container",
                &format!("/spec/template/spec/containers/0{privileged}"),
            ),
            finding(
                &pod,
                "privileged-container",
                &format!("/spec/containers/0{privileged}"),
            ),
            // An injected sidecar: only in the Pod.
            finding(
                &pod,
                "privileged-container",
                &format!("/spec/containers/1{privileged}"),
            ),
            finding(&pod, "workload-in-kube-system", "/metadata/namespace"),
            finding(
                &orphan,
                "privileged-container",
                &format!("/spec/containers/0{privileged}"),
            ),
        ];
        let inventory = Inventory::from_objects([deployment, replica_set, pod, orphan]);
        assert_eq!(drop_repeats_of_owners(&mut findings, &inventory), 2);
        let kept: Vec<(String, String)> = findings
            .iter()
            .map(|f| (f.object.name.clone(), f.path.to_string()))
            .collect();
        assert_eq!(
            kept,
            [
                (
                    "web".to_string(),
                    format!("/spec/template/spec/containers/0{privileged}")
                ),
                (
                    "web-1-a".to_string(),
                    format!("/spec/containers/1{privileged}")
                ),
                ("web-1-a".to_string(), "/metadata/namespace".to_string()),
                (
                    "static".to_string(),
                    format!("/spec/containers/0{privileged}")
                ),
            ]
        );
    }

    #[test]
    fn cron_job_paths_translate() {
        assert_eq!(
            translate("/spec/containers/0/image", "Pod", "CronJob").as_deref(),
            Some("/spec/jobTemplate/spec/template/spec/containers/0/image")
        );
        assert_eq!(
            translate("/spec", "Pod", "Job").as_deref(),
            Some("/spec/template/spec")
        );
        assert_eq!(
            translate("/spec/templatex", "Job", "CronJob").as_deref(),
            Some("/spec/templatex")
        );
        assert_eq!(translate("/x", "Service", "Pod"), None);
    }
}
