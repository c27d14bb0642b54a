//! Parse-only throughput: loads the given inputs (files, directories, `-`) without running
//! any rule, and prints files/s, objects/s and MB/s. `bench/scan.sh` uses it as the ceiling
//! the full scan is compared with.
//!
//! `cargo run --release -p palisade-load --example parse_only -- DIR... [--errors]`

use std::time::Instant;

use palisade_load::{Input, Limits, load_inputs};

// The same allocator as the palisade binary, so that this ceiling is comparable.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = arguments.iter().any(|a| a == "--errors");
    let inputs: Vec<Input> = arguments
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| Input::parse(a))
        .collect();
    let bytes: u64 = arguments
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| total_bytes(std::path::Path::new(a)))
        .sum();
    let started = Instant::now();
    let loaded = load_inputs(&inputs, &mut std::io::stdin(), &Limits::default());
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "parse-only: {} files, {} objects, {} skipped, {} errors, {:.1} MB in {:.3} s: {:.0} files/s, {:.0} objects/s, {:.1} MB/s",
        loaded.files,
        loaded.objects.len(),
        loaded.skipped_documents,
        loaded.errors.len(),
        bytes as f64 / 1e6,
        seconds,
        loaded.files as f64 / seconds,
        loaded.objects.len() as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
    if show_errors {
        for error in &loaded.errors {
            println!("  {error}");
        }
    }
}

fn total_bytes(path: &std::path::Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => ignore::WalkBuilder::new(path)
            .require_git(false)
            .build()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_type().is_some_and(|t| t.is_file())
                    && palisade_load::is_manifest_file(e.path())
            })
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum(),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}
