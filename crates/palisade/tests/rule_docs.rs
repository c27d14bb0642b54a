//! `docs/rules/` is generated from the rules' doc comments, manifest rules and audit rules
//! alike. This test fails when it is stale;
//! `PALISADE_UPDATE_DOCS=1 cargo test -p palisade --test rule_docs` regenerates it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_report::{rule_markdown_page, rules_index_markdown};

// The binary's own catalogue, so that the pages say what `palisade explain` says.
#[allow(dead_code)]
#[path = "../src/catalogue.rs"]
mod catalogue;

use catalogue::rule_docs;

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

fn expected_pages() -> BTreeMap<String, String> {
    let docs = rule_docs();
    let mut pages: BTreeMap<String, String> = docs
        .iter()
        .map(|doc| (format!("{}.md", doc.meta.name), rule_markdown_page(doc)))
        .collect();
    pages.insert("README.md".to_string(), rules_index_markdown(&docs));
    pages
}

#[test]
fn docs_rules_is_generated_from_the_rule_files() {
    let dir = docs_dir();
    let expected = expected_pages();
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        if dir.exists() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "md") {
                    std::fs::remove_file(path).unwrap();
                }
            }
        }
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(actual) if actual == *text => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(_) => stale.push(format!("{name} is missing")),
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !expected.contains_key(&name) {
                stale.push(format!("{name} belongs to no rule"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale ({}); regenerate with `PALISADE_UPDATE_DOCS=1 cargo test -p palisade --test rule_docs`",
        stale.join(", ")
    );
}

#[test]
fn audit_rules_have_pages_that_show_their_example_event_as_json() {
    let pages = expected_pages();
    let audit = palisade_audit::rule_docs();
    assert!(!audit.is_empty());
    for doc in &audit {
        let name = doc.meta.name;
        let page = pages
            .get(&format!("{name}.md"))
            .unwrap_or_else(|| panic!("no page for the audit rule {name}"));
        assert!(page.contains("An audit rule"), "{name}: {page}");
        assert!(
            page.contains("```json\n{"),
            "{name}: the example event is not JSON: {page}"
        );
        assert!(
            pages["README.md"].contains(&format!("[{name}]({name}.md)")),
            "{name} is not in the index"
        );
    }
}

#[test]
fn no_manifest_rule_shares_a_name_with_an_audit_rule() {
    // `palisade explain NAME` and the page `NAME.md` must be about one rule.
    for doc in palisade_rules::rule_docs() {
        assert!(
            palisade_audit::find_rule(doc.meta.name).is_none(),
            "{}",
            doc.meta.name
        );
    }
}
