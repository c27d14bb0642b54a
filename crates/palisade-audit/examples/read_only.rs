//! Read-only throughput of the audit reader: decodes every event of the given sources (files,
//! gzip files, `-` for stdin) and counts events and errors, with no detection. `bench/audit.sh`
//! times it against Python's `json.loads` on the same lines.
//!
//! `cargo run --release -p palisade-audit --example read_only -- FILE... [--errors] [--inline]`
//!
//! Each source is read by `EventReader::spawn` (reading and decoding in a thread of their own,
//! as `palisade audit` is meant to), or in the calling thread with `--inline`. As in `palisade
//! audit`, each event is looked at by a [`Step`] on the thread that decoded it, while it still
//! borrows the decoded text, and dropped there: what is handed on is whether it had a body.
//!
//! Prints one line: `read-only: N events, E errors, B bytes in S s: X events/s, Y MB/s`, where
//! bytes are the sizes of the files as stored (compressed for gzip; 0 for stdin).

use std::path::Path;
use std::time::Instant;

use palisade_audit::{EventReader, Limits, SharedRecord, Step};
use palisade_model::InputError;

// The same allocator as the palisade binary, so that the figures carry over.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Whether each event had a request body; the event itself goes no further.
struct HasBody;

impl Step for HasBody {
    type Output = Result<bool, InputError>;

    fn apply(&self, item: Result<SharedRecord, InputError>) -> Self::Output {
        item.map(|record| record.get().event.request_object.is_some())
    }
}

fn main() {
    // As `palisade audit` runs (see its `small_pages_only`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = arguments.iter().any(|a| a == "--errors");
    let inline = arguments.iter().any(|a| a == "--inline");
    let sources: Vec<&String> = arguments.iter().filter(|a| !a.starts_with("--")).collect();
    if sources.is_empty() {
        eprintln!("usage: read_only FILE... [--errors] [--inline]   (- reads stdin)");
        std::process::exit(2);
    }
    let bytes: u64 = sources
        .iter()
        .filter_map(|s| std::fs::metadata(s).ok())
        .map(|m| m.len())
        .sum();
    let started = Instant::now();
    let (mut events, mut errors, mut with_bodies) = (0u64, 0u64, 0u64);
    for source in &sources {
        let reader = EventReader::open(Path::new(source.as_str()), Limits::default())
            .with_step(std::sync::Arc::new(HasBody));
        let results: Box<dyn Iterator<Item = _>> = if inline {
            Box::new(reader)
        } else {
            Box::new(reader.spawn())
        };
        for result in results {
            match result {
                Ok(has_body) => {
                    events += 1;
                    with_bodies += u64::from(has_body);
                }
                Err(error) => {
                    errors += 1;
                    if show_errors {
                        eprintln!("{error}");
                    }
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "read-only: {events} events ({with_bodies} with a request body), {errors} errors, {bytes} bytes in {seconds:.3} s: {:.0} events/s, {:.1} MB/s",
        events as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
