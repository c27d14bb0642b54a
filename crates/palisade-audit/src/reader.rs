//! Streaming reader of audit events from one source.
//!
//! # What a source may hold
//! - **JSON lines**, as the API server's log backend writes them: one event per line. Blank
//!   lines are skipped, `\r\n` is accepted. A line may also hold an `EventList` or a JSON array
//!   of events.
//! - **Whole documents**: an `EventList` (`{"kind":"EventList","items":[...]}`, as the webhook
//!   backend posts it), a JSON array of events, or one or more pretty-printed events, each
//!   spanning several lines (`jq .` output).
//! - Either of those **gzip-compressed** (recognised by its magic bytes, not its name; several
//!   gzip members one after the other are read as one stream, as `zcat` does).
//!
//! # How the layout is chosen (per source)
//! The first non-blank line decides. If it is a complete JSON value, or not JSON at all, the
//! source is read as JSON lines: every line on its own, so that a broken line costs only that
//! line. If it is the *beginning* of a JSON value (the parser runs out of input, as on a lone
//! `{`), the source is read as documents: lines are gathered until the brackets of the value
//! balance (strings and escapes respected), then the value is decoded, and the next value may
//! follow.
//!
//! A JSON-lines log whose first line was cut short (a log that starts mid-write) looks like the
//! start of a document. So when a gathered document turns out not to be JSON (a syntax error,
//! the end of input, or the size limit), its lines are tried one by one: if any of them is an
//! event, the source was JSON lines after all, those lines are reported line by line and the
//! rest of the source is read as JSON lines. Otherwise the document's one error is reported.
//!
//! # Positions and limits
//! Every event carries the file and the line and column where its JSON starts (for an item of
//! an `EventList`, where the item starts). Every problem is an [`InputError`] with its file and
//! line, and reading goes on with the next line (JSON lines) or the next value (documents). A
//! line over [`Limits::max_line_bytes`] is skipped with an error, without being held in memory.
//! A document over [`Limits::max_document_bytes`] likewise. Memory holds one document, or a
//! batch of lines (below); the items of a list are decoded one at a time as they are asked for.
//! Deep nesting cannot exhaust the stack: the typed fields are a few levels deep, unknown fields
//! and bodies are skipped without recursion, and a body nested past serde_json's recursion
//! limit (128) reads as an error when it is parsed (see [`crate::event::Body`]).
//!
//! # Speed
//! JSON lines are read in batches (up to 256 lines or 512 KiB) that are decoded in parallel on
//! rayon's pool, up to three at a time, and handed on in order, while the next batch is read. A
//! source that may block (a pipe, stdin) never waits to fill a batch: what has arrived is
//! decoded and handed on. A [`Step`] (the audit rules that judge one event alone) runs on the
//! same threads, right after each event is decoded.

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use memchr::memmem;
use palisade_model::{InputError, Location};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use yoke::Yoke;

use crate::event::{AUDIT_GROUP, DecodeError, Event, decode_boxed_event};

/// Bounds that keep a hostile or broken log from using unbounded memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line read, in bytes (without its line break). The API server's own limit on a
    /// request body is 3 MiB, and an event holds at most two bodies and its metadata.
    pub max_line_bytes: usize,
    /// Largest multi-line JSON document (a pretty-printed `EventList`) held in memory.
    pub max_document_bytes: usize,
    /// Most events read from one `EventList` or array; the rest are skipped with an error.
    pub max_list_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 16 * 1024 * 1024,
            max_document_bytes: 256 * 1024 * 1024,
            max_list_items: 1_000_000,
        }
    }
}

/// An event and where its JSON starts. A record fresh from decoding borrows the text it was
/// decoded from (see [`crate::Text`]); [`Record::into_owned`] makes one that outlives it, as
/// the reader's iterator hands out (see [`Step`]).
#[derive(Clone, Debug, PartialEq, yoke::Yokeable)]
pub struct Record<'a> {
    pub location: Location,
    /// Boxed: an event is about 900 bytes, and a record is moved several times between its
    /// decoding and its consumer; a pointer moves for free.
    pub event: Box<Event<'a>>,
}

impl Record<'_> {
    /// The same record without the borrow of the decoded text.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            location: self.location,
            event: Box::new(self.event.into_owned()),
        }
    }
}

/// The text of a batch of lines, shared by the records decoded from it.
type BatchText = Arc<Vec<u8>>;

/// A decoded record together with the text it borrows, which it keeps alive: what a [`Step`]
/// is given, so that an event a later consumer needs (for a rule that remembers) is kept
/// without copying its strings. [`SharedRecord::get`] reads it.
pub struct SharedRecord(Shared);

enum Shared {
    /// Borrows the batch of lines it was decoded from.
    Batch(Yoke<Record<'static>, BatchText>),
    /// Owns its strings (decoded outside a batch: a document, a list item, the first line).
    Owned(Record<'static>),
}

impl SharedRecord {
    pub fn get(&self) -> &Record<'_> {
        match &self.0 {
            Shared::Batch(yoke) => yoke.get(),
            Shared::Owned(record) => record,
        }
    }

    /// The record without the text it borrows (its strings copied).
    pub fn into_record(self) -> Record<'static> {
        match self.0 {
            Shared::Batch(yoke) => yoke.get().clone().into_owned(),
            Shared::Owned(record) => record,
        }
    }
}

impl From<Record<'static>> for SharedRecord {
    fn from(record: Record<'static>) -> Self {
        SharedRecord(Shared::Owned(record))
    }
}

impl fmt::Debug for SharedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// Where a value starts in its source: line and column (in characters), both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Start {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)
    }
}

pub(crate) fn input_error(
    file: &str,
    line: Option<u32>,
    column: Option<u32>,
    message: String,
) -> InputError {
    InputError {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

/// Characters (Unicode scalar values, counting each invalid byte as one) in `bytes`.
fn char_count(bytes: &[u8]) -> u32 {
    let count = bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Turns a position relative to `value` (serde_json's: lines from 1, columns in bytes) into a
/// file position (columns in characters), given where `value` starts.
fn file_position(value: &[u8], start: Start, error: &DecodeError) -> (u32, u32) {
    let mut line_start = 0;
    let mut line = 1u32;
    for newline in memchr::memchr_iter(b'\n', value) {
        if line >= error.line {
            break;
        }
        line += 1;
        line_start = newline + 1;
    }
    let byte_column = usize::try_from(error.column.saturating_sub(1)).unwrap_or(usize::MAX);
    let end = line_start.saturating_add(byte_column).min(value.len());
    let column = char_count(&value[line_start.min(end)..end]) + 1;
    if line == 1 {
        (start.line, start.column.saturating_add(column - 1))
    } else {
        (start.line.saturating_add(line - 1), column)
    }
}

/// What reading produced, in source order: a finished result, a list whose items are decoded
/// when they are asked for, or a result that has been through the reader's [`Step`] already
/// (on the thread that decoded it).
pub(crate) enum Pending<T = Result<Record<'static>, InputError>> {
    Ready(Result<Record<'static>, InputError>),
    List(PendingList),
    Done(T),
}

/// Work done on every result on the threads that decode it, before the results are handed on
/// in order: what needs no other event (the audit rules that judge one event alone) then runs
/// in parallel with decoding, and an event nothing further needs is dropped where it was made.
/// The step sees the record while it still borrows the decoded text (a [`SharedRecord`]), so
/// that no event has its strings copied. See [`EventReader::with_step`].
pub trait Step: Send + Sync + 'static {
    type Output: Send + 'static;
    fn apply(&self, item: Result<SharedRecord, InputError>) -> Self::Output;
}

/// No step: the results as decoded, each record made independent of the decoded text.
pub struct Decoded;

impl Step for Decoded {
    type Output = Result<Record<'static>, InputError>;

    fn apply(&self, item: Result<SharedRecord, InputError>) -> Self::Output {
        item.map(SharedRecord::into_record)
    }
}

/// The items of one `EventList` or array, located but not yet decoded.
pub(crate) struct PendingList {
    text: Vec<u8>,
    items: VecDeque<(usize, usize, Start)>,
}

impl PendingList {
    fn next(&mut self, file: &Arc<str>) -> Option<Result<SharedRecord, InputError>> {
        let (from, to, start) = self.items.pop_front()?;
        let text = &self.text[from..to];
        Some(decode_at(file, text, start, None))
    }
}

/// Decodes one event whose JSON starts at `start`. When `text` is part of a batch's `shared`
/// text, the record borrows that text; otherwise it owns its strings.
fn decode_at(
    file: &Arc<str>,
    text: &[u8],
    start: Start,
    shared: Option<&BatchText>,
) -> Result<SharedRecord, InputError> {
    // Where `text` lies in the batch's text, if it is part of it.
    let in_batch = shared.and_then(|whole| {
        let from = (text.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        let range = from..from.checked_add(text.len())?;
        let part = whole.get(range.clone())?;
        std::ptr::eq(part, text).then_some((whole, range))
    });
    match in_batch {
        Some((whole, range)) => Yoke::try_attach_to_cart(whole.clone(), |whole: &Vec<u8>| {
            decode_record(file, &whole[range], start)
        })
        .map(|yoke| SharedRecord(Shared::Batch(yoke))),
        None => decode_record(file, text, start)
            .map(|record| SharedRecord(Shared::Owned(record.into_owned()))),
    }
}

/// Decodes one event whose JSON starts at `start`.
fn decode_record<'t>(
    file: &Arc<str>,
    text: &'t [u8],
    start: Start,
) -> Result<Record<'t>, InputError> {
    match decode_boxed_event(text) {
        Ok(event) => Ok(Record {
            location: Location {
                file: file.clone(),
                line: start.line,
                column: start.column,
            },
            event,
        }),
        Err(error) => {
            let (line, column) = file_position(text, start, &error);
            Err(input_error(file, Some(line), Some(column), error.message))
        }
    }
}

/// A top-level value that may be a list: what its first pass found.
enum Shape<'t> {
    List {
        kind: Option<String>,
        api_version: Option<String>,
        items: Vec<&'t RawValue>,
        skipped: usize,
    },
    /// An object that is not an `EventList` (an event that merely mentions one).
    Object,
}

struct ShapeSeed {
    max_items: usize,
}

struct ItemsSeed {
    max_items: usize,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = (Vec<&'de RawValue>, usize);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed {
    type Value = (Vec<&'de RawValue>, usize);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of audit events")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Vec::new(), 0))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Vec::new(), 0))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut skipped = 0usize;
        while items.len() < self.max_items {
            match seq.next_element::<&'de RawValue>()? {
                Some(item) => items.push(item),
                None => return Ok((items, 0)),
            }
        }
        // Over the limit: the rest is checked as JSON and counted, never stored.
        while seq.next_element::<IgnoredAny>()?.is_some() {
            skipped += 1;
        }
        Ok((items, skipped))
    }
}

impl<'de> DeserializeSeed<'de> for ShapeSeed {
    type Value = Shape<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ShapeSeed {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an audit event, an EventList or a list of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let (items, skipped) = ItemsSeed {
            max_items: self.max_items,
        }
        .visit_seq(seq)?;
        Ok(Shape::List {
            kind: None,
            api_version: None,
            items,
            skipped,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let mut api_version = None;
        let mut items = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "kind" => kind = map.next_value::<Option<String>>()?,
                "apiVersion" => api_version = map.next_value::<Option<String>>()?,
                "items" => {
                    items = Some(map.next_value_seed(ItemsSeed {
                        max_items: self.max_items,
                    })?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if kind.as_deref() != Some("EventList") {
            return Ok(Shape::Object);
        }
        let (items, skipped) = items.unwrap_or_default();
        Ok(Shape::List {
            kind,
            api_version,
            items,
            skipped,
        })
    }
}

/// Keeps a result for later: the record made independent of the text it was decoded from.
pub(crate) fn ready<T>(result: Result<SharedRecord, InputError>) -> Pending<T> {
    Pending::Ready(result.map(SharedRecord::into_record))
}

/// Where decoded results go, in order: `settle` makes each a pending result ([`ready`] keeps
/// it; a batch applies the reader's step) and `out` holds them.
pub(crate) struct Sink<'s, T> {
    pub settle: &'s dyn Fn(Result<SharedRecord, InputError>) -> Pending<T>,
    pub out: &'s mut Vec<Pending<T>>,
}

impl<T> Sink<'_, T> {
    fn push(&mut self, result: Result<SharedRecord, InputError>) {
        self.out.push((self.settle)(result));
    }
}

/// Decodes one top-level JSON value (a line, or a gathered document) that starts at `start`
/// into events, errors, or a list to decode lazily, handed to `sink`. `text` is trimmed, and
/// part of `shared` when it comes from a batch.
pub(crate) fn decode_value<T>(
    file: &Arc<str>,
    text: &[u8],
    start: Start,
    limits: &Limits,
    list_marker: &memmem::Finder<'_>,
    shared: Option<&BatchText>,
    sink: &mut Sink<'_, T>,
) {
    // Nearly every line is one event: it is decoded as one first. Only an object that is not an
    // event and mentions an EventList is looked at as a list (an EventList fails as an event by
    // its kind); searching every line for the word first was a fiftieth of the reading time.
    if text.first() != Some(&b'[') {
        let decoded = decode_at(file, text, start, shared);
        if decoded.is_ok() || text.first() != Some(&b'{') || list_marker.find(text).is_none() {
            sink.push(decoded);
            return;
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let shape = ShapeSeed {
        max_items: limits.max_list_items,
    }
    .deserialize(&mut deserializer)
    .and_then(|shape| deserializer.end().map(|()| shape));
    let (kind, api_version, items, skipped) = match shape {
        Ok(Shape::Object) => {
            sink.push(decode_at(file, text, start, shared));
            return;
        }
        Ok(Shape::List {
            kind,
            api_version,
            items,
            skipped,
        }) => (kind, api_version, items, skipped),
        Err(error) => {
            let error = DecodeError::from_json(&error, None);
            let (line, column) = file_position(text, start, &error);
            sink.push(Err(input_error(
                file,
                Some(line),
                Some(column),
                error.message,
            )));
            return;
        }
    };
    let what = if kind.is_some() { "EventList" } else { "list" };
    if let Some(version) = api_version.as_deref()
        && version.split_once('/').map(|(group, _)| group) != Some(AUDIT_GROUP)
    {
        sink.push(Err(input_error(
            file,
            Some(start.line),
            Some(start.column),
            format!("not an audit EventList: apiVersion {version:?} (expected audit.k8s.io/v1)"),
        )));
        return;
    }
    if skipped > 0 {
        sink.push(Err(input_error(
            file,
            Some(start.line),
            Some(start.column),
            format!(
                "the {what} has {} events, over the limit of {}: the first {} are read, the rest skipped",
                items.len() + skipped,
                limits.max_list_items,
                items.len()
            ),
        )));
    }
    // Locate each item: its byte range in `text`, and its line and column, counted once
    // from one item to the next.
    let base = text.as_ptr() as usize;
    let mut located = VecDeque::with_capacity(items.len());
    let (mut line, mut line_start, mut counted) = (start.line, 0usize, 0usize);
    for item in items {
        let raw = item.get().as_bytes();
        let from = (raw.as_ptr() as usize).saturating_sub(base).min(text.len());
        let to = from.saturating_add(raw.len()).min(text.len());
        for newline in memchr::memchr_iter(b'\n', &text[counted..from]) {
            line = line.saturating_add(1);
            line_start = counted + newline + 1;
        }
        counted = from;
        let column = char_count(&text[line_start..from]) + 1;
        let column = if line == start.line {
            start.column.saturating_add(column - 1)
        } else {
            column
        };
        located.push_back((from, to, Start { line, column }));
    }
    if !located.is_empty() {
        sink.out.push(Pending::List(PendingList {
            text: text.to_vec(),
            items: located,
        }));
    }
}

/// Decodes one line of JSON lines (blank lines give nothing).
pub(crate) fn decode_line<T>(
    file: &Arc<str>,
    text: &[u8],
    line: u32,
    limits: &Limits,
    list_marker: &memmem::Finder<'_>,
    shared: Option<&BatchText>,
    sink: &mut Sink<'_, T>,
) {
    let (trimmed, front) = trim(text);
    if trimmed.is_empty() {
        return;
    }
    let start = Start {
        line,
        column: char_count(&text[..front]) + 1,
    };
    decode_value(file, trimmed, start, limits, list_marker, shared, sink);
}

/// The finder of the marker that a line may hold a list (checked before the costlier parse).
pub(crate) fn list_marker() -> memmem::Finder<'static> {
    memmem::Finder::new(b"\"EventList\"")
}

/// Strips ASCII whitespace (including `\r` of CRLF lines) from both ends, and tells how many
/// bytes were cut at the front.
pub(crate) fn trim(bytes: &[u8]) -> (&[u8], usize) {
    let front = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let back = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(front, |i| i + 1);
    (&bytes[front..back], front)
}

/// Reads lines into `batch`, up to the batch size, or until the input has nothing more in
/// memory if a read may wait. Returns how the last read ended: `Line` if there may be more,
/// `End`, or the read error (the lines before it are in the batch).
fn read_batch(
    input: &mut dyn BufRead,
    lines: &mut LineBuffer,
    line: &mut u32,
    limits: &Limits,
    may_block: bool,
    batch: &mut Batch,
) -> io::Result<Filled> {
    reuse(&mut batch.text);
    batch.lines.clear();
    loop {
        let from = batch.text.len();
        let filled = lines.fill(input, limits.max_line_bytes, &mut batch.text)?;
        let complete = matches!(filled, Filled::Line { .. });
        if complete || lines.has_partial() {
            *line = line.saturating_add(1);
            batch.lines.push(BatchLine {
                from,
                to: batch.text.len(),
                line: *line,
                overlong: lines.overlong.then_some(lines.length),
            });
            lines.next_line();
        }
        match filled {
            Filled::Line { buffered }
                if (buffered || !may_block)
                    && batch.text.len() < BATCH_BYTES
                    && batch.lines.len() < BATCH_LINES => {}
            other => return Ok(other),
        }
    }
}

/// What [`LineBuffer::fill`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filled {
    /// A line ended; `buffered` tells whether more input is already in memory (so that a
    /// batch may go on without waiting on a pipe).
    Line { buffered: bool },
    /// The input ended (for now); the last line, if it has no line break, is partial.
    End,
}

/// Lines of at most `max` bytes out of a `BufRead`, never holding more than that: the rest of
/// an over-long line is read and dropped.
#[derive(Default)]
pub(crate) struct LineBuffer {
    /// Bytes of the current line, including those dropped.
    pub length: usize,
    /// The current line went over the limit (and none of it is kept).
    pub overlong: bool,
    /// Bytes taken from the input so far, line breaks included.
    pub consumed: u64,
}

impl LineBuffer {
    /// Appends the rest of the current line to `out` (without its line break). An over-long
    /// line is cut from `out` again, back to where it started, and marked `overlong`.
    pub fn fill(
        &mut self,
        input: &mut dyn BufRead,
        max: usize,
        out: &mut Vec<u8>,
    ) -> io::Result<Filled> {
        loop {
            let available = match input.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(Filled::End);
            }
            let (chunk, used, complete) = match memchr::memchr(b'\n', available) {
                Some(at) => (&available[..at], at + 1, true),
                None => (available, available.len(), false),
            };
            let kept = self.length;
            self.length = self.length.saturating_add(chunk.len());
            if !self.overlong {
                if self.length > max {
                    self.overlong = true;
                    out.truncate(out.len().saturating_sub(kept));
                } else {
                    out.extend_from_slice(chunk);
                }
            }
            let buffered = used < available.len();
            input.consume(used);
            self.consumed += used as u64;
            if complete {
                return Ok(Filled::Line { buffered });
            }
        }
    }

    pub fn has_partial(&self) -> bool {
        self.length > 0
    }

    /// Ready for the next line.
    pub fn next_line(&mut self) {
        self.length = 0;
        self.overlong = false;
    }
}

/// Gives a large buffer back rather than keeping it for the whole run: one long line must not
/// keep its memory.
pub(crate) fn reuse(buffer: &mut Vec<u8>) {
    if buffer.capacity() > 1 << 20 {
        *buffer = Vec::new();
    } else {
        buffer.clear();
    }
}

pub(crate) fn overlong_error(file: &str, line: u32, length: usize, max: usize) -> InputError {
    input_error(
        file,
        Some(line),
        None,
        format!("line of {length} bytes is over the limit of {max} bytes; skipped"),
    )
}

/// Gathers the lines of a multi-line JSON value until its brackets balance.
#[derive(Default)]
struct Document {
    text: Vec<u8>,
    start: Option<Start>,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Over the size limit: the value is scanned to its end but not kept.
    skipping: bool,
}

enum Fed {
    /// The value is not finished; the whole slice was taken.
    More,
    /// A value ended after this many bytes of the slice.
    Complete(usize),
    /// A top-level scalar or garbage: the rest of the line, taken as one (bad) value.
    Scalar,
}

impl Document {
    fn feed(&mut self, bytes: &[u8], line: u32, column_base: u32) -> Fed {
        let mut from = 0;
        if self.start.is_none() {
            let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
                return Fed::More;
            };
            let column = column_base + char_count(&bytes[..first]);
            self.start = Some(Start { line, column });
            self.depth = 0;
            self.in_string = false;
            self.escaped = false;
            if !matches!(bytes[first], b'{' | b'[') {
                self.text.extend_from_slice(&bytes[first..]);
                return Fed::Scalar;
            }
            from = first;
        }
        for (at, &byte) in bytes.iter().enumerate().skip(from) {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth = self.depth.saturating_add(1),
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        if !self.skipping {
                            self.text.extend_from_slice(&bytes[from..=at]);
                        }
                        return Fed::Complete(at + 1);
                    }
                }
                _ => {}
            }
        }
        if !self.skipping {
            self.text.extend_from_slice(&bytes[from..]);
        }
        Fed::More
    }

    fn reset(&mut self) {
        self.start = None;
        self.skipping = false;
        if self.text.capacity() > 1 << 20 {
            self.text = Vec::new();
        } else {
            self.text.clear();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Undecided,
    Lines,
    Documents,
}

enum Source {
    Unopened(Box<dyn Read + Send>),
    Open(Box<dyn BufRead + Send>),
    Closed,
}

/// The events of one source, in order, as `Result<Record, InputError>` (or, with a
/// [`Step`], as what the step makes of each).
///
/// ```no_run
/// use palisade_audit::{EventReader, Limits};
/// let reader = EventReader::open("audit.log".as_ref(), Limits::default());
/// for result in reader {
///     match result {
///         Ok(record) => println!("{}:{} {}", record.location.file, record.location.line, record.event),
///         Err(error) => eprintln!("{error}"),
///     }
/// }
/// ```
pub struct EventReader<S: Step = Decoded> {
    file: Arc<str>,
    source: Source,
    limits: Limits,
    gzip: bool,
    lines: LineBuffer,
    /// The current line (outside batches).
    text: Vec<u8>,
    /// The number of the line last read.
    line: u32,
    mode: Mode,
    document: Document,
    pending: VecDeque<Pending<S::Output>>,
    step: Arc<S>,
    marker: Arc<memmem::Finder<'static>>,
    /// Batches of lines being decoded, oldest first (see [`BATCHES_IN_FLIGHT`]).
    in_flight: VecDeque<Flight<S::Output>>,
    /// Buffers of batches that were handed on, to read the next ones into.
    free: Vec<Batch>,
    /// How the last read of a batch ended, when it ended the input (or failed): said once
    /// the batches before it are handed on.
    ended: Option<io::Result<Filled>>,
    /// Whether the last read of a batch left more input at hand, so that reading the next
    /// batch cannot wait.
    at_hand: bool,
    /// Whether a read may wait (a pipe, a terminal): then no read is started only to look
    /// ahead, so that events already read are never held back waiting for more input.
    may_block: bool,
}

/// Lines read ahead in JSON-lines mode, decoded together on all cores.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    lines: Vec<BatchLine>,
}

struct BatchLine {
    from: usize,
    to: usize,
    line: u32,
    /// The length of a line over the limit (none of it is in `text`).
    overlong: Option<usize>,
}

/// A batch ends at this many bytes or lines, or earlier when the input has nothing more in
/// memory: a pipe (`kubectl logs -f | palisade audit -`) is never waited on to fill it.
const BATCH_BYTES: usize = 512 << 10;
const BATCH_LINES: usize = 256;
/// Lines per parallel task: large enough that handing out tasks costs little next to
/// decoding (a few microseconds per event), small enough to share the work evenly.
const CHUNK_LINES: usize = 32;
/// Batches decoded at a time. While the oldest is handed on (by the thread that reads, which
/// also reads the next batch), the others keep every decoding thread busy: with one batch at
/// a time, they waited for that thread at the end of every batch.
const BATCHES_IN_FLIGHT: usize = 3;

/// One batch being decoded on rayon's threads, a task per chunk of [`CHUNK_LINES`] lines.
struct Flight<T> {
    shared: Arc<FlightShared<T>>,
}

struct FlightShared<T> {
    /// The batch's text, which the records decoded from it borrow (see [`SharedRecord`]).
    text: BatchText,
    lines: Vec<BatchLine>,
    state: Mutex<FlightState<T>>,
    finished: Condvar,
}

/// The output of each chunk (or its panic, passed on to whoever waits), and how many chunks
/// are still being decoded.
struct FlightState<T> {
    outputs: Vec<Option<thread::Result<Vec<Pending<T>>>>>,
    remaining: usize,
}

/// Decodes the lines of a batch (or of one chunk of it) and runs the step on each result.
fn decode_lines<S: Step>(
    file: &Arc<str>,
    text: &BatchText,
    lines: &[BatchLine],
    limits: &Limits,
    marker: &memmem::Finder<'_>,
    step: &S,
) -> Vec<Pending<S::Output>> {
    let mut out: Vec<Pending<S::Output>> = Vec::with_capacity(lines.len());
    // Lists stay lazy: their items are decoded, and go through the step, when they are asked
    // for.
    let settle = |result: Result<SharedRecord, InputError>| Pending::Done(step.apply(result));
    for line in lines {
        match line.overlong {
            Some(length) => out.push(settle(Err(overlong_error(
                file,
                line.line,
                length,
                limits.max_line_bytes,
            )))),
            None => decode_line(
                file,
                &text[line.from..line.to],
                line.line,
                limits,
                marker,
                Some(text),
                &mut Sink {
                    settle: &settle,
                    out: &mut out,
                },
            ),
        }
    }
    out
}

impl EventReader {
    /// Reads `name` from `input`; a gzip stream is recognised and decompressed.
    pub fn new(name: &str, input: impl Read + Send + 'static, limits: Limits) -> Self {
        EventReader {
            file: Arc::from(name),
            source: Source::Unopened(Box::new(input)),
            limits,
            gzip: false,
            lines: LineBuffer::default(),
            text: Vec::new(),
            line: 0,
            mode: Mode::Undecided,
            document: Document::default(),
            pending: VecDeque::new(),
            step: Arc::new(Decoded),
            marker: Arc::new(list_marker()),
            in_flight: VecDeque::new(),
            free: Vec::new(),
            ended: None,
            at_hand: false,
            may_block: true,
        }
    }

    /// Reads the file at `path`, or standard input for `-`. A file that cannot be opened gives
    /// one error and no events.
    pub fn open(path: &Path, limits: Limits) -> Self {
        let name = path.to_string_lossy();
        if path.as_os_str() == "-" {
            return EventReader::new("-", io::stdin(), limits);
        }
        match File::open(path) {
            Ok(file) => {
                let regular = file.metadata().is_ok_and(|m| m.is_file());
                let mut reader = EventReader::new(&name, file, limits);
                reader.may_block = !regular;
                reader
            }
            Err(error) => {
                let mut reader = EventReader::new(&name, io::empty(), limits);
                reader.source = Source::Closed;
                reader.fail(None, format!("cannot open: {error}"));
                reader
            }
        }
    }

    /// Runs `step` on every result on the threads that decode (see [`Step`]); the reader
    /// then yields what the step makes of each result, in the same order.
    pub fn with_step<T: Step>(self, step: Arc<T>) -> EventReader<T> {
        let pending = self
            .pending
            .into_iter()
            .map(|pending| match pending {
                Pending::Ready(result) | Pending::Done(result) => Pending::Ready(result),
                Pending::List(list) => Pending::List(list),
            })
            .collect();
        EventReader {
            file: self.file,
            source: self.source,
            limits: self.limits,
            gzip: self.gzip,
            lines: self.lines,
            text: self.text,
            line: self.line,
            mode: self.mode,
            document: self.document,
            pending,
            step,
            marker: self.marker,
            in_flight: VecDeque::new(),
            free: self.free,
            ended: self.ended,
            at_hand: self.at_hand,
            may_block: self.may_block,
        }
    }
}

impl<S: Step> EventReader<S> {
    /// The name events and errors carry (`-` for stdin).
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// Whether the source was gzip-compressed (known once reading has started).
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Lines read so far.
    pub fn lines_read(&self) -> u32 {
        self.line
    }

    /// Memory held for lines (bounded by [`Limits::max_line_bytes`] and the batch size); for
    /// tests.
    pub fn line_capacity(&self) -> usize {
        let batches = self.free.iter().map(|batch| batch.text.capacity());
        let in_flight = self
            .in_flight
            .iter()
            .map(|flight| flight.shared.text.capacity());
        self.text.capacity() + batches.chain(in_flight).sum::<usize>()
    }

    fn fail(&mut self, line: Option<u32>, message: String) {
        self.pending.push_back(Pending::Ready(Err(input_error(
            &self.file, line, None, message,
        ))));
    }

    /// Opens the source: the first two bytes tell gzip from text.
    fn start(&mut self, raw: Box<dyn Read + Send>) -> io::Result<Box<dyn BufRead + Send>> {
        let mut raw = BufReader::with_capacity(256 * 1024, raw);
        let head = loop {
            match raw.fill_buf() {
                Ok(head) => break head,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        // A one-byte first read (a slow pipe) cannot show the magic number; read a second byte
        // through a small chain rather than guess.
        if head.len() == 1 && head[0] == 0x1f {
            let mut first = [0u8; 1];
            raw.read_exact(&mut first)?;
            let mut second = [0u8; 1];
            let got = raw.read(&mut second)?;
            let prefix = io::Cursor::new([first[0], second[0]]).take(1 + got as u64);
            let chained = prefix.chain(raw);
            if got == 1 && second[0] == 0x8b {
                self.gzip = true;
                return Ok(gunzip(Box::new(chained)));
            }
            return Ok(Box::new(BufReader::with_capacity(256 * 1024, chained)));
        }
        if head.starts_with(&[0x1f, 0x8b]) {
            self.gzip = true;
            return Ok(gunzip(Box::new(raw)));
        }
        Ok(Box::new(raw))
    }

    /// Reads on until something is pending or the source is exhausted.
    fn advance(&mut self) {
        let mut input = match std::mem::replace(&mut self.source, Source::Closed) {
            Source::Open(input) => input,
            Source::Unopened(raw) => match self.start(raw) {
                Ok(input) => input,
                Err(error) => {
                    self.fail(None, format!("cannot read: {error}"));
                    return;
                }
            },
            Source::Closed => return,
        };
        while self.pending.is_empty() {
            if self.mode == Mode::Lines {
                self.start_batches(&mut *input);
                if let Some(flight) = self.in_flight.pop_front() {
                    self.land(flight);
                    continue;
                }
                match self.ended.take() {
                    Some(Ok(Filled::End)) => self.finish(),
                    Some(Err(error)) => self.read_failed(&error),
                    Some(Ok(Filled::Line { .. })) | None => continue,
                }
                return;
            }
            match self
                .lines
                .fill(&mut *input, self.limits.max_line_bytes, &mut self.text)
            {
                Ok(Filled::Line { .. }) => {
                    self.line = self.line.saturating_add(1);
                    self.take_line(true);
                }
                Ok(Filled::End) => {
                    if self.lines.has_partial() {
                        self.line = self.line.saturating_add(1);
                        self.take_line(false);
                    }
                    self.finish();
                    return;
                }
                Err(error) => {
                    self.read_failed(&error);
                    return;
                }
            }
        }
        self.source = Source::Open(input);
    }

    fn read_failed(&mut self, error: &io::Error) {
        let line = self.line.saturating_add(1);
        let message = if self.gzip {
            format!(
                "cannot decompress after line {}: {error} (a gzip file cut short or damaged); the events before it were read",
                self.line
            )
        } else {
            format!("cannot read: {error}")
        };
        self.fail(Some(line), message);
    }

    /// Reads batches of lines and starts decoding them, while fewer than
    /// [`BATCHES_IN_FLIGHT`] are being decoded and the input has more at hand: a read that could
    /// wait (a pipe) is only started when nothing read is still held back. A small batch that
    /// nothing is read after is decoded here rather than handed out.
    fn start_batches(&mut self, input: &mut dyn BufRead) {
        while self.ended.is_none()
            && self.in_flight.len() < BATCHES_IN_FLIGHT
            && (self.in_flight.is_empty() || self.at_hand)
        {
            let mut batch = self.free.pop().unwrap_or_default();
            let end = read_batch(
                input,
                &mut self.lines,
                &mut self.line,
                &self.limits,
                self.may_block,
                &mut batch,
            );
            self.at_hand = match end {
                Ok(Filled::Line { buffered }) => buffered || !self.may_block,
                _ => false,
            };
            if !matches!(end, Ok(Filled::Line { .. })) {
                self.ended = Some(end);
            }
            if self.in_flight.is_empty() && !self.at_hand && batch.lines.len() <= CHUNK_LINES {
                let text = Arc::new(std::mem::take(&mut batch.text));
                let out = decode_lines(
                    &self.file,
                    &text,
                    &batch.lines,
                    &self.limits,
                    &self.marker,
                    &*self.step,
                );
                self.pending.extend(out);
                self.reclaim(text, batch.lines);
                return;
            }
            self.in_flight.push_back(self.launch(batch));
        }
    }

    /// Hands out the chunks of `batch` to rayon's threads.
    fn launch(&self, batch: Batch) -> Flight<S::Output> {
        let chunks = batch.lines.len().div_ceil(CHUNK_LINES);
        let mut outputs = Vec::new();
        outputs.resize_with(chunks, || None);
        let shared = Arc::new(FlightShared {
            text: Arc::new(batch.text),
            lines: batch.lines,
            state: Mutex::new(FlightState {
                outputs,
                remaining: chunks,
            }),
            finished: Condvar::new(),
        });
        for chunk in 0..chunks {
            let shared = shared.clone();
            let (file, marker, step) = (self.file.clone(), self.marker.clone(), self.step.clone());
            let limits = self.limits;
            rayon::spawn(move || {
                let lines = &shared.lines;
                let lines =
                    &lines[chunk * CHUNK_LINES..((chunk + 1) * CHUNK_LINES).min(lines.len())];
                // A panic is handed to the thread that waits for the batch, as a scope would.
                let output = catch_unwind(AssertUnwindSafe(|| {
                    decode_lines(&file, &shared.text, lines, &limits, &marker, &*step)
                }));
                let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
                state.outputs[chunk] = Some(output);
                state.remaining -= 1;
                if state.remaining == 0 {
                    shared.finished.notify_one();
                }
            });
        }
        Flight { shared }
    }

    /// Waits until `flight` is decoded and appends its results to `pending`, in order.
    fn land(&mut self, flight: Flight<S::Output>) {
        let outputs = {
            let state = flight
                .shared
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut state = flight
                .shared
                .finished
                .wait_while(state, |state| state.remaining > 0)
                .unwrap_or_else(PoisonError::into_inner);
            std::mem::take(&mut state.outputs)
        };
        for output in outputs.into_iter().flatten() {
            match output {
                Ok(out) => self.pending.extend(out),
                Err(panic) => resume_unwind(panic),
            }
        }
        // The buffers are used again, unless a task has not let go of them yet.
        if let Ok(shared) = Arc::try_unwrap(flight.shared) {
            self.reclaim(shared.text, shared.lines);
        }
    }

    /// Keeps the buffers of a batch to read another into. The text is kept only when no
    /// record borrows it any more (records kept for a rule that remembers hold it until they
    /// are dropped); otherwise the next batch gets a text of its own.
    fn reclaim(&mut self, text: BatchText, lines: Vec<BatchLine>) {
        let text = Arc::try_unwrap(text)
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 4));
        self.free.push(Batch { text, lines });
    }

    /// Hands the current line to the current mode (outside batches).
    fn take_line(&mut self, had_newline: bool) {
        let line = self.line;
        if self.lines.overlong {
            let error = overlong_error(
                &self.file,
                line,
                self.lines.length,
                self.limits.max_line_bytes,
            );
            self.pending.push_back(Pending::Ready(Err(error)));
            // The document this line was part of cannot be decoded without it; scan on to its
            // end (the line most likely was one huge string) rather than read its remaining
            // lines as values of their own.
            if self.mode == Mode::Documents && self.document.start.is_some() {
                self.document.text = Vec::new();
                self.document.skipping = true;
            }
            self.lines.next_line();
            reuse(&mut self.text);
            return;
        }
        let mut text = std::mem::take(&mut self.text);
        let mut skip_bom = 0;
        if line == 1 && text.starts_with(b"\xEF\xBB\xBF") {
            skip_bom = 3;
        }
        match self.mode {
            Mode::Lines => self.line_value(&text[skip_bom..], line),
            Mode::Undecided => {
                let (trimmed, _) = trim(&text[skip_bom..]);
                if !trimmed.is_empty() {
                    let incomplete = matches!(trimmed.first(), Some(b'{' | b'['))
                        && serde_json::from_slice::<IgnoredAny>(trimmed)
                            .is_err_and(|e| e.classify() == serde_json::error::Category::Eof);
                    if incomplete {
                        self.mode = Mode::Documents;
                        if had_newline {
                            text.push(b'\n');
                        }
                        self.document_line(&text[skip_bom..], line);
                    } else {
                        self.mode = Mode::Lines;
                        self.line_value(&text[skip_bom..], line);
                    }
                }
            }
            Mode::Documents => {
                if had_newline {
                    text.push(b'\n');
                }
                self.document_line(&text[skip_bom..], line);
            }
        }
        self.text = text;
        reuse(&mut self.text);
        self.lines.next_line();
    }

    fn line_value(&mut self, text: &[u8], line: u32) {
        let mut out = Vec::with_capacity(1);
        decode_line(
            &self.file,
            text,
            line,
            &self.limits,
            &self.marker,
            None,
            &mut Sink {
                settle: &ready,
                out: &mut out,
            },
        );
        self.pending.extend(out);
    }

    fn document_line(&mut self, text: &[u8], line: u32) {
        let mut from = 0;
        while from < text.len() {
            if self.mode == Mode::Lines {
                // A failed document showed the source to be JSON lines; this line is one.
                self.line_value(&text[from..], line);
                return;
            }
            let column_base = char_count(&text[..from]) + 1;
            match self.document.feed(&text[from..], line, column_base) {
                Fed::More => {
                    if !self.document.skipping
                        && self.document.text.len() > self.limits.max_document_bytes
                    {
                        self.document_over_limit();
                    }
                    return;
                }
                Fed::Complete(used) => {
                    from += used;
                    if self.document.skipping {
                        self.document.reset();
                    } else {
                        self.document_done();
                    }
                }
                Fed::Scalar => {
                    self.document_done();
                    return;
                }
            }
        }
    }

    fn document_over_limit(&mut self) {
        let Some(start) = self.document.start else {
            return;
        };
        let text = std::mem::take(&mut self.document.text);
        if self.lines_fallback(&text, start) {
            self.document.reset();
            return;
        }
        self.fail(
            Some(start.line),
            format!(
                "the JSON document starting at line {} is over the limit of {} bytes; skipped",
                start.line, self.limits.max_document_bytes
            ),
        );
        self.document.text = Vec::new();
        self.document.skipping = true;
    }

    /// A gathered value is complete (or the input ended inside one): decode it.
    fn document_done(&mut self) {
        let Some(start) = self.document.start else {
            return;
        };
        let text = std::mem::take(&mut self.document.text);
        let (trimmed, _) = trim(&text);
        match serde_json::from_slice::<IgnoredAny>(trimmed) {
            Ok(_) => {
                let mut out = Vec::with_capacity(1);
                decode_value(
                    &self.file,
                    trimmed,
                    start,
                    &self.limits,
                    &self.marker,
                    None,
                    &mut Sink {
                        settle: &ready,
                        out: &mut out,
                    },
                );
                self.pending.extend(out);
            }
            Err(error) => {
                if !self.lines_fallback(&text, start) {
                    let error = DecodeError::from_json(&error, None);
                    let (line, column) = file_position(trimmed, start, &error);
                    self.pending.push_back(Pending::Ready(Err(input_error(
                        &self.file,
                        Some(line),
                        Some(column),
                        error.message,
                    ))));
                }
            }
        }
        self.document.text = text;
        self.document.reset();
    }

    /// Tries the lines of a failed document one by one. If any is an event, reports them all
    /// as JSON lines, switches the source to JSON lines and returns `true`.
    fn lines_fallback(&mut self, text: &[u8], start: Start) -> bool {
        let mut results = Vec::new();
        let mut any_event = false;
        let mut line = start.line;
        let mut column = start.column;
        for piece in text.split(|&b| b == b'\n') {
            let (trimmed, front) = trim(piece);
            if !trimmed.is_empty() {
                let at = Start {
                    line,
                    column: column + char_count(&piece[..front]),
                };
                let before = results.len();
                decode_value(
                    &self.file,
                    trimmed,
                    at,
                    &self.limits,
                    &self.marker,
                    None,
                    &mut Sink {
                        settle: &ready,
                        out: &mut results,
                    },
                );
                any_event |= results
                    .iter()
                    .skip(before)
                    .any(|p| matches!(p, Pending::List(_) | Pending::Ready(Ok(_))));
            }
            line = line.saturating_add(1);
            column = 1;
        }
        if any_event {
            self.pending.extend(results);
            self.mode = Mode::Lines;
        }
        any_event
    }

    /// The end of the input.
    fn finish(&mut self) {
        if self.mode == Mode::Documents && self.document.start.is_some() {
            if self.document.skipping {
                let start = self.document.start.map_or(0, |s| s.line);
                self.fail(
                    Some(start),
                    format!("the input ends inside the JSON document starting at line {start}"),
                );
                self.document.reset();
            } else {
                self.document_done();
            }
        }
    }
}

fn gunzip(input: Box<dyn Read + Send>) -> Box<dyn BufRead + Send> {
    Box::new(BufReader::with_capacity(
        256 * 1024,
        flate2::read::MultiGzDecoder::new(input),
    ))
}

/// Takes the next result from `pending`, decoding list items as they come, through `step`
/// if they have not been through it yet.
pub(crate) fn next_pending<S: Step>(
    pending: &mut VecDeque<Pending<S::Output>>,
    file: &Arc<str>,
    step: &S,
) -> Option<S::Output> {
    loop {
        match pending.front_mut()? {
            Pending::List(list) => match list.next(file) {
                Some(result) => return Some(step.apply(result)),
                None => {
                    pending.pop_front();
                }
            },
            _ => match pending.pop_front()? {
                Pending::Ready(result) => return Some(step.apply(result.map(SharedRecord::from))),
                Pending::Done(output) => return Some(output),
                Pending::List(_) => {}
            },
        }
    }
}

/// Results handed from the background thread at a time, and batches it may have ready.
const BACKGROUND_BATCH: usize = 256;
const BACKGROUND_QUEUE: usize = 4;

impl<S: Step> EventReader<S> {
    /// Moves reading and decoding to a thread of its own, so that whoever consumes the events
    /// (detections, a renderer) works while the next ones are decoded. The order, the results
    /// and the memory bound are the same; a few hundred events are held ahead. Events already
    /// decoded are handed on at once, so a slow pipe is not waited on to fill a batch.
    ///
    /// If no thread can be started, the reader runs in the calling thread instead.
    pub fn spawn(self) -> Background<S> {
        let (sender, receiver) = mpsc::sync_channel(BACKGROUND_QUEUE);
        let slot = Arc::new(Mutex::new(Some(self)));
        let shared = slot.clone();
        let started = thread::Builder::new()
            .name("palisade-audit-reader".to_string())
            .spawn(move || {
                let reader = shared.lock().ok().and_then(|mut guard| guard.take());
                if let Some(reader) = reader {
                    produce(reader, &sender);
                }
            });
        match started {
            Ok(_) => Background {
                receiver: Some(receiver),
                inline: None,
                current: Vec::new().into_iter(),
            },
            // The closure never ran: the reader is still in the slot.
            Err(_) => Background {
                receiver: None,
                inline: slot.lock().ok().and_then(|mut guard| guard.take()),
                current: Vec::new().into_iter(),
            },
        }
    }
}

fn produce<S: Step>(mut reader: EventReader<S>, sender: &SyncSender<Vec<S::Output>>) {
    loop {
        let Some(first) = reader.next() else {
            return;
        };
        let mut batch = Vec::with_capacity(BACKGROUND_BATCH);
        batch.push(first);
        while batch.len() < BACKGROUND_BATCH {
            match next_pending(&mut reader.pending, &reader.file, &*reader.step) {
                Some(result) => batch.push(result),
                None => break,
            }
        }
        // The consumer went away: stop reading.
        if sender.send(batch).is_err() {
            return;
        }
    }
}

/// The events of an [`EventReader`] read in a background thread (see [`EventReader::spawn`]).
/// Dropping it stops the thread at its next batch.
pub struct Background<S: Step = Decoded> {
    receiver: Option<Receiver<Vec<S::Output>>>,
    inline: Option<EventReader<S>>,
    current: std::vec::IntoIter<S::Output>,
}

impl<S: Step> Background<S> {
    /// Whether the next result is at hand, so that taking it does not wait for the thread
    /// (which may be waiting for input). A consumer that writes output flushes it when this is
    /// `false`: what it found is then seen before palisade waits for more.
    pub fn ready(&mut self) -> bool {
        if let Some(reader) = self.inline.as_ref() {
            return !reader.pending.is_empty();
        }
        if self.current.len() > 0 {
            return true;
        }
        match self.receiver.as_ref().map(Receiver::try_recv) {
            Some(Ok(batch)) => {
                self.current = batch.into_iter();
                true
            }
            // Disconnected: the next call returns at once (with nothing).
            Some(Err(mpsc::TryRecvError::Disconnected)) | None => true,
            Some(Err(mpsc::TryRecvError::Empty)) => false,
        }
    }
}

impl<S: Step> Iterator for Background<S> {
    type Item = S::Output;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(reader) = self.inline.as_mut() {
            return reader.next();
        }
        loop {
            if let Some(result) = self.current.next() {
                return Some(result);
            }
            let batch = self.receiver.as_ref()?.recv().ok()?;
            self.current = batch.into_iter();
        }
    }
}

impl<S: Step> Iterator for EventReader<S> {
    type Item = S::Output;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = next_pending(&mut self.pending, &self.file, &*self.step) {
                return Some(result);
            }
            if matches!(self.source, Source::Closed) {
                return None;
            }
            self.advance();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;

    fn event(id: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"get"}}"#
        )
    }

    /// Every result as `id@line:column` or `error@line:column: message`.
    fn read_with(input: impl Read + Send + 'static, limits: Limits) -> Vec<String> {
        EventReader::new("test.log", input, limits)
            .map(|result| match result {
                Ok(record) => {
                    assert_eq!(&*record.location.file, "test.log");
                    format!(
                        "{}@{}:{}",
                        record.event.audit_id, record.location.line, record.location.column
                    )
                }
                Err(error) => {
                    assert_eq!(error.file, "test.log");
                    format!(
                        "error@{}:{}: {}",
                        error.line.unwrap_or(0),
                        error.column.unwrap_or(0),
                        error.message
                    )
                }
            })
            .collect()
    }

    fn read(text: impl Into<Vec<u8>>) -> Vec<String> {
        read_with(io::Cursor::new(text.into()), Limits::default())
    }

    fn assert_error(got: &str, at: &str, needle: &str) {
        assert!(
            got.starts_with(&format!("error@{at}")) && got.contains(needle),
            "expected an error at {at} containing {needle:?}, got {got}"
        );
    }

    /// Keeps every record as the step was given it.
    struct KeepAll;

    impl Step for KeepAll {
        type Output = Result<SharedRecord, InputError>;

        fn apply(&self, item: Result<SharedRecord, InputError>) -> Self::Output {
            item
        }
    }

    #[test]
    fn records_kept_by_a_step_borrow_their_batch_and_outlive_the_reading() {
        // Many batches, some lines with escapes (their strings are unescaped copies).
        let ids: Vec<String> = (0..3000)
            .map(|i| {
                if i % 7 == 0 {
                    format!("id-{i}\\u0026")
                } else {
                    format!("id-{i}")
                }
            })
            .collect();
        let log: String = ids.iter().map(|id| event(id) + "\n").collect();
        let kept: Vec<SharedRecord> =
            EventReader::new("kept.log", io::Cursor::new(log), Limits::default())
                .with_step(Arc::new(KeepAll))
                .spawn()
                .map(|result| result.unwrap())
                .collect();
        assert_eq!(kept.len(), ids.len());
        let borrowed = kept
            .iter()
            .filter(|record| matches!(record.0, Shared::Batch(_)))
            .count();
        assert!(
            borrowed > 2900,
            "only {borrowed} records borrow their batch"
        );
        for (i, (record, id)) in kept.iter().zip(&ids).enumerate() {
            let expected = id.replace("\\u0026", "&");
            assert_eq!(record.get().event.audit_id, expected.as_str());
            assert_eq!(record.get().location.line, u32::try_from(i + 1).unwrap());
            assert_eq!(record.get().event.verb, "get");
        }
        let owned = kept.into_iter().nth(7).unwrap().into_record();
        assert_eq!(owned.event.audit_id, "id-7&");
        assert!(!owned.event.audit_id.is_borrowed());
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn json_lines_with_blank_lines_crlf_and_indentation() {
        let text = format!(
            "{}\r\n\r\n   \n  {}\r\n\n{}",
            event("a"),
            event("b"),
            event("c")
        );
        assert_eq!(read(text), ["a@1:1", "b@4:3", "c@6:1"]);
    }

    #[test]
    fn empty_and_blank_inputs_give_nothing() {
        assert!(read("").is_empty());
        assert!(read("\n\n  \r\n\t\n").is_empty());
        assert!(read("\u{feff}").is_empty());
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(read(format!("\u{feff}{}\n", event("a"))), ["a@1:1"]);
        let pretty = "\u{feff}{\n  \"auditID\": \"p\"\n}\n";
        assert_eq!(read(pretty), ["p@1:1"]);
    }

    #[test]
    fn a_malformed_line_is_an_error_and_reading_goes_on() {
        let text = format!(
            "{}\n{{\"kind\":\"Event\",\"auditID\":\"trunc\n{}\n{{\"kind\": 0}}\n{}\n",
            event("a"),
            event("b"),
            event("c")
        );
        let got = read(text);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], "a@1:1");
        assert_error(&got[1], "2:", "EOF while parsing a string");
        assert_eq!(got[2], "b@3:1");
        assert_error(&got[3], "4:10", "kind: invalid type: integer `0`");
        assert_eq!(got[4], "c@5:1");
    }

    #[test]
    fn binary_garbage_and_invalid_utf8_are_errors_per_line() {
        let mut text = event("a").into_bytes();
        text.extend_from_slice(b"\n\x00\x01\x02\xff\xfe garbage \x00\n");
        text.extend_from_slice(b"{\"kind\":\"Event\",\"auditID\":\"bad-\xff\xfe\"}\n");
        text.extend_from_slice(
            b"{\"kind\":\"Event\",\"auditID\":\"ok\",\"userAgent\":\"caf\xc3\xa9\"}\n",
        );
        let got = read(text);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], "a@1:1");
        assert_error(&got[1], "2:4", "invalid UTF-8");
        assert_error(&got[2], "3:32", "invalid UTF-8");
        assert_eq!(got[3], "ok@4:1");
    }

    #[test]
    fn a_100_mb_line_is_skipped_in_bounded_memory() {
        let huge = io::repeat(b'a').take(100 * 1024 * 1024);
        let rest = io::Cursor::new(format!("\n{}\n", event("after")));
        let limits = Limits::default();
        let mut reader = EventReader::new("test.log", huge.chain(rest), limits);
        let first = reader.next();
        let capacity = reader.line_capacity();
        match first {
            Some(Err(error)) => {
                assert_eq!(error.line, Some(1));
                assert!(
                    error.message.contains("104857600 bytes is over the limit"),
                    "{error}"
                );
            }
            other => panic!("expected an error, got {other:?}"),
        }
        assert!(capacity <= limits.max_line_bytes, "held {capacity} bytes");
        match reader.next() {
            Some(Ok(record)) => assert_eq!(
                (record.event.audit_id.as_str(), record.location.line),
                ("after", 2)
            ),
            other => panic!("expected the next event, got {other:?}"),
        }
        assert!(reader.next().is_none());
    }

    #[test]
    fn an_overlong_last_line_without_a_line_break() {
        let limits = Limits {
            max_line_bytes: 100,
            ..Limits::default()
        };
        let text = format!("{}\n{}", event("a"), "x".repeat(200));
        let got = read_with(io::Cursor::new(text), limits);
        assert_eq!(got[0], "a@1:1");
        assert_error(
            &got[1],
            "2:0",
            "line of 200 bytes is over the limit of 100 bytes",
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 100_000;
        let open = "[".repeat(depth);
        let close = "]".repeat(depth);
        // A deep body is valid JSON: the event reads, and its body reports the depth when it
        // is parsed (see event::Body).
        let body = format!("{{\"auditID\":\"deep-body\",\"requestObject\":{open}{close}}}");
        let bare = format!("{open}{close}");
        let field = format!("{{\"auditID\":\"x\",\"user\":{open}{close}}}");
        // Unknown fields are skipped without recursion, however deep.
        let unknown = format!(
            "{{\"auditID\":\"deep-unknown\",\"p_extra\":{}1{}}}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        let broken = format!("{{\"auditID\":\"x\",\"requestObject\":{open}}}");
        let text = format!(
            "{body}\n{bare}\n{field}\n{unknown}\n{broken}\n{}\n",
            event("after")
        );
        let results: Vec<_> =
            EventReader::new("test.log", io::Cursor::new(text), Limits::default()).collect();
        assert_eq!(results.len(), 6);
        match &results[0] {
            Ok(record) => {
                let body = record.event.request_object.as_ref().unwrap();
                assert!(
                    body.value()
                        .is_err_and(|m| m.contains("recursion limit exceeded"))
                );
            }
            Err(error) => panic!("{error}"),
        }
        let got: Vec<String> = results[1..]
            .iter()
            .map(|r| match r {
                Ok(record) => format!("{}@{}", record.event.audit_id, record.location.line),
                Err(error) => format!("error@{}: {}", error.line.unwrap_or(0), error.message),
            })
            .collect();
        assert_error(&got[0], "2", "JSON array");
        assert_error(
            &got[1],
            "3",
            "user: invalid type: sequence, expected an object",
        );
        assert_eq!(got[2], "deep-unknown@4");
        assert_error(&got[3], "5", "expected value");
        assert_eq!(got[4], "after@6");
        // The same as a multi-line document: the bracket scanner has no recursion either.
        let pretty = format!("{open}\n{close}\n{}\n", event("x"));
        let got = read(pretty);
        assert_error(&got[0], "1:", "JSON array");
        assert_eq!(got[1], "x@3:1");
    }

    #[test]
    fn event_lists_and_arrays_on_one_line() {
        let list = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{},{}]}}"#,
            event("a"),
            event("b")
        );
        let column_a = list.find(&event("a")).unwrap() + 1;
        let column_b = list.find(&event("b")).unwrap() + 1;
        let array = format!("[{}, {{\"kind\":0}}, {}]", event("c"), event("d"));
        let got = read(format!("{list}\n{array}\n{}\n", event("e")));
        assert_eq!(got.len(), 6, "{got:?}");
        assert_eq!(got[0], format!("a@1:{column_a}"));
        assert_eq!(got[1], format!("b@1:{column_b}"));
        assert_eq!(got[2], "c@2:2");
        assert!(
            got[3].starts_with("error@2:") && got[3].contains("kind: invalid type"),
            "{got:?}"
        );
        assert_eq!(got[4], format!("d@2:{}", event("c").len() + 16));
        assert_eq!(got[5], "e@3:1");
    }

    #[test]
    fn an_event_that_mentions_event_list_is_still_an_event() {
        let text = r#"{"kind":"Event","auditID":"x","userAgent":"\"EventList\"","requestObject":{"kind":"EventList"}}"#;
        assert_eq!(read(text), ["x@1:1"]);
    }

    #[test]
    fn an_empty_or_null_event_list_gives_nothing() {
        let text = "{\"kind\":\"EventList\",\"items\":[]}\n{\"kind\":\"EventList\",\"items\":null}\n{\"kind\":\"EventList\"}\n[]\n";
        assert!(read(text).is_empty());
    }

    #[test]
    fn event_list_errors() {
        let text = "{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[]}\n{\"kind\":\"EventList\",\"items\":{}}\n{\"kind\":\"EventList\",\"items\":[]} trailing\n";
        let got = read(text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_error(&got[0], "1:1", "not an audit EventList");
        assert_error(&got[1], "2:", "expected a list of audit events");
        assert_error(&got[2], "3:", "trailing characters");
    }

    #[test]
    fn event_lists_are_capped() {
        let items: Vec<String> = (0..5).map(|i| event(&i.to_string())).collect();
        let text = format!("{{\"kind\":\"EventList\",\"items\":[{}]}}", items.join(","));
        let limits = Limits {
            max_list_items: 3,
            ..Limits::default()
        };
        let got = read_with(io::Cursor::new(text), limits);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_error(&got[0], "1:1", "has 5 events, over the limit of 3");
        assert!(
            got[1].starts_with("0@1:") && got[3].starts_with("2@1:"),
            "{got:?}"
        );
    }

    #[test]
    fn pretty_printed_documents() {
        let pretty_event = "{\n  \"kind\": \"Event\",\n  \"auditID\": \"p1\",\n  \"user\": {\"username\": \"a\"}\n}\n";
        let pretty_list = "{\n  \"kind\": \"EventList\",\n  \"items\": [\n    {\n      \"auditID\": \"i1\"\n    },\n    {\"auditID\": \"i2\"}\n  ]\n}\n";
        let text = format!(
            "\n{pretty_event}{pretty_list}{} {}\n[\n  {{\"auditID\": \"a1\"}}\n]\n",
            event("c1"),
            event("c2")
        );
        let got = read(text);
        let c2 = format!("c2@16:{}", event("c1").len() + 2);
        assert_eq!(
            got,
            ["p1@2:1", "i1@10:5", "i2@13:5", "c1@16:1", &c2, "a1@18:3"]
        );
    }

    #[test]
    fn a_broken_pretty_document_is_one_error_and_the_next_one_reads() {
        let broken = "{\n  \"kind\": \"Event\",\n  \"auditID\": \"p1\"\n  \"verb\": \"get\"\n}\n";
        let typed = "{\n  \"kind\": \"Event\",\n  \"auditID\": \"p2\",\n  \"verb\": 7\n}\n";
        let good = "{\n  \"auditID\": \"p3\"\n}\n";
        let got = read(format!("{broken}{typed}{good}"));
        assert_eq!(got.len(), 3, "{got:?}");
        assert_error(&got[0], "4:3", "expected `,` or `}`");
        assert_error(&got[1], "9:", "verb: invalid type: integer `7`");
        assert_eq!(got[2], "p3@11:1");
    }

    #[test]
    fn a_truncated_document_at_the_end_is_an_error() {
        let text = "{\n  \"kind\": \"Event\",\n  \"auditID\": \"p1\",\n";
        let got = read(text);
        assert_eq!(got.len(), 1, "{got:?}");
        // At the end of the input, after the last `,`.
        assert_error(&got[0], "3:18", "EOF while parsing an object");
        // Garbage at the top level of a document source.
        let got = read("{\n\"auditID\": \"a\"\n}\nnonsense\n{\"auditID\": \"b\"}\n");
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], "a@1:1");
        assert_error(&got[1], "4:2", "expected ident");
        assert_eq!(got[2], "b@5:1");
    }

    #[test]
    fn json_lines_whose_first_line_is_cut_short() {
        // The first line looks like the start of a document; the lines after it show that
        // the source is JSON lines.
        let text = format!(
            "{{\"kind\":\"Event\",\"auditID\":\"cut\",\n{}\n{}\n{{broken\n{}\n",
            event("a"),
            event("b"),
            event("c")
        );
        let got = read(text);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_error(&got[0], "1:", "EOF");
        assert_eq!(got[1], "a@2:1");
        assert_eq!(got[2], "b@3:1");
        assert_error(&got[3], "4:2", "key must be a string");
        assert_eq!(got[4], "c@5:1");
    }

    #[test]
    fn a_document_over_the_limit_is_skipped() {
        let limits = Limits {
            max_document_bytes: 100,
            ..Limits::default()
        };
        let big = format!(
            "{{\n  \"auditID\": \"big\",\n{}  \"verb\": \"get\"\n}}\n",
            "  \"userAgent\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\n".repeat(10)
        );
        let small = "{\n  \"auditID\": \"small\"\n}\n";
        let got = read_with(io::Cursor::new(format!("{big}{small}")), limits);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_error(&got[0], "1:0", "over the limit of 100 bytes");
        assert_eq!(got[1], format!("small@{}:1", big.lines().count() + 1));
        // Over the limit and never closed.
        let got = read_with(io::Cursor::new(big[..big.len() - 3].to_string()), limits);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_error(&got[1], "1:0", "input ends inside the JSON document");
    }

    #[test]
    fn non_events_are_errors() {
        let text = "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}\n{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{}}\n42\n\"text\"\n";
        let got = read(text);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_error(&got[0], "1:1", "not an audit event: kind \"Pod\"");
        assert_error(&got[1], "2:1", "a cluster Event");
        assert_error(&got[2], "3:", "invalid type: integer");
        assert_error(&got[3], "4:", "invalid type: string");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "{\"auditID\":\"é\",\"verb\":1}\n";
        let got = read(text);
        // `1` is the 23rd character (24th byte).
        assert_error(&got[0], "1:23", "verb: invalid type");
    }

    #[test]
    fn gzip_files_and_concatenated_members() {
        let plain = format!("{}\n{}\n", event("a"), event("b"));
        let mut data = gzip(plain.as_bytes());
        data.extend(gzip(format!("{}\n", event("c")).as_bytes()));
        let mut reader = EventReader::new("test.log.gz", io::Cursor::new(data), Limits::default());
        let ids: Vec<String> = reader
            .by_ref()
            .map(|r| {
                r.map(|r| format!("{}@{}", r.event.audit_id, r.location.line))
                    .unwrap_or_else(|e| e.to_string())
            })
            .collect();
        assert_eq!(ids, ["a@1", "b@2", "c@3"]);
        assert!(reader.is_gzip());
        let pretty =
            gzip(b"{\n  \"kind\": \"EventList\",\n  \"items\": [{\"auditID\": \"x\"}]\n}\n");
        assert_eq!(read(pretty), ["x@3:13"]);
    }

    #[test]
    fn a_gzip_file_cut_in_the_middle() {
        let lines: String = (0..2000).map(|i| event(&format!("e{i}")) + "\n").collect();
        let data = gzip(lines.as_bytes());
        let cut = data[..data.len() / 2].to_vec();
        let got = read(cut);
        let (events, errors): (Vec<_>, Vec<_>) = got.iter().partition(|g| !g.starts_with("error"));
        assert!(!events.is_empty(), "the events before the cut are read");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("gzip file cut short"), "{errors:?}");
        assert!(
            events
                .iter()
                .enumerate()
                .all(|(i, e)| e.starts_with(&format!("e{i}@{}:", i + 1)))
        );
        // Just the magic number.
        let got = read(vec![0x1f, 0x8b]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("gzip"), "{got:?}");
    }

    /// A reader that hands out one byte per call, as a slow pipe may.
    struct Trickle(io::Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let len = buf.len().min(1);
            self.0.read(&mut buf[..len])
        }
    }

    #[test]
    fn gzip_is_recognised_from_a_trickling_pipe() {
        let data = gzip(format!("{}\n", event("slow")).as_bytes());
        let got = read_with(Trickle(io::Cursor::new(data)), Limits::default());
        assert_eq!(got, ["slow@1:1"]);
        // A lone 0x1f that is not gzip.
        let got = read_with(
            Trickle(io::Cursor::new(b"\x1f\n".to_vec())),
            Limits::default(),
        );
        assert_eq!(got.len(), 1);
        assert_error(&got[0], "1:1", "expected value");
        let text = format!("{}\n{}\n", event("a"), event("b"));
        let got = read_with(
            Trickle(io::Cursor::new(text.into_bytes())),
            Limits::default(),
        );
        assert_eq!(got, ["a@1:1", "b@2:1"]);
    }

    #[test]
    fn files_stdin_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        std::fs::write(&path, format!("{}\n", event("f"))).unwrap();
        let got: Vec<_> = EventReader::open(&path, Limits::default()).collect();
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .as_ref()
                .is_ok_and(|r| *r.location.file == *path.to_string_lossy())
        );
        let missing: Vec<_> =
            EventReader::open(&dir.path().join("nope"), Limits::default()).collect();
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0]
                .as_ref()
                .is_err_and(|e| e.message.starts_with("cannot open") && e.line.is_none())
        );
        let directory: Vec<_> = EventReader::open(dir.path(), Limits::default()).collect();
        assert_eq!(directory.len(), 1);
        assert!(directory[0].is_err());
        assert_eq!(
            &**EventReader::open(Path::new("-"), Limits::default()).file(),
            "-"
        );
    }

    fn describe(result: Result<Record, InputError>) -> String {
        match result {
            Ok(record) => format!(
                "{}@{}:{}",
                record.event.audit_id, record.location.line, record.location.column
            ),
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn the_background_reader_gives_the_same_results() {
        let mut text = String::new();
        for i in 0..3000 {
            match i % 500 {
                7 => text.push_str("{broken\n"),
                8 => text.push_str(&format!(
                    "{{\"kind\":\"EventList\",\"items\":[{},{}]}}\n",
                    event("l1"),
                    event("l2")
                )),
                // Joined to the event line after it: an over-long line, and that event is lost.
                9 => text.push_str(&"x".repeat(1200)),
                _ => {}
            }
            text.push_str(&event(&format!("e{i}")));
            text.push('\n');
        }
        let limits = Limits {
            max_line_bytes: 1000,
            ..Limits::default()
        };
        let direct: Vec<String> = EventReader::new("t", io::Cursor::new(text.clone()), limits)
            .map(describe)
            .collect();
        let background: Vec<String> = EventReader::new("t", io::Cursor::new(text), limits)
            .spawn()
            .map(describe)
            .collect();
        // 3000 events, 6 times: one lost, a broken line, an over-long one, a list of two.
        assert_eq!(direct.len(), 3000 - 6 + 6 * 4);
        assert_eq!(
            direct
                .iter()
                .filter(|d| d.contains("over the limit"))
                .count(),
            6
        );
        assert_eq!(direct, background);
        // Dropped early: the thread stops by itself, nothing waits for it.
        struct Endless(Vec<u8>, usize);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let mut n = 0;
                while n < buf.len() {
                    buf[n] = self.0[self.1 % self.0.len()];
                    self.1 += 1;
                    n += 1;
                }
                Ok(n)
            }
        }
        let line = format!("{}\n", event("endless")).into_bytes();
        let mut early = EventReader::new("t", Endless(line, 0), limits).spawn();
        assert!(early.next().is_some_and(|r| r.is_ok()));
        drop(early);
    }

    /// A pipe whose writer is another thread: each read returns what was written so far, or
    /// waits.
    struct Pipe(mpsc::Receiver<Vec<u8>>, io::Cursor<Vec<u8>>);

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1.position() as usize == self.1.get_ref().len() {
                match self.0.recv() {
                    Ok(chunk) => self.1 = io::Cursor::new(chunk),
                    Err(_) => return Ok(0),
                }
            }
            self.1.read(buf)
        }
    }

    #[test]
    fn events_from_a_pipe_are_not_held_back() {
        for background in [false, true] {
            let (write, read) = mpsc::channel::<Vec<u8>>();
            let (send, results) = mpsc::channel();
            let consumer = thread::spawn(move || {
                let reader = EventReader::new(
                    "-",
                    Pipe(read, io::Cursor::new(Vec::new())),
                    Limits::default(),
                );
                let events: Box<dyn Iterator<Item = _>> = if background {
                    Box::new(reader.spawn())
                } else {
                    Box::new(reader)
                };
                for result in events {
                    if send.send(describe(result)).is_err() {
                        break;
                    }
                }
            });
            let wait = std::time::Duration::from_secs(20);
            for i in 0..3 {
                write
                    .send(format!("{}\n", event(&format!("p{i}"))).into_bytes())
                    .unwrap();
                // Each event arrives while the writer still holds the pipe open.
                assert_eq!(
                    results.recv_timeout(wait).unwrap(),
                    format!("p{i}@{}:1", i + 1)
                );
            }
            drop(write);
            consumer.join().unwrap();
            assert!(results.try_recv().is_err());
        }
    }

    #[test]
    fn a_read_error_ends_the_source_with_its_line() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                let text = b"{\"auditID\":\"a\"}\n";
                let len = text.len().min(buf.len());
                buf[..len].copy_from_slice(&text[..len]);
                self.0 -= 1;
                Ok(len)
            }
        }
        let got = read_with(Failing(2), Limits::default());
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[..2], ["a@1:1", "a@2:1"]);
        assert_error(&got[2], "3:0", "cannot read: disk on fire");
    }
}
