//! The secrets rules name the key, variable or container that holds a secret, never the secret:
//! every secret planted in their failing fixtures must be absent from every finding's message,
//! path and fix, whichever rule reports it.

use std::path::Path;

use palisade_model::Inventory;
use palisade_rules::{Config, check};

const FIXTURES: &[&str] = &[
    "secret-in-env-var",
    "default-credentials",
    "secret-in-manifest",
    "credential-in-configmap",
];

/// Each planted secret, and how it is written in the fixture (base64 for Secret `data`).
const PLANTED: &[(&str, &str)] = &[
    // secret-in-env-var
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
    // default-credentials: default passwords are secrets too
    ("mysecretpassword", "mysecretpassword"),
    ("minioadmin", "value: minioadmin"),
    ("changeme", "changeme"),
    ("neo4j/neo4j", "neo4j/neo4j"),
    ("Pl4nted-Vault-Root-Token", "Pl4nted-Vault-Root-Token"),
    ("Pl4nted-Vault-Flag-Token", "Pl4nted-Vault-Flag-Token"),
    ("Password", "value: Password"),
    // secret-in-manifest
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
    // credential-in-configmap
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
];

#[test]
fn planted_secrets_never_appear_in_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut texts = String::new();
    let mut findings = Vec::new();
    for rule in FIXTURES {
        let path = dir.join(rule).join("fail.yaml");
        let text = std::fs::read_to_string(&path).expect("fixture exists");
        texts.push_str(&text);
        let loaded = palisade_load::load_str(&format!("{rule}/fail.yaml"), &text);
        assert!(loaded.errors.is_empty(), "{rule}: {:?}", loaded.errors);
        let outcome = check(&Inventory::from_objects(loaded.objects), &Config::default());
        let own = outcome.findings.iter().filter(|f| f.rule == *rule).count();
        assert!(own > 0, "{rule}/fail.yaml gives no finding of {rule}");
        findings.extend(outcome.findings);
    }
    for (secret, written) in PLANTED {
        assert!(
            texts.contains(written),
            "{written:?} is not in the fixtures any more: update PLANTED"
        );
        for finding in &findings {
            for (what, text) in [
                ("message", &*finding.message),
                ("path", &*finding.path),
                ("fix", finding.fix.as_ref()),
            ] {
                assert!(
                    !text.contains(secret),
                    "{} prints the planted secret {secret:?} in its {what}: {text}",
                    finding.rule
                );
            }
        }
    }
}
