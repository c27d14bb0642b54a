//! Internal measurement: how fast saphyr-parser alone produces events for a file.
fn main() {
    let path = std::env::args().nth(1).expect("usage: events_only FILE");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let started = std::time::Instant::now();
    let mut events = 0usize;
    for _ in 0..5 {
        for event in saphyr_parser::Parser::new_from_str(&text) {
            if event.is_err() {
                break;
            }
            events += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64() / 5.0;
    println!(
        "events-only: {} events, {:.1} MB/s",
        events / 5,
        text.len() as f64 / 1e6 / seconds
    );
}
