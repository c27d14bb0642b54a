//! Internal: prints saphyr-parser's events with positions, to compare parsers by eye.
fn main() {
    let path = std::env::args().nth(1).expect("usage: events_dump FILE");
    let text = std::fs::read_to_string(path).expect("readable UTF-8 file");
    for event in saphyr_parser::Parser::new_from_str(&text) {
        match event {
            Ok((event, span)) => {
                println!("{}:{} {:?}", span.start.line(), span.start.col() + 1, event)
            }
            Err(error) => {
                println!("error {error}");
                break;
            }
        }
    }
}
