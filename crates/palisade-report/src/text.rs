//! Small text helpers for the terminal renderers.

/// The width the terminal renderers wrap to.
pub(crate) const WIDTH: usize = 100;

/// Wraps `text` at spaces so that `first_prefix` + the first line and `prefix` + every further
/// line fit in `width` characters (counted in Unicode scalar values). A word longer than the
/// room stays whole on a line of its own. Line breaks in `text` are kept; runs of spaces are
/// collapsed. Every line ends with `\n`.
pub(crate) fn wrap(text: &str, first_prefix: &str, prefix: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_prefix = first_prefix;
    for paragraph in text.lines() {
        let room = width.saturating_sub(line_prefix.chars().count()).max(20);
        let mut line = String::new();
        let mut line_len = 0;
        let mut room_now = room;
        for word in paragraph.split_whitespace() {
            let word_len = word.chars().count();
            if line_len > 0 && line_len + 1 + word_len > room_now {
                push_line(&mut out, line_prefix, &line);
                line_prefix = prefix;
                room_now = width.saturating_sub(prefix.chars().count()).max(20);
                line.clear();
                line_len = 0;
            }
            if line_len > 0 {
                line.push(' ');
                line_len += 1;
            }
            line.push_str(word);
            line_len += word_len;
        }
        push_line(&mut out, line_prefix, &line);
        line_prefix = prefix;
    }
    if out.is_empty() {
        push_line(&mut out, first_prefix, "");
    }
    out
}

fn push_line(out: &mut String, prefix: &str, line: &str) {
    if line.is_empty() {
        out.push_str(prefix.trim_end());
    } else {
        out.push_str(prefix);
        out.push_str(line);
    }
    out.push('\n');
}

/// `1 finding`, `2 findings`.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_width_with_hanging_prefix() {
        let text = "one two three four five six";
        assert_eq!(
            wrap(text, "> ", "  ", 22),
            "> one two three four\n  five six\n"
        );
        assert_eq!(wrap(text, "", "", 100), "one two three four five six\n");
    }

    #[test]
    fn long_words_and_line_breaks_survive() {
        let long = "x".repeat(40);
        let text = format!("a {long} b\nsecond  line");
        assert_eq!(
            wrap(&text, "", "    ", 30),
            format!("a\n    {long}\n    b\n    second line\n")
        );
        assert_eq!(wrap("", "  fix: ", "", 30), "  fix:\n");
    }

    #[test]
    fn counts_in_words() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
    }
}
