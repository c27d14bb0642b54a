//! A Secret or ConfigMap under review is never echoed: the secrets planted in the rules'
//! failing fixtures must be absent from every reply of `/validate` and `/mutate` (allowed,
//! warned, denied, patched, or 400 for a broken body) and from every log line.

mod common;

use std::path::Path;

use common::logs::capture;
use common::{admission, body, review};
use serde_json::Value;

const FIXTURES: &[&str] = &[
    "secret-in-manifest",
    "credential-in-configmap",
    "secret-in-env-var",
    "default-credentials",
];

/// The planted secrets of those fixtures (see palisade-rules/tests/secrets_stay_secret.rs), and
/// how the review's JSON carries them (base64 for a Secret's `data`).
const PLANTED: &[(&str, &str)] = &[
    ("Pl4nted-Db-Passw0rd", "UGw0bnRlZC1EYi1QYXNzdzByZA=="),
    (
        "UGw0bnRlZC1EYi1QYXNzdzByZA==",
        "UGw0bnRlZC1EYi1QYXNzdzByZA==",
    ),
    (
        "PlantedTlsKeyMaterial",
        "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t",
    ),
    ("Pl4nted-Datasource-Passw0rd", "Pl4nted-Datasource-Passw0rd"),
    (
        "PlantedRegistryToken",
        "eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxl",
    ),
    (
        "Pl4nted-Rotated-Passw0rd",
        "UGw0bnRlZC1Sb3RhdGVkLVBhc3N3MHJk",
    ),
    (
        "UGw0bnRlZC1Sb3RhdGVkLVBhc3N3MHJk",
        "UGw0bnRlZC1Sb3RhdGVkLVBhc3N3MHJk",
    ),
    ("Pl4nted-Cm-Passw0rd", "Pl4nted-Cm-Passw0rd"),
    ("Pl4ntedPrivateKeyMaterial", "Pl4ntedPrivateKeyMaterial"),
    ("Pl4nted-Spring-Passw0rd", "Pl4nted-Spring-Passw0rd"),
    ("Pl4nted-Json-Token", "Pl4nted-Json-Token"),
    ("Pl4ntedSlackWebhookSecret", "Pl4ntedSlackWebhookSecret"),
    ("AKIAPL4NTED0KEY0ID01", "AKIAPL4NTED0KEY0ID01"),
    (
        "Pl4ntedAwsSecretKey0123456789abcdefGHIJK",
        "Pl4ntedAwsSecretKey0123456789abcdefGHIJK",
    ),
    ("Pl4ntedBinaryToken", "dG9rZW4gPSBQbDRudGVkQmluYXJ5VG9rZW4K"),
    ("Pl4nted-Init-Passw0rd", "Pl4nted-Init-Passw0rd"),
    ("secretsquirrels", "secretsquirrels"),
    ("Pl4ntedStripeKeyAsName", "Pl4ntedStripeKeyAsName"),
    ("Pl4nted-Url-Passw0rd", "Pl4nted-Url-Passw0rd"),
    ("Pl4ntedOpensshKeyMaterial", "Pl4ntedOpensshKeyMaterial"),
    (
        "Pl4ntedAwsSecretAccessKey0123456789abcdef",
        "Pl4ntedAwsSecretAccessKey0123456789abcdef",
    ),
    (
        "ghp_Pl4ntedGithubToken0123456789abcdefghij",
        "ghp_Pl4ntedGithubToken0123456789abcdefghij",
    ),
    ("86420135", "86420135"),
    ("mysecretpassword", "mysecretpassword"),
    ("minioadmin", "\"minioadmin\""),
    ("changeme", "changeme"),
    ("neo4j/neo4j", "neo4j/neo4j"),
    ("Pl4nted-Vault-Root-Token", "Pl4nted-Vault-Root-Token"),
    ("Pl4nted-Vault-Flag-Token", "Pl4nted-Vault-Flag-Token"),
    ("Password", "\"Password\""),
];

/// Every object of the fixtures, as JSON.
fn planted_objects() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../palisade-rules/tests/fixtures");
    let mut objects = Vec::new();
    for fixture in FIXTURES {
        let path = dir.join(fixture).join("fail.yaml");
        let text = std::fs::read_to_string(&path).expect("the fixture exists");
        let loaded = palisade_load::load_str(&format!("{fixture}/fail.yaml"), &text);
        assert!(loaded.errors.is_empty(), "{fixture}: {:?}", loaded.errors);
        objects.extend(loaded.objects.iter().map(|object| object.root.to_json()));
    }
    objects
}

/// Bodies that are not reviews but carry the secrets: cut short, and with the object where a
/// string belongs.
fn broken_bodies(valid: &[u8]) -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [3, 2, 1]
        .iter()
        .map(|part| valid[..valid.len() * part / 4].to_vec())
        .collect();
    if let Ok(mut review) = serde_json::from_slice::<Value>(valid) {
        review["request"]["uid"] = review["request"]["object"].clone();
        bodies.push(serde_json::to_vec(&review).unwrap_or_default());
        review["request"]["uid"] = Value::String("u".into());
        review["request"]["operation"] = review["request"]["object"]["data"].clone();
        bodies.push(serde_json::to_vec(&review).unwrap_or_default());
    }
    bodies
}

#[test]
fn planted_secrets_never_appear_in_replies_or_logs() {
    let strict = admission(
        "webhook:\n  deny: [secret-in-manifest, credential-in-configmap, secret-in-env-var, default-credentials]\n  mutate:\n    dropAllCapabilities: true\n    disallowPrivilegeEscalation: true\n    seccompRuntimeDefault: true\n    defaultResources: {requests: {cpu: 100m}}\n",
    );
    let lenient = admission("webhook: {denyAtOrAbove: none, dryRun: true}\n");
    let objects = planted_objects();
    let mut sent = String::new();
    let mut replies: Vec<(String, String)> = Vec::new();
    let mut denials = 0;
    let mut warned = 0;
    let ((), logs) = capture(|| {
        for object in &objects {
            for operation in ["CREATE", "UPDATE"] {
                let valid = body(&review(operation, object.clone()));
                sent.push_str(&String::from_utf8_lossy(&valid));
                let mut bodies = vec![valid.clone()];
                bodies.extend(broken_bodies(&valid));
                for body in bodies {
                    for (what, reply) in [
                        ("validate (strict)", strict.validate(&body)),
                        ("validate (dry run)", lenient.validate(&body)),
                        ("mutate", strict.mutate(&body)),
                    ] {
                        let text = String::from_utf8_lossy(&reply.body).to_string();
                        if text.contains("\"allowed\":false") {
                            denials += 1;
                        }
                        if text.contains("\"warnings\"") {
                            warned += 1;
                        }
                        replies.push((what.to_string(), text));
                    }
                }
            }
        }
    });
    // The test must see the secrets go in and the rules answer, or it proves nothing.
    for (_, written) in PLANTED {
        assert!(
            sent.contains(written),
            "{written:?} was never sent: update PLANTED"
        );
    }
    assert!(denials >= 10, "only {denials} denials");
    assert!(warned >= 10, "only {warned} replies with warnings");
    assert!(replies.iter().any(|(_, text)| text.contains("\"error\"")));
    assert!(
        !logs.is_empty(),
        "nothing was logged, so the log check proves nothing"
    );

    for (secret, written) in PLANTED {
        for text in [secret, written] {
            for (what, reply) in &replies {
                assert!(!reply.contains(text), "{what} echoes {text:?}: {reply}");
            }
            for line in &logs {
                assert!(!line.contains(text), "a log line echoes {text:?}: {line}");
            }
        }
    }
}
