//! Any bytes as an AdmissionReview body, to `/validate` and `/mutate` with every mutation on:
//! the answer is 200 or 400, never a panic (the handler turns one into a 500).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use palisade_webhook::{Admission, Policy};

const CONFIG: &str = "webhook:\n  deny: [latest-image-tag]\n  exemptNamespaces: [\"team-*\"]\n  mutate:\n    dropAllCapabilities: true\n    disallowPrivilegeEscalation: true\n    seccompRuntimeDefault: true\n    defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n";

fn admission() -> &'static Admission {
    static ADMISSION: OnceLock<Admission> = OnceLock::new();
    ADMISSION.get_or_init(|| {
        let documents = palisade_load::parse_documents("fuzz.yaml", CONFIG).expect("valid YAML");
        let config = palisade_rules::Config::from_node(&documents[0], "fuzz.yaml").expect("valid");
        let policy = Policy::from_config(&config, "fuzz.yaml").expect("valid policy");
        Admission::new(config, policy)
    })
}

fuzz_target!(|bytes: &[u8]| {
    for reply in [admission().validate(bytes), admission().mutate(bytes)] {
        assert!(
            reply.status == 200 || reply.status == 400,
            "status {} for the input",
            reply.status
        );
    }
});
