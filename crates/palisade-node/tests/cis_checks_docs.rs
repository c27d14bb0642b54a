//! `docs/cis-checks.md` documents the check table: a hand-written introduction, then tables
//! generated from the rows of `palisade_node::checks::CHECKS`. This test fails when the tables
//! are stale; `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-node --test cis_checks_docs`
//! regenerates them and keeps the introduction.

use std::path::{Path, PathBuf};

use palisade_node::checks::checks_markdown;

const MARKER: &str = "<!-- Everything below is generated from crates/palisade-node/src/checks.rs: \
PALISADE_UPDATE_DOCS=1 cargo test -p palisade-node --test cis_checks_docs -->";

/// The introduction written when the file does not exist yet.
const FIRST_INTRO: &str = "# CIS Kubernetes Benchmark checks of `palisade node`\n\n";

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cis-checks.md")
}

fn document(intro: &str) -> String {
    format!("{intro}{MARKER}\n{}", checks_markdown())
}

#[test]
fn docs_cis_checks_is_generated_from_the_table() {
    let path = doc_path();
    let current = std::fs::read_to_string(&path).ok();
    let intro = current
        .as_deref()
        .and_then(|text| text.split_once(MARKER))
        .map(|(intro, _)| intro.to_string());
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        let intro = intro.unwrap_or_else(|| FIRST_INTRO.to_string());
        std::fs::write(&path, document(&intro)).unwrap();
        return;
    }
    let Some(intro) = intro else {
        panic!(
            "docs/cis-checks.md is missing or has no generated part; regenerate with \
             `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-node --test cis_checks_docs`"
        );
    };
    assert!(
        current.as_deref() == Some(document(&intro).as_str()),
        "docs/cis-checks.md is stale; regenerate with \
         `PALISADE_UPDATE_DOCS=1 cargo test -p palisade-node --test cis_checks_docs`"
    );
}
