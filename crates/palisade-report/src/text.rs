//! Small text helpers for the terminal renderers.

/// The width the terminal renderers wrap to.
pub(crate) const WIDTH: usize = 100;

/// Wraps `text` at spaces so that `first_prefix` + the first line and `prefix` + every further
/// line fit in `width` characters (counted in Unicode scalar values). A word longer than the
/// room stays whole on a line of its own. Line breaks in `text` are kept; runs of spaces are
/// collapsed. Every line ends with `\n`.
pub(crate) fn wrap(text: &str, first_prefix: &str, prefix: &str, width: usize) -> String {
    let mut out = String::new();
    wrap_into(&mut out, text, first_prefix, prefix, width);
    out
}

/// Where [`wrap_into`] writes: a `String`, or the byte buffer of a report being rendered.
pub(crate) trait TextSink {
    fn push_text(&mut self, text: &str);
}

impl TextSink for String {
    fn push_text(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl TextSink for Vec<u8> {
    fn push_text(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }
}

/// [`wrap`], appended to `out` as it goes: a large table wraps two texts per finding, and
/// building each line and each wrapped text in a `String` of its own cost more than the rest
/// of the table.
pub(crate) fn wrap_into(
    out: &mut impl TextSink,
    text: &str,
    first_prefix: &str,
    prefix: &str,
    width: usize,
) {
    if is_plain_sentence(text) {
        wrap_plain_sentence(out, text, first_prefix, prefix, width);
        return;
    }
    // Nearly every message is ASCII: then a word's length is its length in bytes, and the
    // words are found byte by byte instead of decoding characters.
    let ascii = text.is_ascii();
    let further_room = width.saturating_sub(prefix.chars().count()).max(20);
    let mut line_prefix = first_prefix;
    let mut any_paragraph = false;
    for paragraph in text.lines() {
        any_paragraph = true;
        let mut room = width.saturating_sub(line_prefix.chars().count()).max(20);
        // Characters on the current line after its prefix; 0 until its first word, whose
        // prefix is written with it (an empty line gets the prefix without trailing spaces).
        let mut line_len = 0;
        let mut add_word = |word: &str, word_len: usize| {
            if line_len > 0 && line_len + 1 + word_len > room {
                out.push_text("\n");
                line_prefix = prefix;
                room = further_room;
                line_len = 0;
            }
            if line_len == 0 {
                out.push_text(line_prefix);
            } else {
                out.push_text(" ");
                line_len += 1;
            }
            out.push_text(word);
            line_len += word_len;
        };
        if ascii {
            for word in ascii_words(paragraph) {
                add_word(word, word.len());
            }
        } else {
            for word in paragraph.split_whitespace() {
                add_word(word, word.chars().count());
            }
        }
        if line_len == 0 {
            out.push_text(line_prefix.trim_end());
        }
        out.push_text("\n");
        line_prefix = prefix;
    }
    if !any_paragraph {
        out.push_text(first_prefix.trim_end());
        out.push_text("\n");
    }
}

/// Whether `text` is printable ASCII on one line, its words apart by single spaces, with no
/// space at either end: then its words end at its spaces and at its end, and each line can be
/// cut at the last space that fits instead of measuring word by word. Nearly every message and
/// fix is such a text.
fn is_plain_sentence(text: &str) -> bool {
    let bytes = text.as_bytes();
    // One pass without early exit, which the compiler vectorises.
    let unprintable = bytes
        .iter()
        .fold(false, |any, &byte| any | !(b' '..=b'~').contains(&byte));
    !unprintable
        && !bytes.is_empty()
        && bytes[0] != b' '
        && bytes[bytes.len() - 1] != b' '
        && memchr::memmem::find(bytes, b"  ").is_none()
}

/// [`wrap_into`] of a text that [`is_plain_sentence`]: the same lines, cut at spaces found by
/// `memrchr`.
fn wrap_plain_sentence(
    out: &mut impl TextSink,
    text: &str,
    first_prefix: &str,
    prefix: &str,
    width: usize,
) {
    let mut room = width.saturating_sub(first_prefix.chars().count()).max(20);
    let mut line_prefix = first_prefix;
    let mut rest = text;
    loop {
        out.push_text(line_prefix);
        if rest.len() <= room {
            out.push_text(rest);
            out.push_text("\n");
            return;
        }
        // The line ends at the last space with no more than `room` characters before it; if
        // the first word is longer than that, it stays whole on the line.
        let bytes = rest.as_bytes();
        let cut = memchr::memrchr(b' ', &bytes[..=room])
            .or_else(|| memchr::memchr(b' ', bytes))
            .unwrap_or(bytes.len());
        // Spaces are ASCII, so both sides of a cut are on character boundaries.
        let (line, after) = rest.split_at(cut);
        out.push_text(line);
        out.push_text("\n");
        match after.strip_prefix(' ') {
            Some(remaining) => rest = remaining,
            None => return,
        }
        line_prefix = prefix;
        room = width.saturating_sub(prefix.chars().count()).max(20);
    }
}

/// The words of an ASCII text, as `str::split_whitespace` finds them (which, unlike
/// `u8::is_ascii_whitespace`, counts the vertical tab as a space).
fn ascii_words(text: &str) -> impl Iterator<Item = &str> {
    let is_space = |byte: &u8| byte.is_ascii_whitespace() || *byte == 0x0b;
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + bytes[at..].iter().position(|byte| !is_space(byte))?;
        let end = bytes[start..]
            .iter()
            .position(is_space)
            .map_or(bytes.len(), |length| start + length);
        at = end;
        // Both ends are at ASCII bytes (or the text's end), so on character boundaries.
        text.get(start..end)
    })
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
    fn ascii_and_unicode_texts_wrap_alike() {
        // The same words split by every kind of ASCII space, and in a text that is not ASCII
        // (which takes the character-decoding path); the vertical tab is a space for both.
        let spaced = "alpha\tbeta\x0bgamma\x0cdelta\r\nepsilon  zeta\r\n\n  eta ";
        for (text, width) in [(spaced, 30), (spaced, 100), ("a b c", 21)] {
            let unicode = format!("{text} \u{e9}");
            let expected = reference_wrap(&unicode, "  - ", "    ", width);
            assert_eq!(wrap(&unicode, "  - ", "    ", width), expected);
            let expected = reference_wrap(text, "  - ", "    ", width);
            assert_eq!(wrap(text, "  - ", "    ", width), expected, "{text:?}");
        }
        assert_eq!(
            wrap(spaced, "", "", 30),
            "alpha beta gamma delta\nepsilon zeta\n\neta\n"
        );
        assert_eq!(
            wrap("caf\u{e9} ol\u{e9}", "", "", 20),
            "caf\u{e9} ol\u{e9}\n"
        );
    }

    #[test]
    fn plain_sentences_wrap_as_word_by_word() {
        // Pseudo-random sentences of words of 1 to 30 letters (a fixed LCG, so that a failure
        // repeats), at widths around the words' ends, against the reference.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        for _ in 0..2_000 {
            let words: Vec<String> = (0..1 + next(40))
                .map(|_| "x".repeat(1 + next(30) as usize))
                .collect();
            let text = words.join(" ");
            assert!(is_plain_sentence(&text));
            let width = 10 + next(100) as usize;
            let first = " ".repeat(next(15) as usize) + "fix:";
            let hanging = " ".repeat(next(25) as usize);
            assert_eq!(
                wrap(&text, &first, &hanging, width),
                reference_wrap(&text, &first, &hanging, width),
                "{text:?} at width {width}"
            );
        }
        for not_plain in ["", " a", "a ", "a  b", "a\tb", "a\nb", "caf\u{e9}", "a\x7f"] {
            assert!(!is_plain_sentence(not_plain), "{not_plain:?}");
        }
    }

    /// The straightforward wrap (a `String` per line, words by `split_whitespace`) that
    /// [`wrap`] must equal.
    fn reference_wrap(text: &str, first_prefix: &str, prefix: &str, width: usize) -> String {
        let push_line = |out: &mut String, prefix: &str, line: &str| {
            if line.is_empty() {
                out.push_str(prefix.trim_end());
            } else {
                out.push_str(prefix);
                out.push_str(line);
            }
            out.push('\n');
        };
        let mut out = String::new();
        let mut line_prefix = first_prefix;
        for paragraph in text.lines() {
            let mut room = width.saturating_sub(line_prefix.chars().count()).max(20);
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let line_len = line.chars().count();
                if line_len > 0 && line_len + 1 + word.chars().count() > room {
                    push_line(&mut out, line_prefix, &line);
                    line_prefix = prefix;
                    room = width.saturating_sub(prefix.chars().count()).max(20);
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            push_line(&mut out, line_prefix, &line);
            line_prefix = prefix;
        }
        if out.is_empty() {
            push_line(&mut out, first_prefix, "");
        }
        out
    }

    #[test]
    fn counts_in_words() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
    }
}
