//! Robustness on real input: every file of `../shared/corpus/realworld` and
//! `../shared/corpus/peer-fixtures` is loaded and checked without a panic or a hang, and the
//! per-project counts are a snapshot, so findings never change without review.
//! The corpus lives outside the repository; without it these tests say so and pass.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use palisade_load::{Input, Limits, load_inputs};
use palisade_model::{Inventory, Severity};
use palisade_rules::{Config, check};

fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: the shared corpus is absent (looked for {}); set PALISADE_CORPUS to run these tests",
            path.display()
        );
        None
    }
}

fn projects(folder: &Path) -> Vec<PathBuf> {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    projects.sort();
    projects
}

fn counts(folder: &Path) -> String {
    let mut table = String::from(
        "project | files | objects | skipped | errors | findings | critical | high | medium | low | info\n",
    );
    for project in projects(folder) {
        let loaded = load_inputs(
            &[Input::Path(project.clone())],
            &mut std::io::empty(),
            &Limits::default(),
        );
        let errors = loaded.errors.len();
        let (files, skipped) = (loaded.files, loaded.skipped_documents);
        let inventory = Inventory::from_objects(loaded.objects);
        let outcome = check(&inventory, &Config::default());
        assert!(
            outcome
                .errors
                .iter()
                .all(|e| !e.message.contains("internal error")),
            "a rule crashed on {}: {:?}",
            project.display(),
            outcome.errors
        );
        let by = |severity: Severity| {
            outcome
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        writeln!(
            table,
            "{} | {files} | {} | {skipped} | {} | {} | {} | {} | {} | {} | {}",
            project.file_name().unwrap().to_string_lossy(),
            inventory.len(),
            errors + outcome.errors.len(),
            outcome.findings.len(),
            by(Severity::Critical),
            by(Severity::High),
            by(Severity::Medium),
            by(Severity::Low),
            by(Severity::Info),
        )
        .unwrap();
    }
    table
}

#[test]
fn realworld_projects_scan_without_panics() {
    let Some(corpus) = corpus() else { return };
    insta::assert_snapshot!("realworld_counts", counts(&corpus.join("realworld")));
}

#[test]
fn peer_fixtures_scan_without_panics() {
    let Some(corpus) = corpus() else { return };
    insta::assert_snapshot!("peer_fixture_counts", counts(&corpus.join("peer-fixtures")));
}
