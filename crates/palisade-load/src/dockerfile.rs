//! Dockerfiles and Containerfiles into one object whose every instruction knows its line and
//! column, read as BuildKit reads them.
//!
//! The object has `apiVersion: palisade.dev/v1`, `kind: Dockerfile`, the file's path as its
//! name, and this tree:
//!
//! ```yaml
//! instructions:
//!   - instruction: FROM            # upper-case; the node's position is the keyword's
//!     flags: {platform: linux/amd64}
//!     arguments: "golang:1.23 AS build"   # after the flags, continuation lines joined
//!     image: golang:1.23           # FROM: the image as written, and the stage name
//!     stage: build
//!   - instruction: ENV             # ENV, ARG, LABEL: the name/value pairs, unquoted
//!     variables: [{name: GOFLAGS, value: -mod=vendor}]   # `expands: true` when the value uses $VAR
//!   - instruction: RUN
//!     exec: [go, build, ./...]     # the exec (JSON) form, when used
//!   - instruction: COPY
//!     paths: [--from=build, ...]   # ADD, COPY: sources, then the destination
//!     heredocs: [{name: EOF, body: "..."}]   # RUN, COPY, ADD: the here-documents
//!   - instruction: ONBUILD
//!     trigger: {instruction: RUN, ...}
//! ```
//!
//! What BuildKit accepts is accepted: parser directives (`# escape=`), line continuations
//! (with comment and blank lines inside them skipped), heredocs, lower-case keywords, CRLF and
//! a byte-order mark. What it would refuse (an unknown instruction, an instruction before the
//! first `FROM` other than `ARG`, an unterminated heredoc) is an error with its position: such a
//! file is usually not a Dockerfile at all. Work is linear in the size of the file.

use std::borrow::Cow;
use std::sync::Arc;

use palisade_model::{
    DOCKERFILE_KIND, Entry, Node, Object, PALISADE_API_VERSION, Pos, SourceRef, Value,
};

use crate::LoadedFile;
use crate::error::{Limits, LoadError, PositionedError};

/// Every instruction of the Dockerfile reference.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions whose arguments may be a JSON array of strings (the exec form).
const EXEC_FORM: &[&str] = &["ADD", "CMD", "COPY", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"];

/// Instructions that may open here-documents.
const HEREDOC: &[&str] = &["ADD", "COPY", "RUN"];

/// The parser directives BuildKit knows; any other `# name=value` line ends the directives.
const DIRECTIVES: &[&str] = &["check", "escape", "syntax"];

/// Last extensions of `Dockerfile.<suffix>` names that are documentation, backups, templates or
/// build-tool files about a Dockerfile rather than a Dockerfile.
const NOT_A_DOCKERFILE: &[&str] = &[
    "adoc",
    "asc",
    "asciidoc",
    "bak",
    "bash",
    "cfg",
    "conf",
    "diff",
    "dockerignore",
    "erb",
    "gif",
    "go",
    "gz",
    "hbs",
    "htm",
    "html",
    "in",
    "ini",
    "j2",
    "jinja",
    "jinja2",
    "jpeg",
    "jpg",
    "js",
    "json",
    "lock",
    "log",
    "markdown",
    "md",
    "md5",
    "mustache",
    "old",
    "orig",
    "patch",
    "pdf",
    "png",
    "ps1",
    "py",
    "rb",
    "rej",
    "rs",
    "rst",
    "sh",
    "sha256",
    "sig",
    "svg",
    "swo",
    "swp",
    "tar",
    "template",
    "tmp",
    "tmpl",
    "toml",
    "tpl",
    "ts",
    "txt",
    "xml",
    "yaml",
    "yml",
    "zip",
];

/// Whether a file name is a Dockerfile's: `Dockerfile`, `Containerfile`, `api.Dockerfile`,
/// `api.containerfile`, `Dockerfile.dev`, `Containerfile.prod` (any case); but not
/// `Dockerfile.md`, `Dockerfile.bak`, `Dockerfile.tmpl`, `Dockerfile.dockerignore` and the like.
pub fn is_dockerfile_name(name: &str) -> bool {
    for base in ["dockerfile", "containerfile"] {
        if name.eq_ignore_ascii_case(base) {
            return true;
        }
        let stem = strip_suffix_ignoring_case(name, base).and_then(|s| s.strip_suffix('.'));
        if stem.is_some_and(|stem| !stem.is_empty()) {
            return true;
        }
        if let Some(suffix) =
            strip_prefix_ignoring_case(name, base).and_then(|s| s.strip_prefix('.'))
        {
            return is_variant_suffix(suffix);
        }
    }
    false
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignoring_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

fn is_variant_suffix(suffix: &str) -> bool {
    !suffix.is_empty()
        && !suffix.ends_with('.')
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && suffix.rsplit('.').next().is_some_and(|extension| {
            !NOT_A_DOCKERFILE
                .iter()
                .any(|other| other.eq_ignore_ascii_case(extension))
        })
}

/// Loads a Dockerfile as one object; nothing for a file with only comments and blank lines.
pub(crate) fn load_dockerfile(file: Arc<str>, text: &str, limits: &Limits) -> LoadedFile {
    let root = match parse_dockerfile(text, limits) {
        Ok(root) => root,
        Err(error) => return LoadedFile::failed(error.into_input_error(&file)),
    };
    if root
        .get("instructions")
        .is_none_or(|i| i.items().is_empty())
    {
        return LoadedFile::default();
    }
    let source = SourceRef {
        file: file.clone(),
        document: 0,
        item: None,
    };
    let object = Object::new(
        Some(source),
        PALISADE_API_VERSION,
        DOCKERFILE_KIND,
        None,
        file.to_string(),
        root,
    );
    LoadedFile {
        objects: vec![object],
        ..LoadedFile::default()
    }
}

/// The error for a binary file read as a Dockerfile, whose NUL byte is at `offset` of `bytes`.
pub(crate) fn binary_in_bytes(bytes: &[u8], offset: usize) -> PositionedError {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX - 1).saturating_add(1);
    binary(offset, Pos::new(as_u32(line), as_u32(column)))
}

/// The error for a binary file read as a Dockerfile.
fn binary(offset: usize, pos: Pos) -> PositionedError {
    invalid(
        format!("binary file (NUL byte at offset {offset}), not a Dockerfile"),
        pos,
    )
}

fn invalid(message: impl Into<String>, pos: Pos) -> PositionedError {
    PositionedError::new(
        LoadError::Syntax(format!("invalid Dockerfile: {}", message.into())),
        pos,
    )
}

/// User text in a message: quoted, and cut short, since a hostile line can be megabytes long.
fn quoted(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Parses a Dockerfile into its `{instructions: [...]}` tree.
pub(crate) fn parse_dockerfile(text: &str, limits: &Limits) -> Result<Node, PositionedError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(offset) = text.find('\0') {
        return Err(binary(offset, pos_in_text(text, offset)));
    }
    let mut parser = Parser {
        lines: Lines {
            rest: Some(text),
            number: 0,
        },
        escape: '\\',
        limits,
        nodes: 1,
    };
    let mut directives_open = true;
    let mut seen_directives: Vec<String> = Vec::new();
    let mut instructions = Vec::new();
    let mut seen_from = false;
    while let Some((number, raw)) = parser.lines.next() {
        let body = raw.trim_start();
        if directives_open {
            match directive(body) {
                Some((name, value)) if DIRECTIVES.contains(&name.as_str()) => {
                    let pos = Pos::new(number, column_of(raw, raw.len() - body.len()));
                    if seen_directives.contains(&name) {
                        return Err(invalid(
                            format!("only one {name} parser directive can be used"),
                            pos,
                        ));
                    }
                    if name == "escape" {
                        parser.escape = match value {
                            "\\" => '\\',
                            "`" => '`',
                            _ => {
                                return Err(invalid(
                                    format!(
                                        "invalid escape character {}: use \\ or `",
                                        quoted(value)
                                    ),
                                    pos,
                                ));
                            }
                        };
                    }
                    seen_directives.push(name);
                    continue;
                }
                _ => directives_open = false,
            }
        }
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let logical = parser.logical_line(number, raw)?;
        let Some(start) = logical.text.find(|c: char| !c.is_whitespace()) else {
            continue;
        };
        let mut locator = Locator::new(&logical);
        let parsed = parse_instruction(&logical, &mut locator, start, parser.escape, false)?;
        if !seen_from && parsed.keyword != "ARG" && parsed.keyword != "FROM" {
            return Err(invalid(
                format!(
                    "{} before the first FROM; only ARG may come before FROM",
                    parsed.keyword
                ),
                parsed.node.pos,
            ));
        }
        seen_from |= parsed.keyword == "FROM";
        let mut node = parsed.node;
        if !parsed.heredocs.is_empty() {
            let heredocs = parser.read_heredocs(&parsed.heredocs)?;
            push_entry(&mut node, "heredocs", heredocs);
        }
        parser.nodes += node.count_nodes();
        if parser.nodes > limits.max_nodes {
            return Err(PositionedError::new(
                LoadError::TooManyNodes {
                    limit: limits.max_nodes,
                },
                node.pos,
            ));
        }
        instructions.push(node);
    }
    if let Some(first) = instructions.first().filter(|_| !seen_from) {
        return Err(invalid(
            "no FROM instruction; a Dockerfile starts its first stage with FROM",
            first.pos,
        ));
    }
    let first_pos = instructions.first().map_or(Pos::new(1, 1), |i| i.pos);
    Ok(Node::new(
        Pos::new(1, 1),
        Value::Map(Box::new([Entry {
            key: Cow::Borrowed("instructions"),
            key_pos: first_pos,
            value: Node::new(first_pos, Value::Seq(instructions.into())),
        }])),
    ))
}

/// `# name=value` at the top of the file: the lower-case name and the value.
fn directive(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[name_len..].trim_start().strip_prefix('=')?.trim();
    (!value.is_empty()).then(|| (name.to_ascii_lowercase(), value))
}

/// The physical lines of a text, numbered from 1, without their `\n` or `\r\n`.
struct Lines<'a> {
    rest: Option<&'a str>,
    number: u32,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u32, &'a str);

    fn next(&mut self) -> Option<(u32, &'a str)> {
        let rest = self.rest?;
        let (line, rest) = match rest.find('\n') {
            Some(end) => (&rest[..end], Some(&rest[end + 1..])),
            None => (rest, None),
        };
        self.rest = rest;
        self.number = self.number.saturating_add(1);
        Some((self.number, line.strip_suffix('\r').unwrap_or(line)))
    }
}

/// The 1-based column of byte `offset` of `line`, in characters.
fn column_of(line: &str, offset: usize) -> u32 {
    let before = line.get(..offset).unwrap_or(line);
    u32::try_from(before.chars().count())
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1)
}

fn pos_in_text(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line = u32::try_from(before.matches('\n').count())
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1);
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Pos::new(
        line,
        column_of(&before[line_start..], before.len() - line_start),
    )
}

/// One instruction with its continuation lines joined, and where each piece came from.
struct Logical {
    text: String,
    segments: Vec<Segment>,
}

/// The part of the logical line that one physical line contributed.
struct Segment {
    /// Byte offset in the logical text.
    start: usize,
    line: u32,
    column: u32,
}

/// Maps offsets of a logical line to positions. Offsets asked in increasing order cost time
/// linear in the line, so that a megabyte-long instruction with many words stays cheap.
struct Locator<'a> {
    logical: &'a Logical,
    segment: usize,
    offset: usize,
    column: u32,
}

impl<'a> Locator<'a> {
    fn new(logical: &'a Logical) -> Self {
        Locator {
            logical,
            segment: 0,
            offset: 0,
            column: logical.segments.first().map_or(1, |s| s.column),
        }
    }

    fn pos(&mut self, offset: usize) -> Pos {
        let segments = &self.logical.segments;
        if offset < self.offset {
            self.segment = segments
                .partition_point(|s| s.start <= offset)
                .saturating_sub(1);
            self.offset = segments.get(self.segment).map_or(0, |s| s.start);
            self.column = segments.get(self.segment).map_or(1, |s| s.column);
        }
        while let Some(next) = segments.get(self.segment + 1) {
            if next.start > offset {
                break;
            }
            self.segment += 1;
            self.offset = next.start;
            self.column = next.column;
        }
        let skipped = self
            .logical
            .text
            .get(self.offset..offset)
            .map_or(0, |s| s.chars().count());
        self.column = self
            .column
            .saturating_add(u32::try_from(skipped).unwrap_or(u32::MAX));
        self.offset = offset;
        Pos::new(
            segments.get(self.segment).map_or(0, |s| s.line),
            self.column,
        )
    }
}

struct Parser<'a> {
    lines: Lines<'a>,
    escape: char,
    limits: &'a Limits,
    nodes: usize,
}

impl Parser<'_> {
    /// The instruction that starts on `raw`, with its continuation lines.
    fn logical_line(&mut self, number: u32, raw: &str) -> Result<Logical, PositionedError> {
        let body = raw.trim_start();
        let start = Pos::new(number, column_of(raw, raw.len() - body.len()));
        let (content, mut continues) = split_continuation(body, self.escape);
        let mut logical = Logical {
            text: content.to_string(),
            segments: vec![Segment {
                start: 0,
                line: start.line,
                column: start.column,
            }],
        };
        while continues {
            self.check_size(logical.text.len(), start)?;
            let Some((number, raw)) = self.lines.next() else {
                break;
            };
            let trimmed = raw.trim_start();
            // BuildKit drops comment lines and blank lines inside a continued instruction.
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (content, more) = split_continuation(raw, self.escape);
            logical.segments.push(Segment {
                start: logical.text.len(),
                line: number,
                column: 1,
            });
            logical.text.push_str(content);
            continues = more;
        }
        self.check_size(logical.text.len(), start)?;
        Ok(logical)
    }

    fn check_size(&self, size: usize, pos: Pos) -> Result<(), PositionedError> {
        if size > self.limits.max_scalar_bytes {
            return Err(PositionedError::new(
                LoadError::ScalarTooLarge {
                    size,
                    limit: self.limits.max_scalar_bytes,
                },
                pos,
            ));
        }
        Ok(())
    }

    /// Reads the bodies of the here-documents an instruction opened, one after the other.
    fn read_heredocs(&mut self, opened: &[Heredoc]) -> Result<Node, PositionedError> {
        let mut items = Vec::with_capacity(opened.len());
        for heredoc in opened {
            let mut body = String::new();
            let mut body_pos = None;
            loop {
                let Some((number, line)) = self.lines.next() else {
                    return Err(invalid(
                        format!(
                            "unterminated heredoc: no line {} ends the here-document opened here",
                            quoted(&heredoc.name)
                        ),
                        heredoc.pos,
                    ));
                };
                let candidate = if heredoc.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if candidate == heredoc.name {
                    body_pos.get_or_insert(Pos::new(number, 1));
                    break;
                }
                body_pos.get_or_insert(Pos::new(number, 1));
                body.push_str(line);
                body.push('\n');
                self.check_size(body.len(), heredoc.pos)?;
            }
            let body_pos = body_pos.unwrap_or(heredoc.pos);
            items.push(Node::new(
                heredoc.pos,
                Value::Map(Box::new([
                    entry("name", heredoc.pos, Value::Str(heredoc.name.clone())),
                    entry("body", body_pos, Value::Str(body)),
                ])),
            ));
        }
        let pos = items.first().map_or(Pos::UNKNOWN, |item| item.pos);
        Ok(Node::new(pos, Value::Seq(items.into())))
    }
}

/// Removes a trailing escape character (and the blanks after it): whether the line continues.
fn split_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(content) => (content, true),
        None => (line, false),
    }
}

/// A here-document an instruction opened: `<<EOF`, `<<-EOF` (leading tabs stripped from the
/// terminator line), `<<"EOF"`.
struct Heredoc {
    name: String,
    strip_tabs: bool,
    pos: Pos,
}

struct ParsedInstruction {
    keyword: String,
    node: Node,
    heredocs: Vec<Heredoc>,
}

fn entry(key: &'static str, pos: Pos, value: Value) -> Entry {
    Entry {
        key: Cow::Borrowed(key),
        key_pos: pos,
        value: Node::new(pos, value),
    }
}

fn push_entry(node: &mut Node, key: &'static str, value: Node) {
    if let Value::Map(entries) = &mut node.value {
        let mut list = std::mem::take(entries).into_vec();
        list.push(Entry {
            key: Cow::Borrowed(key),
            key_pos: value.pos,
            value,
        });
        *entries = list.into();
    }
}

fn skip_whitespace(text: &str, from: usize) -> usize {
    text.get(from..)
        .and_then(|rest| rest.find(|c: char| !c.is_whitespace()))
        .map_or(text.len(), |skip| from + skip)
}

/// Words separated by whitespace, with their offsets (BuildKit's plain word split).
fn whitespace_words(text: &str, from: usize) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut at = skip_whitespace(text, from);
    while at < text.len() {
        let end = text[at..]
            .find(char::is_whitespace)
            .map_or(text.len(), |length| at + length);
        words.push((at, &text[at..end]));
        at = skip_whitespace(text, end);
    }
    words
}

fn parse_instruction(
    logical: &Logical,
    locator: &mut Locator,
    start: usize,
    escape: char,
    in_onbuild: bool,
) -> Result<ParsedInstruction, PositionedError> {
    let text = logical.text.as_str();
    let keyword_end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |length| start + length);
    let written = &text[start..keyword_end];
    let keyword = written.to_ascii_uppercase();
    let keyword_pos = locator.pos(start);
    if !INSTRUCTIONS.contains(&keyword.as_str()) {
        return Err(invalid(
            format!(
                "unknown instruction {}; is this file a Dockerfile? (instructions are {})",
                quoted(written),
                INSTRUCTIONS.join(", ")
            ),
            keyword_pos,
        ));
    }
    if in_onbuild && matches!(keyword.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
        return Err(invalid(
            format!("ONBUILD cannot trigger {keyword}"),
            keyword_pos,
        ));
    }
    let mut entries = vec![entry(
        "instruction",
        keyword_pos,
        Value::Str(keyword.clone()),
    )];
    let rest_start = skip_whitespace(text, keyword_end);

    if keyword == "ONBUILD" {
        if rest_start >= text.len() {
            return Err(invalid(
                "ONBUILD needs an instruction to trigger",
                keyword_pos,
            ));
        }
        let arguments_pos = locator.pos(rest_start);
        entries.push(entry(
            "arguments",
            arguments_pos,
            Value::Str(text[rest_start..].trim_end().to_string()),
        ));
        let trigger = parse_instruction(logical, locator, rest_start, escape, true)?;
        entries.push(Entry {
            key: Cow::Borrowed("trigger"),
            key_pos: trigger.node.pos,
            value: trigger.node,
        });
        return Ok(ParsedInstruction {
            keyword,
            node: Node::new(keyword_pos, Value::Map(entries.into())),
            heredocs: trigger.heredocs,
        });
    }

    let (flags, arguments_start) = extract_flags(text, rest_start);
    if !flags.is_empty() {
        let mut flag_entries = Vec::with_capacity(flags.len());
        for flag in flags {
            let flag_pos = locator.pos(flag.start);
            let value = match flag.value {
                Some((value_start, value)) => {
                    Node::new(locator.pos(value_start), Value::Str(value))
                }
                None => Node::new(flag_pos, Value::Bool(true)),
            };
            flag_entries.push(Entry {
                key: Cow::Owned(flag.name),
                key_pos: flag_pos,
                value,
            });
        }
        let pos = flag_entries.first().map_or(keyword_pos, |f| f.key_pos);
        entries.push(Entry {
            key: Cow::Borrowed("flags"),
            key_pos: pos,
            value: Node::new(pos, Value::Map(flag_entries.into())),
        });
    }
    let arguments = text[arguments_start.min(text.len())..].trim_end();
    let arguments_pos = locator.pos(arguments_start);
    if !arguments.is_empty() {
        entries.push(entry(
            "arguments",
            arguments_pos,
            Value::Str(arguments.to_string()),
        ));
    }
    let arguments_end = arguments_start + arguments.len();
    let arguments_text = &text[..arguments_end];

    let mut exec = None;
    if EXEC_FORM.contains(&keyword.as_str()) {
        exec = json_strings(arguments_text, arguments_start);
    } else if keyword == "HEALTHCHECK" {
        // `HEALTHCHECK [flags] CMD ["curl", ...]`: the exec form follows CMD.
        if let Some(&(at, word)) = whitespace_words(arguments_text, arguments_start).first()
            && word.eq_ignore_ascii_case("CMD")
        {
            exec = json_strings(arguments_text, skip_whitespace(arguments_text, at + 3));
        }
    }
    if let Some(items) = &exec {
        entries.push(string_list("exec", items, locator, arguments_pos));
    }

    match keyword.as_str() {
        "FROM" => entries.extend(from_parts(
            arguments_text,
            arguments_start,
            locator,
            keyword_pos,
        )?),
        "ENV" | "LABEL" | "ARG" => {
            let variables = variables(
                &keyword,
                arguments_text,
                arguments_start,
                escape,
                locator,
                keyword_pos,
            )?;
            entries.push(variables);
        }
        "ADD" | "COPY" => {
            let paths: Vec<(usize, String)> = match &exec {
                Some(items) => items.clone(),
                None => whitespace_words(arguments_text, arguments_start)
                    .into_iter()
                    .map(|(at, word)| (at, word.to_string()))
                    .collect(),
            };
            if !paths.is_empty() {
                entries.push(string_list("paths", &paths, locator, arguments_pos));
            }
        }
        _ => {}
    }

    let mut heredocs = Vec::new();
    if HEREDOC.contains(&keyword.as_str()) && exec.is_none() && arguments.contains("<<") {
        for (at, end) in shell_words(arguments_text, arguments_start, '\\') {
            if let Some(heredoc) = heredoc_opener(&arguments_text[at..end]) {
                let (name, strip_tabs) = heredoc;
                heredocs.push(Heredoc {
                    name,
                    strip_tabs,
                    pos: locator.pos(at),
                });
            }
        }
    }

    Ok(ParsedInstruction {
        keyword,
        node: Node::new(keyword_pos, Value::Map(entries.into())),
        heredocs,
    })
}

fn string_list(
    key: &'static str,
    items: &[(usize, String)],
    locator: &mut Locator,
    fallback: Pos,
) -> Entry {
    let nodes: Vec<Node> = items
        .iter()
        .map(|(at, value)| Node::new(locator.pos(*at), Value::Str(value.clone())))
        .collect();
    let pos = nodes.first().map_or(fallback, |node| node.pos);
    Entry {
        key: Cow::Borrowed(key),
        key_pos: pos,
        value: Node::new(pos, Value::Seq(nodes.into())),
    }
}

/// `FROM image [AS name]`.
fn from_parts(
    text: &str,
    from: usize,
    locator: &mut Locator,
    keyword_pos: Pos,
) -> Result<Vec<Entry>, PositionedError> {
    let words = whitespace_words(text, from);
    match words.as_slice() {
        [(at, image)] => Ok(vec![entry(
            "image",
            locator.pos(*at),
            Value::Str(image.to_string()),
        )]),
        [(at, image), (_, r#as), (name_at, name)] if r#as.eq_ignore_ascii_case("as") => {
            let image = entry("image", locator.pos(*at), Value::Str(image.to_string()));
            let stage = entry("stage", locator.pos(*name_at), Value::Str(name.to_string()));
            Ok(vec![image, stage])
        }
        _ => Err(invalid(
            "FROM takes an image, optionally followed by AS and a stage name",
            keyword_pos,
        )),
    }
}

/// The name/value pairs of ENV, LABEL (`NAME=value ...`, or the old `NAME value`) and ARG
/// (`NAME` or `NAME=default`, several allowed). Errors never quote the text: it may be a secret.
fn variables(
    keyword: &str,
    text: &str,
    from: usize,
    escape: char,
    locator: &mut Locator,
    keyword_pos: Pos,
) -> Result<Entry, PositionedError> {
    let words = shell_words(text, from, escape);
    let Some(&(first_start, first_end)) = words.first() else {
        return Err(invalid(
            format!("{keyword} needs at least one name"),
            keyword_pos,
        ));
    };
    let mut items = Vec::new();
    let pair = |name: &str, name_pos: Pos, value: Option<(&str, Pos)>| {
        let mut fields = vec![entry("name", name_pos, Value::Str(name.to_string()))];
        if let Some((raw, value_pos)) = value {
            let (value, expands) = unquote(raw, escape);
            fields.push(entry("value", value_pos, Value::Str(value)));
            if expands {
                fields.push(entry("expands", value_pos, Value::Bool(true)));
            }
        }
        Node::new(name_pos, Value::Map(fields.into()))
    };
    if keyword != "ARG" && !text[first_start..first_end].contains('=') {
        // The old form: the first word is the name, everything after it the value.
        let name_end = text[first_start..]
            .find(char::is_whitespace)
            .map_or(text.len(), |length| first_start + length);
        let value_start = skip_whitespace(text, name_end);
        if value_start >= text.len() {
            return Err(invalid(
                format!("{keyword} needs a value after the name (NAME value, or NAME=value)"),
                locator.pos(first_start),
            ));
        }
        let name_pos = locator.pos(first_start);
        let value_pos = locator.pos(value_start);
        items.push(pair(
            &text[first_start..name_end],
            name_pos,
            Some((&text[value_start..], value_pos)),
        ));
    } else {
        for (start, end) in words {
            let word = &text[start..end];
            let name_pos = locator.pos(start);
            match word.split_once('=') {
                Some((name, value)) => {
                    let value_pos = locator.pos(start + name.len() + 1);
                    items.push(pair(name, name_pos, Some((value, value_pos))));
                }
                None if keyword == "ARG" => items.push(pair(word, name_pos, None)),
                None => {
                    return Err(invalid(
                        format!(
                            "{keyword}: a word without '='; write NAME=value pairs and quote values that contain spaces"
                        ),
                        name_pos,
                    ));
                }
            }
        }
    }
    let pos = items.first().map_or(keyword_pos, |item| item.pos);
    Ok(Entry {
        key: Cow::Borrowed("variables"),
        key_pos: pos,
        value: Node::new(pos, Value::Seq(items.into())),
    })
}

/// A `--name[=value]` flag before an instruction's arguments.
struct Flag {
    start: usize,
    name: String,
    value: Option<(usize, String)>,
}

/// BuildKit's flag extraction: `--name=value` words (quotes and `\` removed) up to the first
/// word that does not start with `--`, or a lone `--`. Returns the flags and where the
/// arguments start.
fn extract_flags(text: &str, from: usize) -> (Vec<Flag>, usize) {
    let mut flags = Vec::new();
    let mut at = skip_whitespace(text, from);
    while text[at..].starts_with("--") {
        let mut word = String::new();
        let mut equals: Option<(usize, usize)> = None;
        let mut quote: Option<char> = None;
        let mut end = text.len();
        let mut chars = text[at..].char_indices();
        while let Some((index, c)) = chars.next() {
            let offset = at + index;
            let c = match (quote, c) {
                (None, c) if c.is_whitespace() => {
                    end = offset;
                    break;
                }
                (None, '\'' | '"') => {
                    quote = Some(c);
                    continue;
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    continue;
                }
                (_, '\\') => match chars.next() {
                    Some((_, escaped)) => escaped,
                    None => continue,
                },
                (_, c) => c,
            };
            if c == '=' && equals.is_none() {
                equals = Some((word.len(), offset + 1));
            }
            word.push(c);
        }
        if word == "--" {
            return (flags, skip_whitespace(text, end));
        }
        let (name, value) = match equals {
            Some((split, value_at)) => (
                word[2..split].to_string(),
                Some((value_at.min(text.len()), word[split + 1..].to_string())),
            ),
            None => (word[2..].to_string(), None),
        };
        flags.push(Flag {
            start: at,
            name,
            value,
        });
        at = skip_whitespace(text, end);
    }
    (flags, at)
}

/// Shell words as BuildKit splits them before expansion: whitespace separates words, except
/// inside quotes or after the escape character; quotes stay in the words. Returns byte ranges.
fn shell_words(text: &str, from: usize, escape: char) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text[from.min(text.len())..].char_indices();
    while let Some((index, c)) = chars.next() {
        let offset = from + index;
        match quote {
            None if c.is_whitespace() => {
                if let Some(begin) = start.take() {
                    words.push((begin, offset));
                }
            }
            None => {
                start.get_or_insert(offset);
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    chars.next();
                }
            }
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == escape && q != '\'' {
                    chars.next();
                }
            }
        }
    }
    if let Some(begin) = start {
        words.push((begin, text.len()));
    }
    words
}

/// Removes quotes and escapes from a shell word, without expanding variables. Also says whether
/// the word refers to a variable (`$NAME`, `${NAME}`) that the build would expand.
fn unquote(word: &str, escape: char) -> (String, bool) {
    let mut out = String::with_capacity(word.len());
    let mut expands = false;
    let mut chars = word.chars().peekable();
    let is_variable_start = |next: Option<&char>| {
        next.is_some_and(|&c| c == '{' || c == '_' || c.is_ascii_alphanumeric())
    };
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else if c == '\'' {
            for quoted in chars.by_ref() {
                if quoted == '\'' {
                    break;
                }
                out.push(quoted);
            }
        } else if c == '"' {
            while let Some(quoted) = chars.next() {
                if quoted == '"' {
                    break;
                }
                if quoted == escape {
                    match chars.peek() {
                        Some(&next) if next == '"' || next == '$' || next == escape => {
                            out.push(next);
                            chars.next();
                            continue;
                        }
                        None => continue,
                        _ => {}
                    }
                }
                if quoted == '$' && is_variable_start(chars.peek()) {
                    expands = true;
                }
                out.push(quoted);
            }
        } else {
            if c == '$' && is_variable_start(chars.peek()) {
                expands = true;
            }
            out.push(c);
        }
    }
    (out, expands)
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF` as a whole shell word: the terminator and whether
/// leading tabs are stripped.
fn heredoc_opener(word: &str) -> Option<(String, bool)> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (rest, strip_tabs) = match rest.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let (name, _) = unquote(rest, '\\');
    (!name.is_empty()).then_some((name, strip_tabs))
}

/// A JSON array of strings starting at `from` and filling the rest of `text`: the exec form.
/// Each item with the offset of its opening quote. `None` when it is not one (the shell form).
fn json_strings(text: &str, from: usize) -> Option<Vec<(usize, String)>> {
    let bytes = text.as_bytes();
    let skip = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        at
    };
    if bytes.get(from) != Some(&b'[') {
        return None;
    }
    let mut items = Vec::new();
    let mut at = skip(from + 1);
    if bytes.get(at) == Some(&b']') {
        return (skip(at + 1) == bytes.len()).then_some(items);
    }
    loop {
        at = skip(at);
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let (value, end) = json_string(text, at + 1)?;
        items.push((at, value));
        at = skip(end);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b']') => break,
            _ => return None,
        }
    }
    (skip(at + 1) == bytes.len()).then_some(items)
}

/// A JSON string body from `from` (after the opening quote): its value and the offset after
/// the closing quote.
fn json_string(text: &str, from: usize) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.get(from..)?.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Some((value, from + index + 1)),
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    '"' | '\\' | '/' => value.push(escaped),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'u' => {
                        let unit = hex4(&mut chars)?;
                        let decoded = if (0xD800..0xDC00).contains(&unit) {
                            let rest = chars.as_str();
                            match rest.strip_prefix("\\u").and_then(|r| r.get(..4)) {
                                Some(low_hex) => match u32::from_str_radix(low_hex, 16) {
                                    Ok(low) if (0xDC00..0xE000).contains(&low) => {
                                        chars.nth(5);
                                        char::from_u32(
                                            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                                        )
                                    }
                                    _ => None,
                                },
                                None => None,
                            }
                        } else {
                            char::from_u32(unit)
                        };
                        value.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    _ => return None,
                }
            }
            c if c < ' ' => return None,
            c => value.push(c),
        }
    }
    None
}

fn hex4(chars: &mut std::str::CharIndices) -> Option<u32> {
    let mut unit = 0;
    for _ in 0..4 {
        let (_, digit) = chars.next()?;
        unit = unit * 16 + digit.to_digit(16)?;
    }
    Some(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_dockerfile(text, &Limits::default())
            .unwrap_or_else(|e| panic!("{text:?} should parse: {e:?}"))
    }

    fn error(text: &str) -> PositionedError {
        parse_dockerfile(text, &Limits::default()).expect_err("should be refused")
    }

    fn instructions(root: &Node) -> &[Node] {
        root.get("instructions").expect("instructions").items()
    }

    fn text<'a>(node: &'a Node, key: &str) -> &'a str {
        node.get(key)
            .and_then(Node::as_str)
            .unwrap_or_else(|| panic!("no {key} in {node:?}"))
    }

    fn pos_of(node: &Node, pointer: &str) -> (u32, u32) {
        let pos = node.locate(pointer);
        (pos.line, pos.column)
    }

    #[test]
    fn file_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "api.dockerfile",
            "web.Containerfile",
            "Dockerfile.dev",
            "Dockerfile.prod-alpine",
            "Containerfile.ubi9",
            "Dockerfile.alpine3.19",
            "DOCKERFILE.DEV",
            "é.Dockerfile",
        ] {
            assert!(is_dockerfile_name(name), "{name}");
        }
        for name in [
            "Dockerfile.md",
            "Dockerfile.txt",
            "Dockerfile.bak",
            "Dockerfile.tmpl",
            "Dockerfile.j2",
            "Dockerfile.dockerignore",
            "api.Dockerfile.dockerignore",
            "Dockerfile.yaml",
            "Dockerfile.",
            "Dockerfile.dev.orig",
            "Dockerfile.MD",
            "éDockerfile",
            "Dockerfilé",
            "Dockerfile.a b",
            ".dockerfile",
            "Dockerfiles",
            "dockerfile-lint.yaml",
            "README.md",
            "",
        ] {
            assert!(!is_dockerfile_name(name), "{name}");
        }
    }

    #[test]
    fn instructions_with_positions_flags_and_stages() {
        let root = parse(
            "# syntax=docker/dockerfile:1\n\
             ARG BASE=golang:1.23\n\
             \n\
             from --platform=$BUILDPLATFORM ${BASE} as build\n\
             RUN --mount=type=cache,target=/root/.cache go build ./...\n\
             FROM scratch\n\
             COPY --from=build --chown=10001:10001 --link /out/app /app\n\
             \u{20}\u{20}USER 10001\n",
        );
        let items = instructions(&root);
        assert_eq!(items.len(), 6);
        assert_eq!(text(&items[0], "instruction"), "ARG");
        assert_eq!(pos_of(&root, "/instructions/0"), (2, 1));
        let from = &items[1];
        assert_eq!(text(from, "instruction"), "FROM");
        assert_eq!(text(from, "image"), "${BASE}");
        assert_eq!(text(from, "stage"), "build");
        assert_eq!(
            from.get_path(&["flags", "platform"]).and_then(Node::as_str),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(pos_of(&root, "/instructions/1"), (4, 1));
        assert_eq!(pos_of(&root, "/instructions/1/flags/platform"), (4, 6));
        assert_eq!(pos_of(&root, "/instructions/1/image"), (4, 32));
        assert_eq!(pos_of(&root, "/instructions/1/stage"), (4, 43));
        assert_eq!(pos_of(&root, "/instructions/1/arguments"), (4, 32));
        assert_eq!(
            items[2]
                .get_path(&["flags", "mount"])
                .and_then(Node::as_str),
            Some("type=cache,target=/root/.cache")
        );
        assert_eq!(text(&items[2], "arguments"), "go build ./...");
        let copy = &items[4];
        assert_eq!(
            copy.get_path(&["flags", "from"]).and_then(Node::as_str),
            Some("build")
        );
        assert_eq!(
            copy.get_path(&["flags", "link"]).and_then(Node::as_bool),
            Some(true)
        );
        assert_eq!(
            copy.get("paths").map(|p| p
                .items()
                .iter()
                .filter_map(Node::as_str)
                .collect::<Vec<_>>()),
            Some(vec!["/out/app", "/app"])
        );
        assert_eq!(pos_of(&root, "/instructions/5"), (8, 3));
        assert_eq!(pos_of(&root, "/instructions/5/arguments"), (8, 8));
    }

    #[test]
    fn continuations_comments_and_blank_lines_inside_them() {
        let root = parse(
            "FROM alpine:3.20\n\
             RUN apk add \\\n\
             \x20   # a comment inside the instruction\n\
             \n\
             \x20   curl \\  \n\
             \x20   jq\n\
             ENV A=1 \\\n\
             \x20   B=\"two words\"\n",
        );
        let items = instructions(&root);
        assert_eq!(items.len(), 3);
        assert_eq!(text(&items[1], "arguments"), "apk add     curl     jq");
        let env = items[2].get("variables").unwrap().items();
        assert_eq!(text(&env[1], "name"), "B");
        assert_eq!(text(&env[1], "value"), "two words");
        assert_eq!(pos_of(&root, "/instructions/2/variables/1/name"), (8, 5));
        assert_eq!(pos_of(&root, "/instructions/2/variables/1/value"), (8, 7));
    }

    #[test]
    fn escape_directive_and_windows_paths() {
        let root = parse(
            "# escape=`\n\
             FROM mcr.microsoft.com/windows/servercore:ltsc2022\n\
             COPY app C:\\app\\\n\
             RUN dir `\n\
             \x20 C:\\app\n",
        );
        let items = instructions(&root);
        assert_eq!(items.len(), 3);
        assert_eq!(text(&items[1], "arguments"), "app C:\\app\\");
        assert_eq!(text(&items[2], "arguments"), "dir   C:\\app");
        // A directive after an instruction or a comment is only a comment.
        let root = parse("# hello\n# escape=`\nFROM x\nRUN a `\n");
        assert_eq!(text(&instructions(&root)[1], "arguments"), "a `");
        assert!(format!("{:?}", error("# escape=x\nFROM a\n").error).contains("escape"));
        assert!(
            format!("{:?}", error("# escape=`\n# escape=\\\nFROM a\n").error)
                .contains("only one escape")
        );
    }

    #[test]
    fn exec_and_shell_forms() {
        let root = parse(
            "FROM a\n\
             CMD [\"nginx\", \"-g\", \"daemon off;\"]\n\
             ENTRYPOINT [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\" \\u00e9\"]\n\
             RUN [not json\n\
             HEALTHCHECK --interval=30s CMD [\"curl\", \"-f\", \"http://localhost/\"]\n\
             CMD []\n",
        );
        let items = instructions(&root);
        let exec = |i: usize| {
            items[i].get("exec").map(|e| {
                e.items()
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(exec(1).unwrap(), ["nginx", "-g", "daemon off;"]);
        assert_eq!(exec(2).unwrap()[2], "echo \"hi\" é");
        assert_eq!(exec(3), None);
        assert_eq!(text(&items[3], "arguments"), "[not json");
        assert_eq!(exec(4).unwrap(), ["curl", "-f", "http://localhost/"]);
        assert_eq!(pos_of(&root, "/instructions/1/exec/1"), (2, 15));
        assert_eq!(exec(5).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn heredocs_do_not_leak_into_the_next_instructions() {
        let root = parse(
            "FROM debian:12\n\
             RUN <<EOF\n\
             apt-get update\n\
             USER root\n\
             EOF\n\
             COPY <<-\"CONF\" <<TWO /etc/\n\
             \t\tkey = value\n\
             \tCONF\n\
             second\n\
             TWO\n\
             RUN cat <<'X' > /x && echo \"<<NOT\"\n\
             body\n\
             X\n\
             USER app\n",
        );
        let items = instructions(&root);
        let keywords: Vec<&str> = items.iter().map(|i| text(i, "instruction")).collect();
        assert_eq!(keywords, ["FROM", "RUN", "COPY", "RUN", "USER"]);
        let heredoc = &items[1].get("heredocs").unwrap().items()[0];
        assert_eq!(text(heredoc, "name"), "EOF");
        assert_eq!(text(heredoc, "body"), "apt-get update\nUSER root\n");
        assert_eq!(pos_of(&root, "/instructions/1/heredocs/0/body"), (3, 1));
        let docs = items[2].get("heredocs").unwrap().items();
        assert_eq!(docs.len(), 2);
        assert_eq!(text(&docs[0], "name"), "CONF");
        assert_eq!(text(&docs[1], "body"), "second\n");
        assert_eq!(items[3].get("heredocs").unwrap().items().len(), 1);
        assert_eq!(pos_of(&root, "/instructions/4"), (14, 1));
        // The exec form and other instructions open no here-document.
        let root = parse("FROM a\nRUN [\"echo\", \"<<EOF\"]\nENV X=<<EOF\nUSER a\n");
        assert_eq!(instructions(&root).len(), 4);
    }

    #[test]
    fn env_arg_and_label_forms() {
        let root = parse(
            "ARG VERSION\n\
             ARG A=1 B\n\
             FROM a\n\
             ENV PATH /usr/local/bin:$PATH\n\
             ENV TOKEN='x y' OTHER=\"a\\\"b\" REF=${VERSION} ESC=\\$HOME\n\
             LABEL org.opencontainers.image.title=\"shop web\"\n",
        );
        let items = instructions(&root);
        let vars = |i: usize| items[i].get("variables").unwrap().items();
        assert_eq!(vars(0).len(), 1);
        assert!(vars(0)[0].get("value").is_none());
        assert_eq!(vars(1).len(), 2);
        assert_eq!(text(&vars(1)[0], "value"), "1");
        assert_eq!(text(&vars(3)[0], "name"), "PATH");
        assert_eq!(text(&vars(3)[0], "value"), "/usr/local/bin:$PATH");
        assert_eq!(
            vars(3)[0].get("expands").and_then(Node::as_bool),
            Some(true)
        );
        let env = vars(4);
        assert_eq!(text(&env[0], "value"), "x y");
        assert!(env[0].get("expands").is_none());
        assert_eq!(text(&env[1], "value"), "a\"b");
        assert_eq!(env[2].get("expands").and_then(Node::as_bool), Some(true));
        assert_eq!(text(&env[3], "value"), "$HOME");
        assert!(env[3].get("expands").is_none());
        assert_eq!(text(&vars(5)[0], "value"), "shop web");
    }

    #[test]
    fn onbuild_triggers() {
        let root = parse("FROM a\nONBUILD ADD --chown=1 https://example.com/x.tgz /x\n");
        let trigger = instructions(&root)[1].get("trigger").unwrap();
        assert_eq!(text(trigger, "instruction"), "ADD");
        assert_eq!(pos_of(&root, "/instructions/1/trigger"), (2, 9));
        assert_eq!(pos_of(&root, "/instructions/1/trigger/paths/0"), (2, 23));
        assert!(format!("{:?}", error("FROM a\nONBUILD FROM b\n").error).contains("ONBUILD"));
    }

    #[test]
    fn crlf_bom_and_unicode_columns() {
        let root = parse("\u{feff}FROM a\r\nLABEL é=\"ü\" x=1\r\nRUN a \\\r\n  b\r\n");
        let items = instructions(&root);
        assert_eq!(items.len(), 3);
        assert_eq!(pos_of(&root, "/instructions/1/variables/1/name"), (2, 13));
        assert_eq!(text(&items[2], "arguments"), "a   b");
    }

    #[test]
    fn what_is_not_a_dockerfile_is_refused_with_a_position() {
        let yaml = error("apiVersion: v1\nkind: Pod\n");
        assert_eq!(yaml.pos, Pos::new(1, 1));
        assert!(
            yaml.error
                .to_string()
                .contains("unknown instruction \"apiVersion:\"")
        );

        let nul = error("FROM a\nRUN \0\n");
        assert_eq!(nul.pos, Pos::new(2, 5));
        assert!(format!("{:?}", nul.error).contains("binary"));

        let before_from = error("# comment\nRUN make\nFROM a\n");
        assert_eq!(before_from.pos, Pos::new(2, 1));

        let unterminated = error("FROM a\nRUN <<EOF\necho hi\n");
        assert_eq!(unterminated.pos, Pos::new(2, 5));
        assert!(format!("{:?}", unterminated.error).contains("unterminated heredoc"));

        assert_eq!(error("ARG A=1\n").pos, Pos::new(1, 1));
        assert_eq!(error("FROM a b\n").pos, Pos::new(1, 1));
        assert_eq!(error("FROM\n").pos, Pos::new(1, 1));
        assert_eq!(error("FROM a\nENV ONLYNAME\n").pos, Pos::new(2, 5));
    }

    #[test]
    fn secret_values_never_appear_in_errors() {
        let message = format!("{:?}", error("FROM a\nENV PASSWORD=hunter2 s3cr3t-tail\n"));
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn empty_and_comment_only_files_have_no_instructions() {
        for text in [
            "",
            "\n",
            "# only a comment\n",
            "# syntax=docker/dockerfile:1\n\n",
        ] {
            assert!(instructions(&parse(text)).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn hostile_input_is_bounded() {
        // 100k continuation lines: one instruction, linear time.
        let mut text = String::from("FROM a\nRUN true");
        for _ in 0..100_000 {
            text.push_str(" \\\n  && true");
        }
        text.push('\n');
        let root = parse(&text);
        assert_eq!(instructions(&root).len(), 2);

        // A huge line with many words and an exec form of many items.
        let mut text = String::from("FROM a\nCMD [");
        for i in 0..200_000 {
            if i > 0 {
                text.push(',');
            }
            text.push_str("\"é\"");
        }
        text.push_str("]\n");
        let root = parse(&text);
        assert_eq!(
            pos_of(&root, "/instructions/1/exec/199999"),
            (2, 6 + 199_999 * 4)
        );

        // Over the limit of one value.
        let limits = Limits {
            max_scalar_bytes: 1000,
            ..Limits::default()
        };
        let text = format!("FROM a\nRUN {}\n", "x".repeat(2000));
        let error = parse_dockerfile(&text, &limits).unwrap_err();
        assert!(matches!(error.error, LoadError::ScalarTooLarge { .. }));
        let text = format!("FROM a\nRUN <<EOF\n{}\nEOF\n", "x\n".repeat(1000));
        let error = parse_dockerfile(&text, &limits).unwrap_err();
        assert!(matches!(error.error, LoadError::ScalarTooLarge { .. }));

        let limits = Limits {
            max_nodes: 100,
            ..Limits::default()
        };
        let text = "FROM a\n".to_string() + &"RUN true\n".repeat(100);
        let error = parse_dockerfile(&text, &limits).unwrap_err();
        assert!(matches!(error.error, LoadError::TooManyNodes { .. }));
    }

    #[test]
    fn odd_tokens_do_not_panic() {
        for text in [
            "FROM a\nRUN \\",
            "FROM a\nRUN --",
            "FROM a\nRUN --x=\"unterminated",
            "FROM a\nRUN --x=\\",
            "FROM a\nCOPY \"<<EOF\"",
            "FROM a\nRUN <<",
            "FROM a\nRUN <<-",
            "FROM a\nENV A=\"\\",
            "FROM a\nENV A='x",
            "FROM a\nCMD [\"\\ud800\"]",
            "FROM a\nCMD [\"\\ud800\\u0041\"]",
            "FROM a\nCMD [\"\\u12\"]",
            "FROM a\nCMD [\"a\",]",
            "FROM a\nCMD [\"a\"] x",
            "\\\nFROM a",
            "FROM a\nHEALTHCHECK CMD",
            "FROM a\nHEALTHCHECK",
            "FROM a\nONBUILD",
            "FROM a\nONBUILD ONBUILD",
            "FROM é\nLABEL ü",
        ] {
            let _ = parse_dockerfile(text, &Limits::default());
        }
    }
}
