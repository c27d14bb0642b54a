//! A fast reader for the plain block-style YAML that nearly every manifest is written in.
//!
//! saphyr-parser costs about 0.4 µs per event, which caps a scan of many small manifests at
//! 10–20 MB/s per core. This reader handles the common subset directly from the lines: block
//! mappings and sequences, single-line plain and quoted scalars, single-line flow collections,
//! comments and `---`. Anything else (anchors, aliases, tags, block scalars, multi-line
//! scalars or flow collections, complex keys, merge keys, tabs, directives, every error) makes
//! it give up, and the whole text goes to the full parser, which is the authority: the tests
//! check that both produce the same tree, positions included, over the whole corpus.

use std::borrow::Cow;

use palisade_model::{Entry, Node, Pos, Value};

use crate::error::Limits;
use crate::resolve::{resolve_non_string, resolve_plain};
use crate::yaml::{is_helm_template, reject_duplicate_keys};

/// Gives up: the caller parses the text with the full parser.
struct GiveUp;

type Fast<T> = Result<T, GiveUp>;

struct Line<'t> {
    number: u32,
    /// Byte offset of `content` in `raw`.
    indent: usize,
    /// The line from its first non-blank character, without a trailing comment or blanks.
    content: &'t str,
    raw: &'t str,
    ascii: bool,
}

/// The documents of `text`, or `None` when it needs the full parser.
pub(crate) fn parse(text: &str, limits: &Limits) -> Option<Vec<Node>> {
    if memchr::memchr(b'\t', text.as_bytes()).is_some() || text.len() > 64 * 1024 * 1024 {
        return None;
    }
    let mut documents = Vec::new();
    let mut lines = Vec::new();
    let mut explicit_start = false;
    // Most manifests have no comment at all: then no line needs searching for one.
    let any_hash = memchr::memchr(b'#', text.as_bytes()).is_some();
    // Nor a template: no scalar can hold `{{` when the text holds none and no escape that
    // could spell one.
    let any_template = memchr::memmem::find(text.as_bytes(), b"{{").is_some()
        || memchr::memchr(b'\\', text.as_bytes()).is_some();
    // The lines as `split('\n')` gives them, found with memchr: a char search per line cost
    // a tenth of the parse.
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    for (index, end) in ends.enumerate() {
        let raw = &text[start..end];
        start = end + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let number = index as u32 + 1;
        if raw.starts_with("---") || raw.starts_with("...") {
            let rest = &raw[3..];
            if !(rest.is_empty()
                || rest.starts_with(' ') && strip_comment(rest).ok()?.trim().is_empty())
            {
                return None;
            }
            if raw.starts_with("...") {
                return None;
            }
            if !lines.is_empty() {
                documents.push(document(std::mem::take(&mut lines), limits, any_template)?);
            } else if explicit_start || !documents.is_empty() {
                return None; // an empty document: rare, leave it to the full parser
            }
            explicit_start = true;
            continue;
        }
        if raw.starts_with('%') {
            return None;
        }
        let trimmed = raw.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        let content = if any_hash {
            strip_comment(trimmed).ok()?
        } else {
            trimmed
        };
        let content = content.trim_end_matches(' ');
        lines.push(Line {
            number,
            indent,
            content,
            raw,
            ascii: raw.is_ascii(),
        });
    }
    if lines.is_empty() {
        return if documents.is_empty() || explicit_start {
            None
        } else {
            Some(documents)
        };
    }
    documents.push(document(lines, limits, any_template)?);
    Some(documents)
}

/// `text` without a trailing comment (` #` outside quotes and flow brackets).
fn strip_comment(text: &str) -> Fast<&str> {
    let bytes = text.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if double => i += 1,
            b'"' if !single => double = !double,
            b'\'' if !double => single = !single,
            b'#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => return Ok(&text[..i]),
            _ => {}
        }
        i += 1;
    }
    Ok(text)
}

fn document(lines: Vec<Line>, limits: &Limits, any_template: bool) -> Option<Node> {
    let mut reader = Reader {
        lines,
        at: 0,
        limits,
        depth: 0,
        nodes: 0,
        open_entries: Vec::new(),
        open_items: Vec::new(),
        any_template,
    };
    let first_indent = reader.lines[0].indent;
    let node = reader.block(first_indent).ok()?;
    (reader.at == reader.lines.len()).then_some(node)
}

struct Reader<'t, 'l> {
    lines: Vec<Line<'t>>,
    at: usize,
    limits: &'l Limits,
    depth: usize,
    nodes: usize,
    /// The entries of the block mappings being read, innermost last, and the items of the
    /// block sequences: a collection's members are gathered here and moved once into a list
    /// of their exact size, instead of a vector of its own that grows and is copied again.
    open_entries: Vec<Entry>,
    open_items: Vec<Node>,
    /// Whether the text may hold an unrendered template (see [`is_helm_template`]).
    any_template: bool,
}

fn is_dash_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'t> Reader<'t, '_> {
    fn pos(&self, line: usize, byte: usize) -> Pos {
        let line = &self.lines[line];
        let column = if line.ascii {
            byte
        } else {
            line.raw[..byte].chars().count()
        };
        Pos::new(line.number, column as u32 + 1)
    }

    fn count(&mut self) -> Fast<()> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(GiveUp);
        }
        Ok(())
    }

    fn enter(&mut self) -> Fast<()> {
        self.depth += 1;
        if self.depth >= self.limits.max_depth {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// A block collection whose lines start at `indent`.
    fn block(&mut self, indent: usize) -> Fast<Node> {
        let line = self.lines.get(self.at).ok_or(GiveUp)?;
        if line.indent != indent {
            return Err(GiveUp);
        }
        if is_dash_item(line.content) {
            self.sequence(indent, false)
        } else {
            self.mapping(indent)
        }
    }

    fn sequence(&mut self, indent: usize, indentless: bool) -> Fast<Node> {
        self.enter()?;
        self.count()?;
        let start = self.at;
        let first_item = self.open_items.len();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || !is_dash_item(line.content) {
                if indentless && line.indent == indent {
                    break; // the next key of the mapping that holds this sequence
                }
                return Err(GiveUp);
            }
            let rest = line.content[1..].trim_start_matches(' ');
            let rest_offset = line.indent + (line.content.len() - rest.len());
            if rest.is_empty() {
                if indentless && self.open_items.len() == first_item {
                    return Err(GiveUp); // saphyr places such a sequence after its first dash
                }
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => {
                        let next_indent = next.indent;
                        let item = self.block(next_indent)?;
                        self.open_items.push(item);
                    }
                    _ => return Err(GiveUp), // an empty item
                }
                continue;
            }
            if is_dash_item(rest) || rest.starts_with('?') {
                return Err(GiveUp);
            }
            if key_end(rest)?.is_some() {
                // `- name: web`: a mapping whose keys are aligned with `name`.
                let current = &mut self.lines[self.at];
                current.indent = rest_offset;
                current.content = rest;
                let item = self.mapping(rest_offset)?;
                self.open_items.push(item);
                continue;
            }
            let at = self.at;
            let item = self.inline_value(at, rest_offset, rest)?;
            self.open_items.push(item);
            self.at += 1;
        }
        let pos = if indentless {
            // saphyr places an indentless sequence at its first item's content.
            match self.open_items.get(first_item) {
                Some(first) => first.pos,
                None => return Err(GiveUp),
            }
        } else {
            self.pos(start, indent)
        };
        self.depth -= 1;
        let items: Box<[Node]> = self.open_items.drain(first_item..).collect();
        Ok(Node::new(pos, Value::Seq(items)))
    }

    fn mapping(&mut self, indent: usize) -> Fast<Node> {
        self.enter()?;
        self.count()?;
        let pos = self.pos(self.at, indent);
        let first_entry = self.open_entries.len();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_dash_item(line.content) {
                return Err(GiveUp);
            }
            let content = line.content;
            let line_index = self.at;
            let (key, colon) = match key_end(content)? {
                Some(found) => found,
                None => return Err(GiveUp),
            };
            if key == "<<" {
                return Err(GiveUp);
            }
            let key_pos = self.pos(line_index, indent);
            let rest = content[colon + 1..].trim_start_matches(' ');
            let value = if rest.is_empty() {
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => {
                        let next_indent = next.indent;
                        self.block(next_indent)?
                    }
                    Some(next) if next.indent == indent && is_dash_item(next.content) => {
                        self.sequence(indent, true)?
                    }
                    _ => {
                        self.count()?;
                        Node::new(self.pos(line_index, indent + colon), Value::Null)
                    }
                }
            } else {
                let offset = indent + (content.len() - rest.len());
                let value = self.inline_value(line_index, offset, rest)?;
                self.at += 1;
                value
            };
            self.open_entries.push(Entry {
                key: palisade_model::keys::intern(key),
                key_pos,
                value,
            });
        }
        if reject_duplicate_keys(&self.open_entries[first_entry..], &[]).is_err() {
            return Err(GiveUp);
        }
        self.depth -= 1;
        let entries: Box<[Entry]> = self.open_entries.drain(first_entry..).collect();
        Ok(Node::new(pos, Value::Map(entries)))
    }

    /// A value that fills the rest of a line: a scalar or a flow collection.
    fn inline_value(&mut self, line: usize, offset: usize, text: &'t str) -> Fast<Node> {
        if text.starts_with('[') || text.starts_with('{') {
            let mut flow = Flow {
                reader: self,
                line,
                text,
                base: offset,
                at: 0,
            };
            let node = flow.value()?;
            flow.skip_spaces();
            if flow.at != text.len() {
                return Err(GiveUp);
            }
            return Ok(node);
        }
        let (node, used) = self.scalar(line, offset, text, false)?;
        if used != text.len() {
            return Err(GiveUp);
        }
        Ok(node)
    }

    /// A scalar at the start of `text`; returns it and the bytes it used.
    fn scalar(
        &mut self,
        line: usize,
        offset: usize,
        text: &str,
        in_flow: bool,
    ) -> Fast<(Node, usize)> {
        self.count()?;
        let pos = self.pos(line, offset);
        let (value, used) = match text.as_bytes().first() {
            Some(b'"') => {
                let (text, used) = double_quoted(text)?;
                (Value::Str(text), used)
            }
            Some(b'\'') => {
                let (text, used) = single_quoted(text)?;
                (Value::Str(text), used)
            }
            Some(_) => {
                let used = plain_length(text, in_flow)?;
                (resolve_plain(text[..used].trim_end_matches(' ')), used)
            }
            None => return Err(GiveUp),
        };
        // Templates and huge values get their error (or their leniency) from the full parser.
        if let Value::Str(text) = &value
            && (text.len() > self.limits.max_scalar_bytes
                || self.any_template && is_helm_template(text))
        {
            return Err(GiveUp);
        }
        Ok((Node::new(pos, value), used))
    }
}

/// Where a mapping key ends: `(key, index of the colon)`, or `None` when `content` is not a
/// `key: value` line.
fn key_end(content: &str) -> Fast<Option<(Cow<'_, str>, usize)>> {
    let bytes = content.as_bytes();
    let (key, after) = match bytes.first() {
        Some(b'"') => {
            let (key, used) = double_quoted(content)?;
            (Cow::Owned(key), used)
        }
        Some(b'\'') => {
            let (key, used) = single_quoted(content)?;
            (Cow::Owned(key), used)
        }
        Some(_) => {
            let Some(colon) = find_plain_colon(content) else {
                return Ok(None);
            };
            let key = content[..colon].trim_end_matches(' ');
            if key.is_empty() || starts_with_indicator(key) {
                return Err(GiveUp);
            }
            if resolve_non_string(key).is_some() {
                return Err(GiveUp); // `on:`, `1:`: keys that resolve to non-strings
            }
            // Borrowed: most keys are then shared ones (crate::keys), never copied.
            return Ok(Some((Cow::Borrowed(key), colon)));
        }
        None => return Ok(None),
    };
    let rest = &content[after..];
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    if spaces > 0 {
        return Err(GiveUp);
    }
    if rest.starts_with(':') && (rest.len() == 1 || rest.as_bytes()[1] == b' ') {
        Ok(Some((key, after)))
    } else if rest.is_empty() {
        Ok(None)
    } else {
        Err(GiveUp)
    }
}

/// The first `: ` (or a final `:`) of a plain key, outside quotes and brackets.
fn find_plain_colon(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' => return Some(i),
            b'[' | b']' | b'{' | b'}' | b'"' | b'\'' if i == 0 => return None,
            _ => {}
        }
    }
    None
}

fn starts_with_indicator(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes[0] {
        b'-' | b'?' | b':' => bytes.get(1).is_none_or(|b| *b == b' '),
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => true,
        _ => false,
    }
}

/// The length of a plain scalar at the start of `text` (block context: the whole rest, which
/// must not hold a `: `; flow context: up to `,`, `]` or `}`).
fn plain_length(text: &str, in_flow: bool) -> Fast<usize> {
    if starts_with_indicator(text) {
        return Err(GiveUp);
    }
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b':' if in_flow
                && (i + 1 == bytes.len() || matches!(bytes[i + 1], b' ' | b',' | b']' | b'}')) =>
            {
                end = i; // the end of a key inside a flow mapping
                break;
            }
            b':' if !in_flow && (i + 1 == bytes.len() || bytes[i + 1] == b' ') => {
                return Err(GiveUp);
            }
            b',' | b']' | b'}' | b'[' | b'{' if in_flow => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let used = text[..end].trim_end_matches(' ').len();
    if used == 0 {
        return Err(GiveUp);
    }
    Ok(used)
}

fn double_quoted(text: &str) -> Fast<(String, usize)> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, i + 1)),
            '\\' => {
                let (_, escape) = chars.next().ok_or(GiveUp)?;
                let simple = match escape {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' | 'u' | 'U' => {
                        let digits = match escape {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..digits {
                            let (_, digit) = chars.next().ok_or(GiveUp)?;
                            code = code * 16 + digit.to_digit(16).ok_or(GiveUp)?;
                        }
                        char::from_u32(code).ok_or(GiveUp)?
                    }
                    _ => return Err(GiveUp),
                };
                out.push(simple);
            }
            other => out.push(other),
        }
    }
    Err(GiveUp) // the scalar continues on the next line
}

fn single_quoted(text: &str) -> Fast<(String, usize)> {
    let mut out = String::new();
    let bytes = text.as_bytes();
    let mut i = 1;
    let mut run = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            out.push_str(&text[run..i]);
            if bytes.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                run = i;
                continue;
            }
            return Ok((out, i + 1));
        }
        i += 1;
    }
    Err(GiveUp)
}

/// A flow collection on one line.
struct Flow<'r, 't, 'l> {
    reader: &'r mut Reader<'t, 'l>,
    line: usize,
    text: &'t str,
    base: usize,
    at: usize,
}

impl Flow<'_, '_, '_> {
    fn skip_spaces(&mut self) {
        while self.text.as_bytes().get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn value(&mut self) -> Fast<Node> {
        self.skip_spaces();
        match self.peek() {
            Some(b'[') => self.sequence(),
            Some(b'{') => self.mapping(),
            Some(_) => {
                let (node, used) = self.reader.scalar(
                    self.line,
                    self.base + self.at,
                    &self.text[self.at..],
                    true,
                )?;
                self.at += used;
                Ok(node)
            }
            None => Err(GiveUp),
        }
    }

    fn sequence(&mut self) -> Fast<Node> {
        self.reader.enter()?;
        self.reader.count()?;
        let pos = self.reader.pos(self.line, self.base + self.at);
        self.at += 1;
        let mut items = Vec::new();
        self.skip_spaces();
        if self.peek() == Some(b']') {
            self.at += 1;
            self.reader.depth -= 1;
            return Ok(Node::new(pos, Value::Seq(exact(items))));
        }
        loop {
            let item = self.value()?;
            self.skip_spaces();
            if self.peek() == Some(b':') {
                return Err(GiveUp); // a single-pair mapping inside a sequence
            }
            items.push(item);
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_spaces();
                    if self.peek() == Some(b']') {
                        return Err(GiveUp);
                    }
                }
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(GiveUp),
            }
        }
        self.reader.depth -= 1;
        Ok(Node::new(pos, Value::Seq(exact(items))))
    }

    fn mapping(&mut self) -> Fast<Node> {
        self.reader.enter()?;
        self.reader.count()?;
        let pos = self.reader.pos(self.line, self.base + self.at);
        self.at += 1;
        let mut entries = Vec::new();
        self.skip_spaces();
        if self.peek() == Some(b'}') {
            self.at += 1;
            self.reader.depth -= 1;
            return Ok(Node::new(pos, Value::Map(exact(entries))));
        }
        loop {
            self.skip_spaces();
            let key_pos = self.reader.pos(self.line, self.base + self.at);
            if matches!(self.peek(), Some(b'[' | b'{')) {
                return Err(GiveUp);
            }
            let (key_node, used) =
                self.reader
                    .scalar(self.line, self.base + self.at, &self.text[self.at..], true)?;
            let Value::Str(key) = key_node.value else {
                return Err(GiveUp);
            };
            if key == "<<" {
                return Err(GiveUp);
            }
            self.at += used;
            self.skip_spaces();
            if self.peek() != Some(b':') {
                return Err(GiveUp);
            }
            self.at += 1;
            if !matches!(self.peek(), Some(b' ')) {
                return Err(GiveUp);
            }
            let value = self.value()?;
            entries.push(Entry {
                key: palisade_model::keys::intern(key),
                key_pos,
                value,
            });
            self.skip_spaces();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_spaces();
                    if self.peek() == Some(b'}') {
                        return Err(GiveUp);
                    }
                }
                Some(b'}') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(GiveUp),
            }
        }
        if reject_duplicate_keys(&entries, &[]).is_err() {
            return Err(GiveUp);
        }
        self.reader.depth -= 1;
        Ok(Node::new(pos, Value::Map(exact(entries))))
    }
}

/// `items` without spare capacity. A scan keeps every node until it ends, and a vector grown by
/// doubling carries a quarter to a half of empty slots; one exact copy is cheaper than the
/// memory, which is the larger cost of a big scan.
pub(crate) fn exact<T>(items: Vec<T>) -> Box<[T]> {
    if items.capacity() == items.len() {
        return items.into_boxed_slice();
    }
    // A fresh exact allocation: shrinking in place would keep the block whole.
    let mut exact = Vec::with_capacity(items.len());
    exact.extend(items);
    exact.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::yaml::parse_yaml_full;

    fn same(fast: &[Node], full: &[Node]) -> Result<(), String> {
        if fast.len() != full.len() {
            return Err(format!("{} documents against {}", fast.len(), full.len()));
        }
        for (a, b) in fast.iter().zip(full) {
            compare(a, b, "")?;
        }
        Ok(())
    }

    fn compare(a: &Node, b: &Node, path: &str) -> Result<(), String> {
        if a.pos != b.pos {
            return Err(format!("{path}: position {:?} against {:?}", a.pos, b.pos));
        }
        match (&a.value, &b.value) {
            (Value::Seq(x), Value::Seq(y)) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    compare(p, q, &format!("{path}/{i}"))?;
                }
                Ok(())
            }
            (Value::Map(x), Value::Map(y)) if x.len() == y.len() => {
                for (p, q) in x.iter().zip(y) {
                    if p.key != q.key || p.key_pos != q.key_pos {
                        return Err(format!(
                            "{path}: key {:?}@{:?} against {:?}@{:?}",
                            p.key, p.key_pos, q.key, q.key_pos
                        ));
                    }
                    compare(&p.value, &q.value, &format!("{path}/{}", p.key))?;
                }
                Ok(())
            }
            (Value::Float(x), Value::Float(y)) if x.is_nan() && y.is_nan() => Ok(()),
            (x, y) if x == y => Ok(()),
            (x, y) => Err(format!("{path}: {x:?} against {y:?}")),
        }
    }

    fn check_text(text: &str) -> Result<bool, String> {
        let limits = Limits::default();
        match parse(text, &limits) {
            None => Ok(false),
            Some(fast) => match parse_yaml_full(text, &limits) {
                Ok(full) => same(&fast, &full).map(|()| true),
                Err(error) => Err(format!("the full parser refuses it: {:?}", error)),
            },
        }
    }

    #[test]
    fn agrees_with_the_full_parser_on_tricky_snippets() {
        let cases = [
            "a:\nb: 1\nc:\n  - x\nd:\n- y\ne:   # c\nf: {}\ng: [ ]\nh: {a: 1, b: [x, \"y\"]}\n",
            "- name: web\n  image: nginx\n  ports:\n  - containerPort: 80\n-   name: x\n    v: 'it''s'\n",
            "k: \"\\u00e9\\t\\\"q\\\"\"\nu: ünïcode\n",
            "a: b # comment\nurl: http://x:80/p#frag\nneg: -1\nm: 0644\nt: yes\n",
            "---\na: 1\n---\nb: 2\n",
            "a: 1\r\nb:\r\n  c: 2\r\n",
            "list: [1, 2.5, ~, null, \"s\", 's']\nemptyq: \"\"\n",
            "key with spaces: v\n\"quoted key\": v\n'single': v\n",
            "é: 1\nclé: {é: ü, x: [ä]}\n",
        ];
        for case in cases {
            match check_text(case) {
                Ok(true) => {}
                Ok(false) => panic!("{case:?}: the fast reader should answer for this"),
                Err(problem) => panic!("{case:?}: {problem}"),
            }
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        for case in [
            "a: &x 1\nb: *x\n",
            "a: |\n  text\n",
            "a: !!str 1\n",
            "a: plain\n  continued\n",
            "a: [1,\n  2]\n",
            "? complex\n: key\n",
            "<<: {a: 1}\n",
            "a: 1\na: 2\n",
            "a:\tb\n",
            "name: {{ .Values.x }}\n",
            "name: \"{{ .Values.x }}\"\n",
            // A template spelled with escapes: no `{{` in the text, but in the value.
            "name: \"\\x7b\\x7b .Values.x }}\"\n",
            "name: \"\\u007B{ .Release.Name }}\"\n",
            "a: b: c\n",
            "",
            "# only a comment\n",
        ] {
            assert!(parse(case, &Limits::default()).is_none(), "{case:?}");
        }
    }

    fn yaml_files(root: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(root) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }

    /// Every YAML file of the shared corpus and of this repository: where the fast reader
    /// answers, its tree is the full parser's, positions included.
    #[test]
    fn agrees_with_the_full_parser_on_every_corpus_file() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = std::env::var_os("PALISADE_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest.join("../../../shared/corpus"));
        let mut files = Vec::new();
        yaml_files(&corpus, &mut files);
        if files.is_empty() {
            eprintln!("SKIPPED for the corpus: {} is absent", corpus.display());
        }
        yaml_files(&manifest.join("../../examples"), &mut files);
        yaml_files(
            &manifest.join("../palisade-rules/tests/fixtures"),
            &mut files,
        );
        let (mut fast, mut problems) = (0, Vec::new());
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            match check_text(text) {
                Ok(true) => fast += 1,
                Ok(false) => {}
                Err(problem) => problems.push(format!("{}: {problem}", file.display())),
            }
        }
        eprintln!(
            "fast reader answered for {fast} of {} YAML files",
            files.len()
        );
        assert!(
            problems.is_empty(),
            "{} disagreements:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    fn yaml_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("a"),
            Just("name"),
            Just("k-1"),
            Just("\"q k\""),
            Just("'s'"),
            Just("é"),
            Just("on"),
            Just("1"),
            Just("<<"),
            Just("a b")
        ];
        let scalar = prop_oneof![
            Just("x"),
            Just("0644"),
            Just("yes"),
            Just("~"),
            Just("\"a\\\"b\""),
            Just("'it''s'"),
            Just("http://h:1/p"),
            Just("a #c"),
            Just("[1, b, \"c\"]"),
            Just("{k: v, l: [1]}"),
            Just("{}"),
            Just("[ ]"),
            Just("a: b"),
            Just("&x y"),
            Just("*x"),
            Just("|"),
            Just("-1.5e3"),
            Just("{{ .Values.x }}"),
            Just("ü"),
            Just("[a,"),
            Just("'open")
        ];
        (0usize..7, 0usize..6, key, scalar).prop_map(|(indent, shape, key, scalar)| {
            let pad = " ".repeat(indent);
            match shape {
                0 => format!("{pad}{key}: {scalar}"),
                1 => format!("{pad}{key}:"),
                2 => format!("{pad}- {scalar}"),
                3 => format!("{pad}- {key}: {scalar}"),
                4 => format!("{pad}-"),
                _ => ["---", "# c", "", "...", "- - x"][indent % 5].to_string(),
            }
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Random block YAML: wherever the fast reader answers, the full parser agrees.
        #[test]
        fn random_block_yaml_agrees_with_the_full_parser(
            lines in proptest::collection::vec(yaml_line(), 1..14)
        ) {
            let text = lines.join("\n") + "\n";
            if let Err(problem) = check_text(&text) {
                panic!("{text}\n---- {problem}");
            }
        }
    }
}
