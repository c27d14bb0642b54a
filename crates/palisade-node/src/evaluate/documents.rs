//! Reads the small configuration files some checks open themselves (the API server's
//! EncryptionConfiguration and audit Policy), by the path a flag names.
//!
//! The checks only see a [`NodeState`](crate::state::NodeState), which carries no YAML parser
//! (palisade-node parses through an injected function that the readers, not the checks, hold).
//! These files are small and written by people in plain block style, so a reader for that
//! subset of YAML lives here: block mappings and sequences, `- key: value` items, quoted and
//! plain scalars, flow lists and maps (`["a", "b"]`, `{}`), `|`/`>` blocks, comments. JSON goes
//! through serde_json. Anything outside the subset (anchors, tags, multi-line plain scalars) is
//! an error the check reports as `warn`, never a guess.

use std::borrow::Cow;

use palisade_model::{Entry, Node, Pos, Value};

/// Where a document could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentError {
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

const MAX_DEPTH: usize = 64;

/// Parses the first document of a YAML (block subset) or JSON text.
pub fn parse_document(text: &str) -> Result<Node, DocumentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return serde_json::from_str::<serde_json::Value>(text)
            .map(|value| Node::from_json(&value))
            .map_err(|error| DocumentError {
                line: u32::try_from(error.line()).unwrap_or(0),
                message: error.to_string(),
            });
    }
    let lines = logical_lines(text)?;
    if lines.is_empty() {
        return Ok(Node::new(Pos::UNKNOWN, Value::Null));
    }
    let mut parser = Parser { lines, at: 0 };
    let indent = parser.lines[0].indent;
    let root = parser.block(indent, 0)?;
    if let Some(line) = parser.lines.get(parser.at) {
        return Err(DocumentError {
            line: line.number,
            message: "unexpected indentation".to_string(),
        });
    }
    Ok(root)
}

/// One line with its comment and trailing blanks removed.
#[derive(Debug)]
struct Line {
    number: u32,
    /// Columns before `text` (0-based).
    indent: usize,
    text: String,
}

/// The lines of the first document, without blank and comment-only lines.
fn logical_lines(text: &str) -> Result<Vec<Line>, DocumentError> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let content = strip_comment(raw).trim_end();
        if content.trim().is_empty() {
            continue;
        }
        if content == "---" || content.starts_with("--- ") || content == "..." {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        let indent = content.len() - content.trim_start_matches(' ').len();
        if content[indent..].starts_with('\t') {
            return Err(DocumentError {
                line: number,
                message: "tab in indentation".to_string(),
            });
        }
        lines.push(Line {
            number,
            indent,
            text: content[indent..].to_string(),
        });
    }
    Ok(lines)
}

/// The line up to a `#` comment (one at the start or after a blank, outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'')
                && (previous.is_whitespace() || "[{,:-".contains(previous)) =>
            {
                quote = Some(c)
            }
            None if c == '#' && previous.is_whitespace() => return &line[..at],
            None => {}
        }
        previous = c;
    }
    line
}

struct Parser {
    lines: Vec<Line>,
    at: usize,
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> DocumentError {
        DocumentError {
            line: self.lines.get(self.at).map_or(0, |line| line.number),
            message: message.into(),
        }
    }

    /// The block that starts at the current line, whose indentation is `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Result<Node, DocumentError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let Some(line) = self.lines.get(self.at) else {
            return Ok(Node::new(Pos::UNKNOWN, Value::Null));
        };
        if is_item(&line.text) {
            self.sequence(indent, depth)
        } else if split_key(&line.text).is_some() {
            self.mapping(indent, depth)
        } else {
            let number = line.number;
            let column = line.indent + 1;
            let text = line.text.clone();
            self.at += 1;
            if self
                .lines
                .get(self.at)
                .is_some_and(|next| next.indent > indent)
            {
                return Err(self.error("multi-line plain scalars are not supported"));
            }
            inline_value(&text, number, column, depth)
        }
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Result<Node, DocumentError> {
        let start = self.position();
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent != indent || !is_item(&line.text) {
                break;
            }
            let rest = line.text[1..].trim_start();
            if rest.is_empty() {
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => {
                        let child = next.indent;
                        items.push(self.block(child, depth + 1)?);
                    }
                    _ => items.push(Node::new(start, Value::Null)),
                }
            } else {
                // `- key: value` opens a mapping whose keys line up with `key`.
                let offset = line.text.len() - rest.len();
                let child = indent + offset;
                let rest = rest.to_string();
                let line = &mut self.lines[self.at];
                line.indent = child;
                line.text = rest;
                items.push(self.block(child, depth + 1)?);
            }
            if self
                .lines
                .get(self.at)
                .is_some_and(|next| next.indent > indent)
            {
                return Err(self.error("unexpected indentation"));
            }
        }
        Ok(Node::new(start, Value::Seq(items.into_boxed_slice())))
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Result<Node, DocumentError> {
        let start = self.position();
        let mut entries = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent != indent || is_item(&line.text) {
                break;
            }
            let Some((key, rest_at)) = split_key(&line.text) else {
                return Err(self.error("expected `key: value`"));
            };
            let number = line.number;
            let key_pos = Pos::new(number, col(indent + 1));
            let rest = line.text[rest_at..].trim().to_string();
            let rest_column = indent
                + rest_at
                + (line.text[rest_at..].len() - line.text[rest_at..].trim_start().len())
                + 1;
            self.at += 1;
            let value = if rest.is_empty() {
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => {
                        let child = next.indent;
                        self.block(child, depth + 1)?
                    }
                    // A list may sit at its key's own indentation.
                    Some(next) if next.indent == indent && is_item(&next.text) => {
                        self.sequence(indent, depth + 1)?
                    }
                    _ => Node::new(key_pos, Value::Null),
                }
            } else if rest.starts_with('|') || rest.starts_with('>') {
                self.block_scalar(indent, &rest, Pos::new(number, col(rest_column)))
            } else {
                inline_value(&rest, number, rest_column, depth)?
            };
            entries.push(Entry {
                key: Cow::Owned(key),
                key_pos,
                value,
            });
            if self
                .lines
                .get(self.at)
                .is_some_and(|next| next.indent > indent)
            {
                return Err(self.error("unexpected indentation"));
            }
        }
        Ok(Node::new(start, Value::Map(entries.into_boxed_slice())))
    }

    /// A `|` or `>` scalar: the more-indented lines that follow (comments already removed).
    fn block_scalar(&mut self, indent: usize, header: &str, pos: Pos) -> Node {
        let mut parts = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent <= indent {
                break;
            }
            parts.push(line.text.clone());
            self.at += 1;
        }
        let joiner = if header.starts_with('>') { " " } else { "\n" };
        Node::new(pos, Value::Str(parts.join(joiner)))
    }

    fn position(&self) -> Pos {
        self.lines.get(self.at).map_or(Pos::UNKNOWN, |line| {
            Pos::new(line.number, col(line.indent + 1))
        })
    }
}

fn col(column: usize) -> u32 {
    u32::try_from(column).unwrap_or(u32::MAX)
}

/// `key: rest` → the key and where the rest starts; `None` when the line is not a mapping key.
fn split_key(text: &str) -> Option<(String, usize)> {
    if text.starts_with('[') || text.starts_with('{') {
        return None;
    }
    if let Some(quote) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let (key, used) = quoted(text, quote).ok()?;
        let after = &text[used..];
        let after_trimmed = after.trim_start();
        let colon = used + (after.len() - after_trimmed.len());
        return match after_trimmed.strip_prefix(':') {
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => Some((key, colon + 1)),
            _ => None,
        };
    }
    let colon = text
        .match_indices(':')
        .map(|(at, _)| at)
        .find(|at| text[at + 1..].is_empty() || text[at + 1..].starts_with(' '))?;
    let key = text[..colon].trim_end();
    if key.is_empty() {
        return None;
    }
    Some((key.to_string(), colon + 1))
}

/// A quoted scalar at the start of `text`: its value and the bytes it used.
fn quoted(text: &str, quote: char) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        if c == quote {
            if quote == '\'' && chars.peek().is_some_and(|(_, next)| *next == '\'') {
                chars.next();
                value.push('\'');
                continue;
            }
            return Ok((value, at + c.len_utf8()));
        }
        if quote == '"' && c == '\\' {
            match chars.next().map(|(_, escaped)| escaped) {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some('\\') => value.push('\\'),
                Some('"') => value.push('"'),
                Some('/') => value.push('/'),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => break,
            }
            continue;
        }
        value.push(c);
    }
    Err("unterminated quoted string".to_string())
}

/// A value written on one line after `key:` or `- `.
fn inline_value(text: &str, line: u32, column: usize, depth: usize) -> Result<Node, DocumentError> {
    let error = |message: String| DocumentError { line, message };
    let pos = Pos::new(line, col(column));
    if text.starts_with('&') || text.starts_with('*') || text.starts_with('!') {
        return Err(error(
            "anchors, aliases and tags are not supported".to_string(),
        ));
    }
    if text.starts_with('[') || text.starts_with('{') {
        let mut flow = Flow {
            text,
            at: 0,
            line,
            column,
        };
        let node = flow.value(depth)?;
        flow.skip_blanks();
        if flow.at != text.len() {
            return Err(error("unexpected text after a flow collection".to_string()));
        }
        return Ok(node);
    }
    if let Some(quote) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let (value, used) = quoted(text, quote).map_err(error)?;
        if !text[used..].trim().is_empty() {
            return Err(error("unexpected text after a quoted string".to_string()));
        }
        return Ok(Node::new(pos, Value::Str(value)));
    }
    Ok(Node::new(pos, plain_scalar(text)))
}

/// A plain scalar resolved as YAML 1.2's core schema (as sigs.k8s.io/yaml reads it).
fn plain_scalar(text: &str) -> Value {
    match text {
        "null" | "Null" | "NULL" | "~" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => match text.parse::<i64>() {
            Ok(number) => Value::Int(number),
            Err(_) => Value::Str(text.to_string()),
        },
    }
}

/// A flow collection on one line: `["a", b]`, `{}`, `{a: 1}`.
struct Flow<'a> {
    text: &'a str,
    at: usize,
    line: u32,
    /// The column of `text`'s first character.
    column: usize,
}

impl Flow<'_> {
    fn error(&self, message: &str) -> DocumentError {
        DocumentError {
            line: self.line,
            message: message.to_string(),
        }
    }

    fn pos(&self) -> Pos {
        Pos::new(
            self.line,
            col(self.column + self.text[..self.at].chars().count()),
        )
    }

    fn skip_blanks(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn value(&mut self, depth: usize) -> Result<Node, DocumentError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_blanks();
        let pos = self.pos();
        match self.peek() {
            Some('[') => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blanks();
                    if self.peek() == Some(']') {
                        self.at += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_blanks();
                    match self.peek() {
                        Some(',') => self.at += 1,
                        Some(']') => {
                            self.at += 1;
                            break;
                        }
                        _ => return Err(self.error("expected `,` or `]`")),
                    }
                }
                Ok(Node::new(pos, Value::Seq(items.into_boxed_slice())))
            }
            Some('{') => {
                self.at += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip_blanks();
                    if self.peek() == Some('}') {
                        self.at += 1;
                        break;
                    }
                    let key_pos = self.pos();
                    let key = self.scalar(":,}")?;
                    let key = match key.value {
                        Value::Str(text) => text,
                        Value::Null => String::new(),
                        other => Node::new(key_pos, other).to_string(),
                    };
                    self.skip_blanks();
                    let value = if self.peek() == Some(':') {
                        self.at += 1;
                        self.value(depth + 1)?
                    } else {
                        Node::new(key_pos, Value::Null)
                    };
                    entries.push(Entry {
                        key: Cow::Owned(key),
                        key_pos,
                        value,
                    });
                    self.skip_blanks();
                    match self.peek() {
                        Some(',') => self.at += 1,
                        Some('}') => {
                            self.at += 1;
                            break;
                        }
                        _ => return Err(self.error("expected `,` or `}`")),
                    }
                }
                Ok(Node::new(pos, Value::Map(entries.into_boxed_slice())))
            }
            _ => self.scalar(",]}"),
        }
    }

    fn scalar(&mut self, stops: &str) -> Result<Node, DocumentError> {
        self.skip_blanks();
        let pos = self.pos();
        let rest = &self.text[self.at..];
        if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let (value, used) = quoted(rest, quote).map_err(|message| self.error(&message))?;
            self.at += used;
            return Ok(Node::new(pos, Value::Str(value)));
        }
        let end = rest.find(|c: char| stops.contains(c)).unwrap_or(rest.len());
        let text = rest[..end].trim();
        self.at += end;
        if text.is_empty() {
            return Ok(Node::new(pos, Value::Null));
        }
        Ok(Node::new(pos, plain_scalar(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<&str> {
        node.entries()
            .iter()
            .map(|entry| entry.key.as_ref())
            .collect()
    }

    #[test]
    fn reads_an_encryption_configuration() {
        let text = "\
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration # comment
resources:
  - resources:
      - secrets
      - configmaps
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZQ==
      - identity: {}
";
        let root = parse_document(text).unwrap();
        assert_eq!(keys(&root), ["apiVersion", "kind", "resources"]);
        assert_eq!(
            root.get("kind").unwrap().as_str(),
            Some("EncryptionConfiguration")
        );
        let entry = root.get("resources").unwrap().at(0).unwrap();
        let names: Vec<_> = entry
            .get("resources")
            .unwrap()
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(names, ["secrets", "configmaps"]);
        let providers = entry.get("providers").unwrap().items();
        assert_eq!(keys(&providers[0]), ["aescbc"]);
        assert_eq!(providers[0].pos, Pos::new(8, 9));
        assert_eq!(keys(&providers[1]), ["identity"]);
        assert!(providers[1].get("identity").unwrap().entries().is_empty());
    }

    #[test]
    fn reads_lists_at_their_keys_indentation_flow_lists_and_quoted_comments() {
        let text = "\
rules:
- level: Metadata
  resources:
  - group: \"\" # core
    resources: [\"secrets\", 'config#maps', pods/exec]
  omitStages:
    - \"RequestReceived\"
- level: None
  nonResourceURLs: [\"/api*\"]
";
        let root = parse_document(text).unwrap();
        let rules = root.get("rules").unwrap().items();
        assert_eq!(rules.len(), 2);
        let group = rules[0].get("resources").unwrap().at(0).unwrap();
        assert_eq!(group.get("group").unwrap().as_str(), Some(""));
        let names: Vec<_> = group
            .get("resources")
            .unwrap()
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(names, ["secrets", "config#maps", "pods/exec"]);
        assert_eq!(rules[1].get("level").unwrap().as_str(), Some("None"));
    }

    #[test]
    fn reads_json_and_skips_a_leading_document_marker() {
        let root = parse_document("{\"kind\": \"Policy\", \"rules\": []}").unwrap();
        assert_eq!(root.get("kind").unwrap().as_str(), Some("Policy"));
        let root = parse_document("---\nkind: Policy\n---\nkind: Other\n").unwrap();
        assert_eq!(root.get("kind").unwrap().as_str(), Some("Policy"));
    }

    #[test]
    fn refuses_what_it_does_not_understand_with_a_line() {
        for (text, line) in [
            ("a: 1\n   b: 2\n", 2),
            ("a: &anchor 1\n", 1),
            ("a: [1, 2\n", 1),
            ("a:\n\t- b\n", 2),
            ("a: \"open\n", 1),
            ("a: plain\n  continued\n", 2),
        ] {
            let error = parse_document(text).unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
        }
    }

    #[test]
    fn survives_deep_nesting_and_odd_bytes() {
        let deep = "[".repeat(10_000);
        assert!(parse_document(&format!("a: {deep}")).is_err());
        let mut nested = String::new();
        for depth in 0..200 {
            nested.push_str(&" ".repeat(depth));
            nested.push_str("a:\n");
        }
        assert!(parse_document(&nested).is_err());
        assert!(parse_document("\u{0}\u{1}: \u{7f}").is_ok());
        let _ = parse_document(":\n- -\n  - : :");
        let _ = parse_document("- a: [b, {c: [d, 'e''f']}]\n- \"\\u12\"");
    }
}
