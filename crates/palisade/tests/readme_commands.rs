//! The README's first command, `cargo run --release -- scan examples/`, must pick palisade's
//! binary from the workspace root although other crates have binaries too (the conformance
//! harness): the workspace's default members say which.

use std::path::Path;

#[test]
fn cargo_run_from_the_root_runs_palisade() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("cargo run --release -- scan examples/"),
        "the README's first command changed; update this test"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let default_members = manifest
        .lines()
        .find(|line| line.trim_start().starts_with("default-members"))
        .expect("the workspace names its default members, so that `cargo run` is unambiguous");
    assert_eq!(
        default_members.trim(),
        r#"default-members = ["crates/palisade"]"#
    );
    // Every other member with a binary would make `cargo run` ambiguous without it.
    let bins: Vec<String> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .filter_map(|entry| {
            let dir = entry.ok()?.path();
            let name = dir.file_name()?.to_string_lossy().into_owned();
            (dir.join("src/main.rs").exists() || dir.join("src/bin").exists()).then_some(name)
        })
        .collect();
    assert!(bins.contains(&"palisade".to_string()), "{bins:?}");
}
