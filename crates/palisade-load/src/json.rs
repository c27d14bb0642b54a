//! JSON text to [`Node`] trees with the position of every key and value.
//!
//! Hand-written because the JSON crates either give no positions (serde_json) or recurse on
//! nesting (a deeply nested hostile file would overflow the stack). This parser keeps its own
//! stack, bounds depth, and reads a stream of concatenated values (`kubectl get -o json` run
//! several times into one file, JSON lines) as one document each.

use palisade_model::{Entry, Node, Pos, Value};

use crate::error::{Limits, LoadError, PositionedError};
use crate::fast::exact;

enum Frame {
    Array {
        pos: Pos,
        items: Vec<Node>,
    },
    Object {
        pos: Pos,
        entries: Vec<Entry>,
        key: String,
        key_pos: Pos,
    },
}

impl Frame {
    fn describe(&self) -> String {
        match self {
            Frame::Array { pos, .. } => {
                format!("a list opened at line {} column {}", pos.line, pos.column)
            }
            Frame::Object { pos, .. } => {
                format!(
                    "an object opened at line {} column {}",
                    pos.line, pos.column
                )
            }
        }
    }
}

struct Cursor<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    line: u32,
    column: u32,
}

impl<'t> Cursor<'t> {
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Moves over `count` bytes, keeping line and column (in characters) up to date.
    fn advance(&mut self, count: usize) {
        let end = (self.at + count).min(self.bytes.len());
        for &byte in &self.bytes[self.at..end] {
            if byte == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if byte & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.at = end;
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.advance(1),
                _ => break,
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> PositionedError {
        PositionedError::new(
            LoadError::Syntax(format!("invalid JSON: {}", message.into())),
            self.pos(),
        )
    }

    fn found(&self) -> String {
        match self.text[self.at..].chars().next() {
            Some(c) => format!("{c:?}"),
            None => "the end of the input".to_string(),
        }
    }

    fn expect(&mut self, byte: u8, stack: &[Frame]) -> Result<(), PositionedError> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.advance(1);
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected `{}`", byte as char), stack))
        }
    }

    fn unexpected(&self, expected: &str, stack: &[Frame]) -> PositionedError {
        if self.at >= self.bytes.len() {
            let open = stack
                .last()
                .map(|frame| format!(" ({} is not closed)", frame.describe()))
                .unwrap_or_default();
            return self.error(format!(
                "unexpected end of input, the file looks truncated{open}"
            ));
        }
        self.error(format!("{expected}, found {}", self.found()))
    }

    fn string(&mut self, limits: &Limits) -> Result<String, PositionedError> {
        let start_pos = self.pos();
        self.advance(1);
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.at..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or_else(|| {
                    PositionedError::new(
                        LoadError::Syntax(
                            "invalid JSON: unexpected end of input inside a string, the file looks truncated"
                                .into(),
                        ),
                        start_pos,
                    )
                })?;
            out.push_str(&self.text[self.at..self.at + run]);
            self.advance(run);
            if out.len() > limits.max_scalar_bytes {
                return Err(PositionedError::new(
                    LoadError::ScalarTooLarge {
                        size: out.len(),
                        limit: limits.max_scalar_bytes,
                    },
                    start_pos,
                ));
            }
            match self.peek() {
                Some(b'"') => {
                    self.advance(1);
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.advance(1);
                    let escape = self.peek().ok_or_else(|| self.error("unfinished escape"))?;
                    self.advance(1);
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first) {
                                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return Err(self.error("unpaired surrogate in \\u escape"));
                                }
                                self.advance(2);
                                let second = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self.error("invalid low surrogate in \\u escape"));
                                }
                                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                                char::from_u32(code)
                            } else {
                                char::from_u32(first)
                            };
                            out.push(c.ok_or_else(|| self.error("invalid \\u escape"))?);
                        }
                        other => {
                            return Err(self.error(format!("invalid escape `\\{}`", other as char)));
                        }
                    }
                }
                _ => return Err(self.error("control character inside a string (escape it)")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, PositionedError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("\\u must be followed by four hex digits"))?;
        let value =
            u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.advance(4);
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, PositionedError> {
        let start = self.at;
        let bytes = self.bytes;
        let mut i = self.at;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == int_start || (bytes[int_start] == b'0' && i - int_start > 1) {
            return Err(self.error("invalid number"));
        }
        let mut float = false;
        if bytes.get(i) == Some(&b'.') {
            float = true;
            i += 1;
            let frac = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == frac {
                return Err(self.error("invalid number: digits expected after `.`"));
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            float = true;
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exp = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == exp {
                return Err(self.error("invalid number: digits expected in the exponent"));
            }
        }
        let text = &self.text[start..i];
        let value = if float {
            text.parse::<f64>().map(Value::Float).ok()
        } else {
            text.parse::<i64>()
                .map(Value::Int)
                .ok()
                .or_else(|| text.parse::<f64>().map(Value::Float).ok())
        };
        let value = value.ok_or_else(|| self.error("invalid number"))?;
        self.advance(i - start);
        Ok(value)
    }

    fn literal(
        &mut self,
        word: &str,
        value: Value,
        stack: &[Frame],
    ) -> Result<Value, PositionedError> {
        if self.text[self.at..].starts_with(word) {
            self.advance(word.len());
            Ok(value)
        } else {
            Err(self.unexpected("expected a JSON value", stack))
        }
    }
}

/// Parses one or more concatenated JSON values.
pub(crate) fn parse_json(text: &str, limits: &Limits) -> Result<Vec<Node>, PositionedError> {
    let mut cursor = Cursor {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        column: 1,
    };
    let mut documents = Vec::new();
    let mut nodes = 0usize;
    loop {
        cursor.skip_whitespace();
        if cursor.at >= cursor.bytes.len() {
            break;
        }
        documents.push(parse_value(&mut cursor, limits, &mut nodes)?);
    }
    Ok(documents)
}

fn parse_key(
    cursor: &mut Cursor,
    stack: &[Frame],
    limits: &Limits,
) -> Result<(String, Pos), PositionedError> {
    cursor.skip_whitespace();
    if cursor.peek() != Some(b'"') {
        return Err(cursor.unexpected("expected a string key", stack));
    }
    let pos = cursor.pos();
    let key = cursor.string(limits)?;
    cursor.expect(b':', stack)?;
    Ok((key, pos))
}

fn parse_value(
    cursor: &mut Cursor,
    limits: &Limits,
    nodes: &mut usize,
) -> Result<Node, PositionedError> {
    let mut stack: Vec<Frame> = Vec::new();
    'value: loop {
        cursor.skip_whitespace();
        let pos = cursor.pos();
        *nodes += 1;
        if *nodes > limits.max_nodes {
            return Err(PositionedError::new(
                LoadError::TooManyNodes {
                    limit: limits.max_nodes,
                },
                pos,
            ));
        }
        let mut node = match cursor.peek() {
            Some(open @ (b'{' | b'[')) => {
                if stack.len() >= limits.max_depth {
                    return Err(PositionedError::new(
                        LoadError::TooDeep {
                            limit: limits.max_depth,
                        },
                        pos,
                    ));
                }
                cursor.advance(1);
                cursor.skip_whitespace();
                if open == b'{' {
                    if cursor.peek() == Some(b'}') {
                        cursor.advance(1);
                        Node::new(pos, Value::Map(Box::default()))
                    } else {
                        let (key, key_pos) = parse_key(cursor, &stack, limits)?;
                        stack.push(Frame::Object {
                            pos,
                            entries: Vec::new(),
                            key,
                            key_pos,
                        });
                        continue 'value;
                    }
                } else if cursor.peek() == Some(b']') {
                    cursor.advance(1);
                    Node::new(pos, Value::Seq(Box::default()))
                } else {
                    stack.push(Frame::Array {
                        pos,
                        items: Vec::new(),
                    });
                    continue 'value;
                }
            }
            Some(b'"') => Node::new(pos, Value::Str(cursor.string(limits)?)),
            Some(b't') => Node::new(pos, cursor.literal("true", Value::Bool(true), &stack)?),
            Some(b'f') => Node::new(pos, cursor.literal("false", Value::Bool(false), &stack)?),
            Some(b'n') => Node::new(pos, cursor.literal("null", Value::Null, &stack)?),
            Some(b'-' | b'0'..=b'9') => Node::new(pos, cursor.number()?),
            _ => return Err(cursor.unexpected("expected a JSON value", &stack)),
        };
        loop {
            let Some(frame) = stack.last_mut() else {
                return Ok(node);
            };
            match frame {
                Frame::Array { items, .. } => {
                    items.push(node);
                    cursor.skip_whitespace();
                    match cursor.peek() {
                        Some(b',') => {
                            cursor.advance(1);
                            continue 'value;
                        }
                        Some(b']') => {
                            cursor.advance(1);
                            let Some(Frame::Array { pos, items }) = stack.pop() else {
                                unreachable!()
                            };
                            node = Node::new(pos, Value::Seq(exact(items)));
                        }
                        _ => return Err(cursor.unexpected("expected `,` or `]`", &stack)),
                    }
                }
                Frame::Object {
                    entries,
                    key,
                    key_pos,
                    ..
                } => {
                    entries.push(Entry {
                        key: palisade_model::keys::intern(key.as_str()),
                        key_pos: *key_pos,
                        value: node,
                    });
                    cursor.skip_whitespace();
                    match cursor.peek() {
                        Some(b',') => {
                            cursor.advance(1);
                            let (next_key, next_pos) = parse_key(cursor, &stack, limits)?;
                            if let Some(Frame::Object { key, key_pos, .. }) = stack.last_mut() {
                                *key = next_key;
                                *key_pos = next_pos;
                            }
                            continue 'value;
                        }
                        Some(b'}') => {
                            cursor.advance(1);
                            let Some(Frame::Object { pos, entries, .. }) = stack.pop() else {
                                unreachable!()
                            };
                            node = Node::new(pos, Value::Map(exact(entries)));
                        }
                        _ => return Err(cursor.unexpected("expected `,` or `}`", &stack)),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Node>, PositionedError> {
        parse_json(text, &Limits::default())
    }

    #[test]
    fn positions_of_keys_and_values() {
        let docs = parse(
            "{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true, \"n\": [1, -2.5e1]}\n}",
        )
        .unwrap();
        let root = &docs[0];
        assert_eq!(root.pos, Pos::new(1, 1));
        assert_eq!(root.entry("kind").unwrap().key_pos, Pos::new(2, 3));
        assert_eq!(root.get("kind").unwrap().pos, Pos::new(2, 11));
        assert_eq!(root.locate("/spec/hostPID"), Pos::new(3, 12));
        assert_eq!(root.pointer("/spec/n/1").unwrap().as_f64(), Some(-25.0));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let docs = parse("{\"é\": \"ü\", \"x\": 1}").unwrap();
        assert_eq!(docs[0].entry("x").unwrap().key_pos, Pos::new(1, 12));
    }

    #[test]
    fn escapes_and_surrogates() {
        let docs = parse(r#"["a\"b\\c\n\u00e9\ud83d\ude00"]"#).unwrap();
        assert_eq!(docs[0].at(0).unwrap().as_str(), Some("a\"b\\c\né😀"));
    }

    #[test]
    fn concatenated_values_are_separate_documents() {
        assert_eq!(parse("{\"a\":1}\n{\"b\":2}\n").unwrap().len(), 2);
    }

    #[test]
    fn truncated_input_says_so() {
        let error = parse("{\"kind\": \"List\", \"items\": [{\"a\": 1}").unwrap_err();
        let message = error.error.to_string();
        assert!(message.contains("truncated"), "{message}");
        assert!(
            message.contains("a list opened at line 1 column 27"),
            "{message}"
        );
        let error = parse("{\"a\": \"unterminated").unwrap_err();
        assert!(error.error.to_string().contains("truncated"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = "[".repeat(100_000);
        let error = parse(&text).unwrap_err();
        assert_eq!(
            error.error,
            LoadError::TooDeep {
                limit: Limits::default().max_depth
            }
        );
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let error = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(error.pos, Pos::new(3, 7));
        assert!(error.error.to_string().contains("expected `:`"));
        assert!(parse("[01]").is_err());
        assert!(parse("[1,]").is_err());
        assert!(parse("{\"a\":tru}").is_err());
    }
}
