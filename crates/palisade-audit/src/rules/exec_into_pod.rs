//! ## What it does
//!
//! Reports every `kubectl exec` and `kubectl attach` into a pod that the API server let
//! through (the `exec` and `attach` subresources of `pods`), naming who did it, into which pod
//! and container, and the program started (the command's first word, read from the request
//! URI or from the `PodExecOptions` request object).
//!
//! The alert is high instead of medium when the command reads a credential: the pod's
//! service-account token (`/var/run/secrets/kubernetes.io/serviceaccount`), a cloud
//! workload-identity token (EKS IRSA, AKS and GKE workload identity), the node's Kubernetes
//! credentials, a kubeconfig or cloud credentials file, or the cloud instance metadata service;
//! and when it is `kubectl cp` (`tar` copying files out of or into the container). The message
//! then says which of these it is. It never repeats the command's arguments, which may hold
//! passwords: only the program and the known place it reads.
//!
//! ## Why is this bad?
//!
//! An interactive shell in a running container bypasses everything the image and the
//! deployment pipeline guarantee: whoever holds it can read the container's secrets and its
//! service-account token, change the running application, and move on from there (MITRE
//! ATT&CK T1609 Container Administration Command). In production it should be rare, and each
//! time someone should be able to say why. Attackers with stolen credentials use exec first.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseStarted","verb":"create",
//!  "user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","subresource":"exec","namespace":"prod","name":"web-1"},
//!  "requestURI":"/api/v1/namespaces/prod/pods/web-1/exec?command=sh&container=web&stdin=true&tty=true",
//!  "responseStatus":{"code":101}}
//! ```
//!
//! Use instead: debug with ephemeral containers (`kubectl debug`) under a role granted for the
//! incident only, and take `pods/exec` and `pods/attach` out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "pods/log"]   # no pods/exec, no pods/attach
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1609 Container Administration Command
//! - Microsoft Threat Matrix for Kubernetes MS-TA9006: Exec into container
//! - MITRE ATT&CK T1528 Steal Application Access Token, T1552.005 Cloud Instance Metadata API
//! - Falco k8saudit rule "Attach/Exec Pod"; Panther `Kubernetes.Pod.Exec`,
//!   `Kubernetes.Pod.StealServiceAccountToken`, `Kubernetes.Kubectl.CP.Operation`
//! - Kubernetes documentation: Auditing

use std::borrow::Cow;

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::Event;
use crate::rules::common::{query_values, was_refused, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "exec-into-pod",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1609",
            "mitre:T1528",
            "mitre:T1552.005",
            "ms-threat:MS-TA9006",
            "k8s-docs:tasks/debug/debug-cluster/audit/",
        ],
        summary: "Someone ran a command in, or attached to, a running container",
        fix: "Find out who ran what and why; take pods/exec and pods/attach out of everyday roles and debug with `kubectl debug` under a temporary role.",
    },
    why: "a shell in a running container reads its secrets and service-account token and changes the application outside any review (MITRE T1609)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// Places whose reading is credential theft, and what they hold. Matched anywhere in the
/// command's arguments (`cat /var/run/…/token`, `sh -c "cat …"`).
const CREDENTIAL_PLACES: &[(&str, &str)] = &[
    (
        "/run/secrets/kubernetes.io/serviceaccount",
        "the pod's Kubernetes service-account token (/var/run/secrets/kubernetes.io/serviceaccount)",
    ),
    (
        "/run/secrets/eks.amazonaws.com/serviceaccount",
        "the pod's AWS IAM web-identity token (/var/run/secrets/eks.amazonaws.com/serviceaccount)",
    ),
    (
        "/run/secrets/azure/tokens",
        "the pod's Azure workload-identity token (/var/run/secrets/azure/tokens)",
    ),
    (
        "/run/secrets/tokens",
        "a projected service-account token (/var/run/secrets/tokens)",
    ),
    (
        "serviceaccount/token",
        "a service-account token (serviceaccount/token)",
    ),
    (
        "/etc/kubernetes/",
        "the node's Kubernetes credentials (/etc/kubernetes)",
    ),
    (
        "/var/lib/kubelet/",
        "the kubelet's credentials and other pods' volumes (/var/lib/kubelet)",
    ),
    (".kube/config", "a kubeconfig (.kube/config)"),
    (".aws/credentials", "AWS credentials (.aws/credentials)"),
    (
        "169.254.169.254",
        "the cloud instance metadata service, which hands out the node's cloud credentials (169.254.169.254)",
    ),
    (
        "metadata.google.internal",
        "the cloud instance metadata service, which hands out the node's cloud credentials (metadata.google.internal)",
    ),
];

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.resource() != "pods" || was_refused(event) {
        return;
    }
    let action = match event.subresource() {
        "exec" => "ran a command in",
        "attach" => "attached to",
        _ => return,
    };
    let user = who(event);
    let pod = format!("{}/{}", event.namespace(), event.name());
    let container = query_values(&event.request_uri, "container")
        .next()
        .or_else(|| {
            let body = event.request_object.as_ref()?;
            body.pointer("/container")?.as_str().map(Cow::Borrowed)
        })
        .map(|c| format!(" (container {c})"))
        .unwrap_or_default();
    let command = command(event);
    let Some(program) = command.first() else {
        out.report(
            "/objectRef/subresource",
            format!("{user} {action} pod {pod}{container}"),
        );
        return;
    };
    if let Some(direction) = copy_direction(&command) {
        let alert = out.report(
            "/objectRef/subresource",
            format!(
                "{user} copied files {direction} pod {pod}{container} with kubectl cp ({program})"
            ),
        );
        alert.severity = Severity::High;
        return;
    }
    let read = CREDENTIAL_PLACES
        .iter()
        .find(|(needle, _)| command.iter().any(|argument| argument.contains(needle)));
    match read {
        Some((_, what)) => {
            let alert = out.report(
                "/objectRef/subresource",
                format!("{user} {action} pod {pod}{container}: {program}, reading {what}"),
            );
            alert.severity = Severity::High;
        }
        None => {
            out.report(
                "/objectRef/subresource",
                format!("{user} {action} pod {pod}{container}: {program}"),
            );
        }
    }
}

/// The command of an exec: the `command` parameters of the request URI, else the `command` of
/// the `PodExecOptions` request object (logged at level `Request`).
fn command<'e>(event: &'e Event) -> Vec<Cow<'e, str>> {
    let from_uri: Vec<Cow<str>> = query_values(&event.request_uri, "command").collect();
    if !from_uri.is_empty() {
        return from_uri;
    }
    let Some(items) = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer("/command"))
        .and_then(|command| command.as_array())
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| item.as_str().map(Cow::Borrowed))
        .collect()
}

/// `kubectl cp` runs `tar cf - PATH` in the container to copy out of it and `tar xmf - -C DIR`
/// (or `tar -xmf -`) to copy into it: which of the two this command is, if either.
fn copy_direction(command: &[Cow<str>]) -> Option<&'static str> {
    let program = command.first()?;
    if program.rsplit('/').next() != Some("tar") {
        return None;
    }
    let flags = command.get(1)?.trim_start_matches('-');
    let to_stdout = command.iter().skip(2).any(|argument| argument == "-");
    if !to_stdout || flags.is_empty() || !flags.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    if flags.contains('c') {
        Some("out of")
    } else if flags.contains('x') {
        Some("into")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::{AuditConfig, Detector, EventReader, Limits};

    fn messages(uri: &str) -> Vec<(String, Severity)> {
        let event = format!(
            r#"{{"kind":"Event","auditID":"a","stage":"ResponseStarted","verb":"create","user":{{"username":"alice"}},"objectRef":{{"resource":"pods","namespace":"prod","name":"db-0","subresource":"exec"}},"requestURI":"{uri}","responseStatus":{{"code":101}}}}"#
        );
        let mut detector = Detector::new(AuditConfig::default());
        let mut alerts = Vec::new();
        for record in EventReader::new("test", Cursor::new(event.into_bytes()), Limits::default()) {
            let record = record.unwrap_or_else(|e| panic!("{e}"));
            detector
                .observe(&record, &mut alerts)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        alerts
            .into_iter()
            .filter(|a| a.rule == "exec-into-pod")
            .map(|a| (a.message, a.severity))
            .collect()
    }

    #[test]
    fn the_message_names_the_program_never_its_arguments() {
        let found = messages(
            "/api/v1/namespaces/prod/pods/db-0/exec?command=mysql&command=-uroot&command=-pS3cretPassw0rd&container=db",
        );
        assert_eq!(
            found,
            [(
                "alice ran a command in pod prod/db-0 (container db): mysql".to_string(),
                Severity::Medium
            )]
        );
        // A token path read through a shell script names the place, not the script.
        let found = messages(
            "/api/v1/namespaces/prod/pods/db-0/exec?command=sh&command=-c&command=TOKEN%3D%24%28cat+%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken%29+%26%26+curl+-H+x",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].0.ends_with("db-0: sh, reading the pod's Kubernetes service-account token (/var/run/secrets/kubernetes.io/serviceaccount)"), "{}", found[0].0);
        assert!(!found[0].0.contains("curl"));
        assert_eq!(found[0].1, Severity::High);
    }

    fn direction(words: &[&str]) -> Option<&'static str> {
        let command: Vec<Cow<str>> = words.iter().map(|w| Cow::Borrowed(*w)).collect();
        copy_direction(&command)
    }

    #[test]
    fn kubectl_cp_is_told_from_other_tar_runs() {
        assert_eq!(direction(&["tar", "cf", "-", "/app/data"]), Some("out of"));
        assert_eq!(direction(&["tar", "-czf", "-", "/app"]), Some("out of"));
        assert_eq!(direction(&["tar", "xmf", "-", "-C", "/tmp"]), Some("into"));
        assert_eq!(direction(&["/bin/tar", "-xmf", "-"]), Some("into"));
        // A tar that writes an archive file, or lists one, is no copy through the API server.
        assert_eq!(direction(&["tar", "cf", "/tmp/a.tar", "/app"]), None);
        assert_eq!(direction(&["tar", "tf", "-"]), None);
        assert_eq!(direction(&["tar"]), None);
        assert_eq!(direction(&["star", "cf", "-", "/app"]), None);
        assert_eq!(direction(&["sh", "-c", "tar cf - /app"]), None);
    }
}
