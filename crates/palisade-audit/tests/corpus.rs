//! Every audit log of `../shared/corpus/audit-logs` reads: Falco's, Panther's, audit2rbac's and
//! rbac-tool's events, v1, v1beta1 and without `apiVersion`. The one file that is malformed on
//! purpose (`falco-k8s-audit/fal_01_003.json`) gives its error with its line.
//! The corpus lives outside the repository (`PALISADE_CORPUS` overrides where); without it
//! these tests say so and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_audit::{AuditVersion, EventReader, Limits};

fn audit_logs() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = corpus.join("audit-logs");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: the shared corpus's audit logs are absent (looked for {}); set PALISADE_CORPUS to run these tests",
            path.display()
        );
        None
    }
}

/// The event files: everything but the notes, the labels and the audit policy.
fn event_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            path.is_file()
                && !name.ends_with(".md")
                && !name.ends_with(".yaml")
                && name != "expected.json"
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_audit_log_of_the_corpus_reads() {
    let Some(root) = audit_logs() else { return };
    // folder → (files, events); counted with Python's json module, line by line.
    let expected: BTreeMap<&str, (usize, usize)> = [
        ("audit2rbac", (1, 37)),
        ("falco-k8s-audit", (47, 51)),
        ("panther-k8s-rules", (30, 49)),
        ("rbac-tool-auditgen", (2, 6)),
    ]
    .into();
    let mut versions: BTreeMap<String, usize> = BTreeMap::new();
    for (folder, &(want_files, want_events)) in &expected {
        let files = event_files(&root.join(folder));
        assert_eq!(files.len(), want_files, "files in {folder}");
        let mut events = 0;
        for file in &files {
            let malformed = file.ends_with("falco-k8s-audit/fal_01_003.json");
            let results: Vec<_> = EventReader::open(file, Limits::default()).collect();
            for result in results {
                match result {
                    Ok(record) => {
                        assert!(!malformed);
                        let event = &record.event;
                        // Panther's events are written by hand, often without auditID or verb.
                        if *folder != "panther-k8s-rules" {
                            let at = format!("{}:{}", file.display(), record.location.line);
                            assert!(!event.audit_id.is_empty(), "{at}");
                            assert!(!event.verb.is_empty(), "{at}");
                            assert!(event.time_micros().is_some(), "{at}");
                        }
                        assert_eq!(record.location.column, 1);
                        *versions
                            .entry(format!("{:?}", event.version()))
                            .or_default() += 1;
                        events += 1;
                    }
                    Err(error) if malformed => {
                        assert_eq!(error.line, Some(1), "{error}");
                        assert_eq!(error.column, Some(10), "{error}");
                        assert!(
                            error.message.starts_with("kind: invalid type: integer `0`"),
                            "{error}"
                        );
                        assert!(error.file.ends_with("fal_01_003.json"));
                    }
                    Err(error) => panic!("{error}"),
                }
            }
        }
        assert_eq!(events, want_events, "events in {folder}");
    }
    // The mix of versions the corpus is known for.
    assert!(versions[&format!("{:?}", AuditVersion::V1)] > 0);
    assert!(versions[&format!("{:?}", AuditVersion::V1Beta1)] > 0);
    assert!(versions[&format!("{:?}", AuditVersion::Unspecified)] > 0);
}

#[test]
fn the_malformed_falco_event_is_one_error_with_its_line() {
    let Some(root) = audit_logs() else { return };
    let results: Vec<_> = EventReader::open(
        &root.join("falco-k8s-audit/fal_01_003.json"),
        Limits::default(),
    )
    .collect();
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1:10: kind: invalid type: integer `0`, expected a string",
            root.join("falco-k8s-audit/fal_01_003.json").display()
        )
    );
}

#[test]
fn corpus_events_have_what_detections_need() {
    let Some(root) = audit_logs() else { return };
    let read = |path: &str| -> Vec<palisade_audit::Event> {
        EventReader::open(&root.join(path), Limits::default())
            .map(|r| *r.unwrap_or_else(|e| panic!("{e}")).event)
            .collect()
    };
    // Falco: exec into a pod, without apiVersion, level Request, stage ResponseStarted.
    let exec = &read("falco-k8s-audit/exec_pod.json")[0];
    assert_eq!(exec.subresource(), "exec");
    assert_eq!(exec.stage, palisade_audit::Stage::ResponseStarted);
    assert_eq!(exec.allowed(), Some(true));
    // Falco, v1beta1, RequestResponse: the privileged pod is in the request object.
    let privileged = &read("falco-k8s-audit/create_nginx_pod_privileged.json")[0];
    assert_eq!(privileged.version(), AuditVersion::V1Beta1);
    assert_eq!(
        privileged.is_service_account(),
        Some(("kube-system", "replicaset-controller"))
    );
    let container = privileged
        .request_object
        .as_ref()
        .and_then(|o| o.pointer("/spec/containers/0/securityContext/privileged"));
    assert_eq!(container, Some(&serde_json::Value::Bool(true)));
    // audit2rbac: impersonation and denials.
    let demo = read("audit2rbac/demo.log");
    assert!(
        demo.iter()
            .any(|e| e.effective_user().username == "bob" && e.user.username == "system:admin")
    );
    assert!(demo.iter().any(|e| e.allowed() == Some(false)));
    assert!(
        demo.iter()
            .any(|e| e.effective_user().service_account() == Some(("ns1", "sa1")))
    );
    // Panther: anonymous access.
    let anonymous = read("panther-k8s-rules/Kubernetes.API.AnonymousAccess.jsonl");
    assert!(anonymous.iter().any(|e| e.is_anonymous()));
    // Hand-written: one has a time without zone ("2022-11-29 00:09:04.38"), others none.
    assert!(anonymous.iter().any(|e| e.time_micros().is_some()));
}
