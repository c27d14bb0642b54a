//! YAML text to [`Node`] trees, from saphyr-parser's event stream.
//!
//! Building the tree ourselves (rather than through a YAML value type) lets us resolve scalars
//! as kubectl does, keep the position of every key and value, refuse unrendered templates, and
//! bound alias expansion and nesting before they cost memory.

use std::collections::HashMap;

use palisade_model::{Entry, Node, Pos, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::error::{Limits, LoadError, PositionedError};
use crate::fast::exact;
use crate::resolve::{key_text, resolve_plain, resolve_tagged};
use crate::template::template_near;

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
        merges: Vec<usize>,
    },
}

struct Anchored {
    node: Node,
    nodes: usize,
}

fn pos_of(span: &Span) -> Pos {
    Pos::new(span.start.line() as u32, span.start.col() as u32 + 1)
}

/// Parses a YAML stream into one node per document. An empty document (only comments) is
/// `Value::Null`.
///
/// go-yaml (and so kubectl) accepts continuation lines of flow collections and quoted scalars
/// that are indented less than YAML 1.2 demands, and real manifests rely on it (a closing `]`
/// under its key, a long quoted command wrapped to the left margin). saphyr refuses them, so
/// such a line is indented further and the parse retried; in those places extra indentation
/// changes no value, and the columns of the moved line are corrected afterwards.
pub(crate) fn parse_yaml(text: &str, limits: &Limits) -> Result<Vec<Node>, PositionedError> {
    if let Some(documents) = crate::fast::parse(text, limits) {
        return Ok(documents);
    }
    parse_yaml_full(text, limits)
}

/// The full parser (saphyr), with go-yaml's leniency; the authority on every text.
pub(crate) fn parse_yaml_full(text: &str, limits: &Limits) -> Result<Vec<Node>, PositionedError> {
    const MAX_REINDENTS: usize = 64;
    let first_error = match parse_yaml_strict(text, limits) {
        Ok(documents) => return Ok(documents),
        Err(error) if is_indentation_error(&error) => error,
        Err(error) => return Err(error),
    };
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut shifted: HashMap<u32, u32> = HashMap::new();
    let mut error = first_error.clone();
    for _ in 0..MAX_REINDENTS {
        let index = error.pos.line as usize - 1;
        if index >= lines.len() {
            break;
        }
        let in_quoted = matches!(&error.error, LoadError::Syntax(m) if m.contains("quoted scalar"));
        if in_quoted {
            // The error points at the scalar's start; its under-indented lines follow it.
            reindent_quoted_continuation(&mut lines, index, error.pos.column, &mut shifted);
        } else {
            let previous = lines[..index]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| indentation(l))
                .unwrap_or(0);
            let current = indentation(&lines[index]);
            let added = if previous + 2 > current {
                previous + 2 - current
            } else {
                2
            };
            lines[index] = format!("{}{}", " ".repeat(added), lines[index]);
            *shifted.entry(error.pos.line).or_default() += added as u32;
        }
        match parse_yaml_strict(&lines.join("\n"), limits) {
            Ok(mut documents) => {
                for document in &mut documents {
                    unshift(document, &shifted);
                }
                return Ok(documents);
            }
            Err(next) if is_indentation_error(&next) && next.pos.line > 0 => error = next,
            Err(_) => break,
        }
    }
    Err(first_error)
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Indents the continuation lines of the quoted scalar that starts on line `index` at
/// `column` (1-based characters) until the line that closes it.
fn reindent_quoted_continuation(
    lines: &mut [String],
    index: usize,
    column: u32,
    shifted: &mut HashMap<u32, u32>,
) {
    let quote = lines[index]
        .chars()
        .nth(column.saturating_sub(1) as usize)
        .filter(|c| *c == '"' || *c == '\'')
        .unwrap_or('"');
    let base = indentation(&lines[index]);
    for (offset, line) in lines.iter_mut().enumerate().skip(index + 1) {
        if !line.trim().is_empty() && indentation(line) <= base {
            let added = base + 2 - indentation(line);
            line.insert_str(0, &" ".repeat(added));
            *shifted.entry(offset as u32 + 1).or_default() += added as u32;
        }
        if line.contains(quote) {
            break;
        }
    }
}

fn is_indentation_error(error: &PositionedError) -> bool {
    matches!(&error.error, LoadError::Syntax(message) if message.contains("invalid indentation"))
        && error.pos.line > 0
}

fn unshift(node: &mut Node, shifted: &HashMap<u32, u32>) {
    let fix = |pos: &mut Pos| {
        if let Some(added) = shifted.get(&pos.line) {
            pos.column = pos.column.saturating_sub(*added).max(1);
        }
    };
    fix(&mut node.pos);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|item| unshift(item, shifted)),
        Value::Map(entries) => entries.iter_mut().for_each(|entry| {
            fix(&mut entry.key_pos);
            unshift(&mut entry.value, shifted);
        }),
        _ => {}
    }
}

fn parse_yaml_strict(text: &str, limits: &Limits) -> Result<Vec<Node>, PositionedError> {
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        root: None,
        alias_nodes: 0,
        nodes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => match builder.on_event(event, &span) {
                Ok(true) => break,
                Ok(false) => {}
                Err(error) => return Err(explain_with_template(text, error)),
            },
            Some(Err(error)) => {
                let marker = error.marker();
                let pos = Pos::new(marker.line() as u32, marker.col() as u32 + 1);
                if let Some((snippet, template_pos)) = template_near(text, pos.line) {
                    return Err(PositionedError::new(
                        LoadError::Template { snippet },
                        template_pos,
                    ));
                }
                return Err(PositionedError::new(
                    LoadError::Syntax(format!("invalid YAML: {}", error.info())),
                    pos,
                ));
            }
        }
    }
    Ok(builder.documents)
}

/// A structural error caused by an unrendered template is reported as the template.
pub(crate) fn explain_with_template(text: &str, error: PositionedError) -> PositionedError {
    match error.error {
        LoadError::Syntax(_) | LoadError::Unsupported(_) => {
            match template_near(text, error.pos.line) {
                Some((snippet, pos)) => PositionedError::new(LoadError::Template { snippet }, pos),
                None => error,
            }
        }
        _ => error,
    }
}

struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    documents: Vec<Node>,
    root: Option<Node>,
    alias_nodes: usize,
    nodes: usize,
}

impl Builder<'_> {
    /// Handles one event; `Ok(true)` at the end of the stream.
    fn on_event(&mut self, event: Event<'_>, span: &Span) -> Result<bool, PositionedError> {
        let pos = pos_of(span);
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart(_) => {
                // Anchors belong to one document; saphyr numbers them across the stream.
                self.root = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                let root = self.root.take().unwrap_or(Node::new(pos, Value::Null));
                self.documents.push(root);
            }
            Event::Scalar(text, style, anchor, tag) => {
                if text.len() > self.limits.max_scalar_bytes {
                    return Err(PositionedError::new(
                        LoadError::ScalarTooLarge {
                            size: text.len(),
                            limit: self.limits.max_scalar_bytes,
                        },
                        pos,
                    ));
                }
                let plain = style == ScalarStyle::Plain;
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                if !block && is_helm_template(&text) {
                    return Err(PositionedError::new(
                        LoadError::Template {
                            snippet: snippet(&text),
                        },
                        pos,
                    ));
                }
                let value = match tag.as_deref() {
                    Some(tag) if tag.is_yaml_core_schema() => resolve_tagged(&tag.suffix, &text)
                        .map_err(|message| {
                            PositionedError::new(
                                LoadError::Syntax(format!("invalid tagged value: {message}")),
                                pos,
                            )
                        })?,
                    _ if plain => resolve_plain(&text),
                    _ => Value::Str(text.into_owned()),
                };
                let is_merge_key = plain && matches!(&value, Value::Str(s) if s == "<<");
                self.count(pos, 1)?;
                self.attach(Node::new(pos, value), anchor, is_merge_key)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.expect_value(pos)?;
                self.push(
                    Frame::Seq {
                        pos,
                        anchor,
                        items: Vec::new(),
                    },
                    pos,
                )?;
            }
            Event::MappingStart(anchor, _) => {
                self.expect_value(pos)?;
                self.push(
                    Frame::Map {
                        pos,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        merges: Vec::new(),
                    },
                    pos,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node_and_anchor = match self.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => {
                        (Node::new(pos, Value::Seq(exact(items))), anchor)
                    }
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        merges,
                        ..
                    }) => {
                        reject_duplicate_keys(&entries, &merges)?;
                        (
                            Node::new(pos, Value::Map(exact(apply_merges(entries, &merges, pos)?))),
                            anchor,
                        )
                    }
                    None => {
                        return Err(PositionedError::new(
                            LoadError::Syntax("unbalanced YAML structure".into()),
                            pos,
                        ));
                    }
                };
                self.count(pos, 1)?;
                let (node, anchor) = node_and_anchor;
                self.attach(node, anchor, false)?;
            }
            Event::Alias(id) => {
                let Some(anchored) = self.anchors.get(&id) else {
                    return Err(PositionedError::new(
                        LoadError::Syntax("alias to an unknown anchor".into()),
                        pos,
                    ));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(anchored.nodes);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(PositionedError::new(
                        LoadError::AliasBomb {
                            limit: self.limits.max_alias_nodes,
                        },
                        pos,
                    ));
                }
                let nodes = anchored.nodes;
                let node = anchored.node.clone();
                self.count(pos, nodes)?;
                self.attach(node, 0, false)?;
            }
        }
        Ok(false)
    }

    fn count(&mut self, pos: Pos, nodes: usize) -> Result<(), PositionedError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            return Err(PositionedError::new(
                LoadError::TooManyNodes {
                    limit: self.limits.max_nodes,
                },
                pos,
            ));
        }
        Ok(())
    }

    fn push(&mut self, frame: Frame, pos: Pos) -> Result<(), PositionedError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(PositionedError::new(
                LoadError::TooDeep {
                    limit: self.limits.max_depth,
                },
                pos,
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// A collection may not be a mapping key: Kubernetes objects are JSON, whose keys are strings.
    fn expect_value(&self, pos: Pos) -> Result<(), PositionedError> {
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(PositionedError::new(
                LoadError::Unsupported(
                    "a mapping key that is itself a mapping or list cannot become JSON".into(),
                ),
                pos,
            ));
        }
        Ok(())
    }

    fn attach(
        &mut self,
        node: Node,
        anchor: usize,
        is_merge_key: bool,
    ) -> Result<(), PositionedError> {
        if anchor != 0 {
            let nodes = alias_weight(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    nodes,
                },
            );
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let Some(text) = key_text(&node.value) else {
                        return Err(PositionedError::new(
                            LoadError::Unsupported(
                                "a mapping key that is itself a mapping or list cannot become JSON"
                                    .into(),
                            ),
                            node.pos,
                        ));
                    };
                    if is_merge_key {
                        merges.push(entries.len());
                    }
                    *key = Some((text, node.pos));
                }
                Some((text, key_pos)) => entries.push(Entry {
                    key: palisade_model::keys::intern(text),
                    key_pos,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// YAML 1.1 merge keys (`<<: *defaults`), which go-yaml v2 and so kubectl honour: the merged
/// mapping's keys are added where the explicit mapping does not set them.
fn apply_merges(
    entries: Vec<Entry>,
    merges: &[usize],
    pos: Pos,
) -> Result<Vec<Entry>, PositionedError> {
    if merges.is_empty() {
        return Ok(entries);
    }
    let explicit: Vec<std::borrow::Cow<'static, str>> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !merges.contains(i))
        .map(|(_, e)| e.key.clone())
        .collect();
    let mut result = Vec::with_capacity(entries.len());
    let mut merged_keys: Vec<std::borrow::Cow<'static, str>> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        if !merges.contains(&index) {
            result.push(entry);
            continue;
        }
        let sources: Vec<Node> = match entry.value.value {
            Value::Map(_) => vec![entry.value],
            Value::Seq(items) => items.into_vec(),
            _ => {
                return Err(PositionedError::new(
                    LoadError::Syntax(
                        "a merge key (<<) needs a mapping or a list of mappings".into(),
                    ),
                    pos,
                ));
            }
        };
        for source in sources {
            let Value::Map(source_entries) = source.value else {
                return Err(PositionedError::new(
                    LoadError::Syntax(
                        "a merge key (<<) needs a mapping or a list of mappings".into(),
                    ),
                    source.pos,
                ));
            };
            for merged in source_entries {
                if !explicit.contains(&merged.key) && !merged_keys.contains(&merged.key) {
                    merged_keys.push(merged.key.clone());
                    result.push(merged);
                }
            }
        }
    }
    Ok(result)
}

fn snippet(text: &str) -> String {
    let start = text.find("{{").unwrap_or(0);
    let rest = &text[start..];
    let end = rest.find("}}").map(|i| i + 2).unwrap_or(rest.len()).min(80);
    let mut end = end;
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    format!("`{}`", &rest[..end])
}

/// Whether a (non-block) scalar holds an unrendered Helm template. Rendered manifests carry
/// templates that the application itself expands (Prometheus `{{ $labels.pod }}`, Argo,
/// SPIRE), so only expressions that use Helm's own objects and functions count.
pub(crate) fn is_helm_template(text: &str) -> bool {
    const HELM_WORDS: [&str; 10] = [
        ".Values.",
        ".Release.",
        ".Chart.",
        ".Capabilities.",
        ".Files.",
        "include \"",
        "toYaml ",
        "tpl ",
        "required \"",
        "nindent ",
    ];
    // Most scalars hold no brace at all; a byte scan is far cheaper than a substring search.
    if !text.as_bytes().contains(&b'{') {
        return false;
    }
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start..];
        let end = after.find("}}").map(|i| i + 2).unwrap_or(after.len());
        let expression = &after[..end];
        if HELM_WORDS.iter().any(|word| expression.contains(word)) {
            return true;
        }
        rest = &after[end.max(2)..];
    }
    false
}

/// What expanding an alias to `node` costs against the alias budget: its nodes, plus one per
/// 256 bytes of text, so that aliasing one huge string many times is refused like a node bomb.
fn alias_weight(node: &Node) -> usize {
    1 + match &node.value {
        Value::Str(text) => text.len() / 256,
        Value::Seq(items) => items.iter().map(alias_weight).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|entry| entry.key.len() / 256 + alias_weight(&entry.value))
            .sum(),
        _ => 0,
    }
}

/// A mapping that repeats a key is refused, as the API server's strict field validation (the
/// kubectl default since Kubernetes 1.27) refuses it: a reviewer may read the first value while
/// the cluster gets the last, so palisade does not guess.
pub(crate) fn reject_duplicate_keys(
    entries: &[Entry],
    merges: &[usize],
) -> Result<(), PositionedError> {
    // Without merge keys (nearly always), the entries are the explicit ones as they stand,
    // with no list of them to make.
    if merges.is_empty() {
        return reject_duplicates_among(entries);
    }
    let explicit: Vec<&Entry> = entries
        .iter()
        .enumerate()
        .filter(|(index, _)| !merges.contains(index))
        .map(|(_, entry)| entry)
        .collect();
    reject_duplicates_among(&explicit)
}

fn reject_duplicates_among<E: std::borrow::Borrow<Entry>>(
    explicit: &[E],
) -> Result<(), PositionedError> {
    let duplicate = |first: &Entry, second: &Entry| {
        PositionedError::new(
            LoadError::Syntax(format!(
                "duplicate key {:?} (first at line {} column {}): strict field validation refuses it, and YAML readers disagree on which value wins",
                second.key, first.key_pos.line, first.key_pos.column
            )),
            second.key_pos,
        )
    };
    if explicit.len() <= 32 {
        for (index, second) in explicit.iter().enumerate() {
            let second = second.borrow();
            if let Some(first) = explicit[..index]
                .iter()
                .map(|first| first.borrow())
                .find(|first| first.key == second.key)
            {
                return Err(duplicate(first, second));
            }
        }
    } else {
        let mut seen: HashMap<&str, &Entry> = HashMap::with_capacity(explicit.len());
        for second in explicit {
            let second = second.borrow();
            if let Some(first) = seen.insert(&*second.key, second) {
                return Err(duplicate(first, second));
            }
        }
    }
    Ok(())
}
