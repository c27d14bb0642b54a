//! What one admission review costs without the network: judges the same AdmissionReview in a
//! loop on one thread, as `POST /validate` does, and prints the time per review and the
//! ratio to merely parsing the body as JSON (`serde_json::Value`, the floor for any webhook
//! that reads the review). Run it under `perf stat -e instructions:u` or `perf record -g`
//! to see where a review's time goes.
//!
//! `cargo run --release -p palisade-webhook --example review_cost -- bench/webhook-review.json [N]`
//!
//! With `PALISADE_REVIEW_ONLY=1` it runs only the reviews (N of them, once), so that
//! `perf stat` counts nothing else.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use palisade_rules::Config;
use palisade_webhook::{Admission, Policy};

// The same allocator as the palisade binary, so that the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut arguments = std::env::args().skip(1);
    let Some(path) = arguments.next() else {
        eprintln!("usage: review_cost REVIEW.json [ITERATIONS]");
        return ExitCode::from(2);
    };
    let iterations: u32 = match arguments.next().map(|n| n.parse()) {
        None => 20_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("review_cost: ITERATIONS must be a positive number");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("review_cost: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    // Compact, as the API server sends it.
    let body = match serde_json::from_slice::<serde_json::Value>(&text) {
        Ok(value) => serde_json::to_vec(&value).unwrap_or(text),
        Err(error) => {
            eprintln!("review_cost: {path} is not JSON: {error}");
            return ExitCode::from(2);
        }
    };
    // The server's configuration with no file: every rule on, the default policy.
    let admission = Admission::new(Config::default(), Policy::default());
    let reply = admission.validate(&body);
    if std::env::var_os("PALISADE_SHOW").is_some() {
        println!("{}", String::from_utf8_lossy(&reply.body));
    }
    println!(
        "review: {} bytes, answer {} ({} bytes)",
        body.len(),
        reply.status,
        reply.body.len()
    );

    if std::env::var_os("PALISADE_REVIEW_ONLY").is_some() {
        for _ in 0..iterations {
            black_box(admission.validate(black_box(&body)));
        }
        return ExitCode::SUCCESS;
    }

    let per_item = |run: &dyn Fn()| {
        // Best of five rounds: the machine is shared, and the least disturbed round is the
        // closest to the code's own cost.
        (0..5)
            .map(|_| {
                let started = Instant::now();
                for _ in 0..iterations {
                    run();
                }
                started.elapsed() / iterations
            })
            .min()
            .unwrap_or(Duration::ZERO)
    };
    let review = per_item(&|| {
        black_box(admission.validate(black_box(&body)));
    });
    let parse = per_item(&|| {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).ok());
    });
    println!(
        "validate: {:.1} µs per review ({:.0} reviews/s on one core)",
        review.as_secs_f64() * 1e6,
        1.0 / review.as_secs_f64()
    );
    println!(
        "serde_json::Value parse alone: {:.1} µs; validate / parse = {:.2}x",
        parse.as_secs_f64() * 1e6,
        review.as_secs_f64() / parse.as_secs_f64()
    );
    ExitCode::SUCCESS
}
