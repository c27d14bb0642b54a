//! Agreement of `palisade node` with real, labelled node data: the shared corpus's
//! `node-configs` (kubescape's CIS rule cases, kube-bench's results on a kind cluster, minikube's
//! kubeadm configurations). Each test prints `node-agreement <source>: <agreed>/<compared>`,
//! every disagreement and everything left out of the comparison; `docs/node-agreement.md`
//! records the figures and explains the disagreements.
//!
//! Run: `cargo test -p palisade-node --test agreement -- --nocapture --test-threads=1`
//! (`PALISADE_CORPUS=DIR` when the corpus is not at `../shared/corpus`). Without the corpus the
//! tests say `SKIPPED` and pass.

mod support;

use support::{Agreement, corpus, kube_bench, kubescape, minikube};

/// The least number of kubescape cases (case, CIS id) palisade must agree on, and the least
/// share of the compared ones: the figures of the last run (245/268, 91.4%; every disagreement
/// is explained in docs/node-agreement.md), so that a regression fails.
const KUBESCAPE_CIS_MIN_AGREED: usize = 245;
const KUBESCAPE_CIS_MIN_PERCENT: f64 = 91.0;

/// The least number of kube-bench rows palisade must agree on, and the least share of the
/// compared ones.
const KUBE_BENCH_MIN_AGREED: usize = 44;
const KUBE_BENCH_MIN_PERCENT: f64 = 100.0;

/// The least number of minikube configurations that must read and be judged (of 28).
const MINIKUBE_GOLDEN_MIN_READ: usize = 28;

fn assert_floor(agreement: &Agreement, min_agreed: usize, min_percent: f64) {
    assert!(
        agreement.errors.is_empty(),
        "{}: {} errors (unreadable corpus files or a panic), see above",
        agreement.source,
        agreement.errors.len()
    );
    assert!(
        agreement.agreed >= min_agreed,
        "{}: {} agreed, the floor is {min_agreed}",
        agreement.source,
        agreement.agreed
    );
    // A floor on the share only means something once there are verdicts to compare.
    if agreement.compared > 0 {
        assert!(
            agreement.percent() >= min_percent,
            "{}: {:.1}% agreed, the floor is {min_percent}%",
            agreement.source,
            agreement.percent()
        );
    }
}

#[test]
fn kubescape_cis_cases() {
    let Some(corpus) = corpus() else { return };
    let (agreement, counts) = kubescape::compare(&corpus);
    println!("{}", agreement.render());
    // The corpus README: 100 rules, 345 cases (168 pass, 177 fail).
    assert_eq!(counts.rules, 100, "kubescape rules read");
    assert_eq!(counts.cases, 345, "kubescape cases read");
    assert_eq!(
        (counts.passing_cases, counts.failing_cases),
        (168, 177),
        "kubescape cases expected to pass and to fail"
    );
    assert_floor(
        &agreement,
        KUBESCAPE_CIS_MIN_AGREED,
        KUBESCAPE_CIS_MIN_PERCENT,
    );
    assert_eq!(
        agreement.compared + agreement.not_compared.len(),
        counts.comparisons,
        "every (case, CIS id) is either compared or listed"
    );
}

#[test]
fn kube_bench_kind_cluster() {
    let Some(corpus) = corpus() else { return };
    let (agreement, counts) = kube_bench::compare(&corpus);
    println!("{}", agreement.render());
    // The corpus README: 67 PASS, 11 FAIL, 45 WARN.
    assert_eq!(counts.rows, 123, "kube-bench rows read");
    assert_eq!(counts.by_status.get("PASS"), Some(&67));
    assert_eq!(counts.by_status.get("FAIL"), Some(&11));
    assert_eq!(counts.by_status.get("WARN"), Some(&45));
    assert!(
        counts.unmapped.is_empty(),
        "the cis-1.20 to cis-1.12 table and the corpus differ: {:?}",
        counts.unmapped
    );
    assert!(
        counts.unknown_targets.is_empty(),
        "cis-1.12 ids the benchmark definition does not have: {:?}",
        counts.unknown_targets
    );
    assert_floor(&agreement, KUBE_BENCH_MIN_AGREED, KUBE_BENCH_MIN_PERCENT);
    assert_eq!(
        agreement.compared + agreement.not_compared.len(),
        counts.rows,
        "every row is either compared or listed"
    );
}

#[test]
fn minikube_kubeadm_golden_configs() {
    let Some(corpus) = corpus() else { return };
    let report = minikube::judge(&corpus);
    println!("{}", report.render());
    assert!(
        report.failures.is_empty(),
        "unlisted folders or a panic: {:?}",
        report.failures
    );
    assert_eq!(report.files(), 28, "minikube configurations found");
    assert_eq!(
        report.versions.keys().collect::<Vec<_>>(),
        ["v1.16", "v1.24", "v1.36"]
    );
    assert_read_floor(report.read(), MINIKUBE_GOLDEN_MIN_READ);
}

fn assert_read_floor(read: usize, floor: usize) {
    assert!(
        read >= floor,
        "{read} minikube configurations read and judged, the floor is {floor}"
    );
}
