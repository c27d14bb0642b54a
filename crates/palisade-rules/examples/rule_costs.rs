//! What each rule costs: loads the manifests under a path once, then runs the engine with one
//! rule at a time (single-threaded, best of several runs) and prints the rules by time.
//!
//! `cargo run --release -p palisade-rules --example rule_costs -- bench/out/gen`

use std::time::{Duration, Instant};

use palisade_model::Inventory;
use palisade_rules::{Config, RuleSetting, all_rules, check};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rule_costs PATH");
        std::process::exit(2);
    };
    // One thread: the figures are the rules' own cost, not the machine's parallelism.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is built once");
    let loaded = palisade_load::load_inputs(
        &[palisade_load::Input::Path(path.into())],
        &mut std::io::empty(),
        &palisade_load::Limits::default(),
    );
    let objects = loaded.objects.len();
    let inventory = Inventory::from_objects(loaded.objects);
    let names: Vec<&str> = all_rules().iter().map(|r| r.rule.meta.name).collect();
    let only = |name: &str| {
        let mut config = Config::default();
        for other in &names {
            if *other != name {
                config.rules.insert(
                    other.to_string(),
                    RuleSetting {
                        enabled: Some(false),
                        severity: None,
                    },
                );
            }
        }
        config
    };
    let time = |config: &Config| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                let outcome = check(&inventory, config);
                (start.elapsed(), outcome.findings.len())
            })
            .min()
            .unwrap_or((Duration::ZERO, 0))
    };
    let (baseline, _) = time(&only(""));
    let mut costs: Vec<(Duration, usize, &str)> = names
        .iter()
        .map(|name| {
            let (elapsed, findings) = time(&only(name));
            (elapsed.saturating_sub(baseline), findings, *name)
        })
        .collect();
    costs.sort_by(|a, b| b.cmp(a));
    println!("{objects} objects; engine with no rule: {baseline:.1?}");
    for (cost, findings, name) in costs {
        println!("{:>10.1?} {findings:>8} findings  {name}", cost);
    }
}
