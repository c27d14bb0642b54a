//! A decoder for audit events as the API server writes them, several times faster than serde's.
//!
//! serde_json's derived decoding of an [`Event`] was most of the time `palisade audit` took:
//! every key and string goes through its general machinery, one byte at a time. This decoder
//! reads the one shape an event has, with a string scanner that looks at eight bytes at a time.
//!
//! It decides nothing on its own. Whatever it does not read exactly as serde would (a wrong
//! type, a repeated field, a key with an escape, a lone surrogate, a number out of range, deep
//! nesting, any syntax error) makes it give up (`None`), and serde decodes the text again: the
//! event, or the error with its position and the path of the field, is then serde's. Where it
//! does read an event, it is the event serde reads; `tests` holds it to that on real logs and on
//! generated and mutated events.

use palisade_model::keys::intern;
use palisade_model::{Entry, Node, Pos, Value};

use super::{
    AnnotationValue, Annotations, Body, Event, Level, ObjectReference, RAW_VALUE_TOKEN,
    ResponseStatus, Stage, Text, UserInfo, WireEnum,
};

/// Decodes `text` as one audit event into `event` (an empty one, in place: an event is large,
/// and each move of it was a copy), or gives up and says so with `false`, leaving `event` half
/// filled (see the module documentation).
pub(super) fn decode_into<'a>(text: &'a str, event: &mut Event<'a>) -> bool {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    if reader.event(event).is_none() {
        return false;
    }
    reader.skip_whitespace();
    reader.at == reader.bytes.len()
}

/// [`decode_into`] a new event.
#[cfg(test)]
fn decode(text: &str) -> Option<Event<'_>> {
    let mut event = Event::default();
    decode_into(text, &mut event).then_some(event)
}

/// The text at a path of object keys in the JSON `text`, as [`super::text_at_in`] finds it
/// (`Some`), or `None` where it gives up: wherever serde might read the text otherwise or
/// refuse it (a key with an escape, a raw-value mark, a number that might be out of range,
/// a lone surrogate, deep nesting, any syntax error), serde reads it. serde's walk through a
/// large response body for an object's name cost as much as judging its request.
pub(super) fn text_at(text: &str, keys: &[&str]) -> Option<Option<String>> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let found = reader.text_at(keys, 0)?;
    reader.skip_whitespace();
    (reader.at == reader.bytes.len()).then_some(found)
}

/// The JSON `text` as the node tree `Node::from_json_text` makes of it (`Some`), or `None`
/// where it gives up: wherever serde might read the text otherwise or refuse it (a key with an
/// escape, a raw-value mark, a number that is not a plain integer of at most 18 digits, a lone
/// surrogate, deep nesting, any syntax error), serde reads it. serde's reading of request
/// objects into trees was a third of judging them.
pub(super) fn node(text: &str) -> Option<Node> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut scratch = NodeScratch::default();
    let node = reader.node(0, &mut scratch)?;
    reader.skip_whitespace();
    (reader.at == reader.bytes.len()).then_some(node)
}

/// Where the entries and items of the collections being read are gathered, nested ones above
/// their parents', to be moved into an allocation of their exact size when the collection
/// ends (as `palisade_model::json` does).
#[derive(Default)]
struct NodeScratch {
    entries: Vec<Entry>,
    items: Vec<Node>,
}

/// Nesting deeper than this gives up; serde then applies its own limit (128).
const MAX_DEPTH: u32 = 64;

/// One bit per byte of `block` (bit 0 for its first byte) that stops a run of plain string
/// characters: `"`, `\\` or a control character. With SSE2 (on every x86-64 processor), sixteen
/// bytes are compared at once; the string scan was the largest part of decoding.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn string_stops(block: &[u8; 16]) -> u32 {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, max_u8_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    let bytes = load_unaligned_m128i(block);
    let quote = cmp_eq_mask_i8_m128i(bytes, set_splat_i8_m128i(b'"' as i8));
    let backslash = cmp_eq_mask_i8_m128i(bytes, set_splat_i8_m128i(b'\\' as i8));
    // A byte is a control character when the larger of it and 0x1F (unsigned) is 0x1F.
    let limit = set_splat_i8_m128i(0x1F);
    let control = cmp_eq_mask_i8_m128i(max_u8_m128i(bytes, limit), limit);
    move_mask_i8_m128i(bitor_m128i(bitor_m128i(quote, backslash), control)) as u32
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn string_stops(block: &[u8; 16]) -> u32 {
    string_stops_by_word(block)
}

/// [`string_stops`] without SSE2, eight bytes at a time in a machine word; only the first stop
/// is certain to be marked.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
fn string_stops_by_word(block: &[u8; 16]) -> u32 {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    let half = |bytes: &[u8]| {
        let word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let quote = word ^ (ONES * u64::from(b'"'));
        let quote = quote.wrapping_sub(ONES) & !quote;
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let backslash = backslash.wrapping_sub(ONES) & !backslash;
        let found = (control | quote | backslash) & HIGH;
        // Only the lowest stop counts: bits above it may be false (a borrow runs on).
        let lowest = found & found.wrapping_neg();
        (0..8u32)
            .filter(|byte| lowest >> (byte * 8 + 7) & 1 == 1)
            .fold(0, |bits, byte| bits | 1 << byte)
    };
    let low = half(&block[..8]);
    if low != 0 {
        low
    } else {
        half(&block[8..]) << 8
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Which fields of a struct were read already: serde refuses a field written twice.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, field: u32) -> Option<()> {
        let bit = 1 << field;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not taken.
    fn next_token(&mut self) -> Option<u8> {
        // The API server writes no whitespace between tokens: one comparison says so.
        match self.peek()? {
            byte if byte > b' ' => Some(byte),
            _ => {
                self.skip_whitespace();
                self.peek()
            }
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next_token()? == byte).then(|| self.at += 1)
    }

    /// Takes `null` if it comes next.
    fn null(&mut self) -> Option<bool> {
        if self.next_token()? != b'n' {
            return Some(false);
        }
        self.literal(b"null")?;
        Some(true)
    }

    /// `None` for `null`, else what `read` makes of the value (the reading of every field whose
    /// `null` means absent).
    fn unless_null<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null()? {
            return Some(None);
        }
        read(self).map(Some)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// Reads the members of an object, handing each key (without escapes) to `member`, which
    /// reads the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.next_token()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.skip_whitespace();
            let key = self.plain_string()?;
            self.expect(b':')?;
            member(self, key)?;
            match self.next_token()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads the items of an array with `item`.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.next_token()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.next_token()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The position of the first `"`, `\\` or control character at or after `from` (the end of
    /// the text if none), looking at sixteen bytes at a time.
    fn string_end(&self, from: usize) -> usize {
        let mut at = from;
        while let Some(block) = self.bytes.get(at..at + 16) {
            let found = string_stops(block.try_into().expect("sixteen bytes"));
            if found != 0 {
                return at + found.trailing_zeros() as usize;
            }
            at += 16;
        }
        while let Some(&byte) = self.bytes.get(at) {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                return at;
            }
            at += 1;
        }
        at
    }

    /// A string without escapes (an object key), borrowed.
    fn plain_string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let end = self.string_end(start);
        if self.bytes.get(end)? != &b'"' {
            return None;
        }
        self.at = end + 1;
        // The delimiters are ASCII, so the slice is on character boundaries.
        self.text.get(start..end)
    }

    /// A string, borrowed when it has no escapes, else unescaped into an allocation (as serde
    /// does). A `\u` escape of a surrogate gives up: serde pairs them, or refuses a lone one.
    fn string(&mut self) -> Option<Text<'a>> {
        if self.next_token()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let mut end = self.string_end(start);
        match *self.bytes.get(end)? {
            b'"' => {
                self.at = end + 1;
                return self.text.get(start..end).map(Text::borrowed);
            }
            b'\\' => {}
            _ => return None,
        }
        // Every escape is longer than what it stands for, so the unescaped string is never
        // longer than the escaped one: sized once, it is never grown (growing it twice or more
        // per string was a fifth of reading a string with escapes).
        let close = self.closing_quote(end)?;
        let mut unescaped = String::with_capacity(close - start);
        let mut from = start;
        loop {
            unescaped.push_str(self.text.get(from..end)?);
            match *self.bytes.get(end)? {
                b'"' => {
                    self.at = end + 1;
                    return Some(Text::from(unescaped));
                }
                b'\\' => {}
                _ => return None,
            }
            let (character, length) = self.escape(end)?;
            unescaped.push(character);
            from = end + length;
            end = self.string_end(from);
        }
    }

    /// The character of the escape at `at` (a `\`) and the length of the escape.
    fn escape(&self, at: usize) -> Option<(char, usize)> {
        let character = match *self.bytes.get(at + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return Some((char::from_u32(self.hex4(at + 2)?)?, 6)),
            _ => return None,
        };
        Some((character, 2))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |value, &digit| {
            Some(value * 16 + char::from(digit).to_digit(16)?)
        })
    }

    /// Skips a string, checking its escapes as serde does for a value it ignores (a `\u` needs
    /// four hex digits, nothing more).
    fn skip_string(&mut self) -> Option<()> {
        self.at = self.closing_quote(self.at + 1)? + 1;
        Some(())
    }

    /// The position of the `"` that closes the string whose text goes on at `from`, checking
    /// its escapes as [`Reader::skip_string`] does.
    fn closing_quote(&self, from: usize) -> Option<usize> {
        let mut at = from;
        loop {
            at = self.string_end(at);
            match *self.bytes.get(at)? {
                b'"' => return Some(at),
                b'\\' => match *self.bytes.get(at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                    b'u' => {
                        self.hex4(at + 2)?;
                        at += 6;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// Skips a number, checking JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.required_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// Skips any value, checking it as serde checks a value it ignores.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.next_token()? {
            b'"' => self.skip_string(),
            b'{' if depth < MAX_DEPTH => self.object(|reader, _| reader.skip(depth + 1)),
            b'[' if depth < MAX_DEPTH => self.array(|reader| reader.skip(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// The text at `keys` in the value that comes next (see [`text_at`]); a key written twice
    /// counts with its last value, as in a `serde_json::Value`.
    fn text_at(&mut self, keys: &[&str], depth: u32) -> Option<Option<String>> {
        let Some((head, rest)) = keys.split_first() else {
            if self.next_token()? == b'"' {
                return Some(Some(self.string()?.as_str().to_string()));
            }
            self.skip_as_value(depth)?;
            return Some(None);
        };
        if self.next_token()? != b'{' {
            self.skip_as_value(depth)?;
            return Some(None);
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        let mut found = None;
        self.object(|reader, key| {
            if key == RAW_VALUE_TOKEN {
                return None;
            }
            if key == *head {
                found = reader.text_at(rest, depth + 1)?;
                Some(())
            } else {
                reader.skip_as_value(depth + 1)
            }
        })?;
        Some(found)
    }

    /// Skips any value as serde reads it into a `serde_json::Value` (which, unlike a value it
    /// ignores, unescapes strings and converts numbers), giving up on what that might refuse.
    fn skip_as_value(&mut self, depth: u32) -> Option<()> {
        match self.next_token()? {
            b'"' => self.string().map(drop),
            b'{' if depth < MAX_DEPTH => self.object(|reader, key| {
                (key != RAW_VALUE_TOKEN).then_some(())?;
                reader.skip_as_value(depth + 1)
            }),
            b'[' if depth < MAX_DEPTH => self.array(|reader| reader.skip_as_value(depth + 1)),
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                self.skip_number()?;
                let number = &self.bytes[start..self.at];
                // An exponent or a long run of digits may be out of a float's range.
                (number.len() <= 20 && !number.iter().any(|b| matches!(b, b'e' | b'E')))
                    .then_some(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => None,
        }
    }

    /// The value that comes next as a node tree (see [`node`]).
    fn node(&mut self, depth: u32, scratch: &mut NodeScratch) -> Option<Node> {
        let value = match self.next_token()? {
            b'"' => Value::Str(self.string()?.0.into_owned()),
            b'{' if depth < MAX_DEPTH => {
                let start = scratch.entries.len();
                self.object(|reader, key| {
                    (key != RAW_VALUE_TOKEN).then_some(())?;
                    let value = reader.node(depth + 1, scratch)?;
                    scratch.entries.push(Entry {
                        key: intern(key),
                        key_pos: Pos::UNKNOWN,
                        value,
                    });
                    Some(())
                })?;
                Value::Map(scratch.entries.drain(start..).collect())
            }
            b'[' if depth < MAX_DEPTH => {
                let start = scratch.items.len();
                self.array(|reader| {
                    let item = reader.node(depth + 1, scratch)?;
                    scratch.items.push(item);
                    Some(())
                })?;
                Value::Seq(scratch.items.drain(start..).collect())
            }
            b't' => self.literal(b"true").map(|()| Value::Bool(true))?,
            b'f' => self.literal(b"false").map(|()| Value::Bool(false))?,
            b'n' => self.literal(b"null").map(|()| Value::Null)?,
            b'-' | b'0'..=b'9' => Value::Int(self.integer()?),
            _ => return None,
        };
        Some(Node::new(Pos::UNKNOWN, value))
    }

    /// A plain integer of at most 18 digits (which an `i64` holds, as serde reads it); anything
    /// else gives up. `-0` gives up too: serde reads it as a float, to keep its sign.
    fn integer(&mut self) -> Option<i64> {
        self.integer_of_at_most(18)
    }

    /// A plain integer of at most `most` digits (no fraction, exponent or leading zero);
    /// anything else gives up, and serde says whether it is an error.
    fn integer_of_at_most(&mut self, most: usize) -> Option<i64> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        self.digits();
        let digits = &self.bytes[start..self.at];
        // serde_json reads `-0` as a float (to keep its sign).
        let plain = match digits {
            [] => false,
            [b'0'] => !negative,
            [first, ..] => *first != b'0' && digits.len() <= most,
        };
        if !plain || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0i64, |value, &digit| value * 10 + i64::from(digit - b'0'));
        Some(if negative { -value } else { value })
    }

    /// A value kept as its JSON text (a request or response body); `null` is no body.
    fn body(&mut self, depth: u32) -> Option<Option<Body<'a>>> {
        self.unless_null(|reader| {
            let start = reader.at;
            reader.skip(depth)?;
            Some(Body::of_checked_json(reader.text.get(start..reader.at)?))
        })
    }

    /// A string field whose `null` reads as empty.
    fn nullable_text(&mut self) -> Option<Text<'a>> {
        self.optional_text().map(Option::unwrap_or_default)
    }

    fn optional_text(&mut self) -> Option<Option<Text<'a>>> {
        self.unless_null(Self::string)
    }

    /// A list of strings whose `null` reads as empty.
    fn texts(&mut self) -> Option<Vec<Text<'a>>> {
        let mut texts = Vec::new();
        if !self.null()? {
            self.array(|reader| {
                // Room for four at the first: what a vector grows to at its first push anyway,
                // without the growing (a tenth of reading an event's groups and addresses).
                if texts.capacity() == 0 {
                    texts = Vec::with_capacity(4);
                }
                texts.push(reader.string()?);
                Some(())
            })?;
        }
        Some(texts)
    }

    fn wire<T: WireEnum>(&mut self) -> Option<T> {
        let text = self.optional_text()?;
        Some(text.map_or_else(T::default, |text| T::from_wire(&text)))
    }

    fn event(&mut self, event: &mut Event<'a>) -> Option<()> {
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "kind" => {
                    seen.first(0)?;
                    event.kind = reader.optional_text()?;
                }
                "apiVersion" => {
                    seen.first(1)?;
                    event.api_version = reader.optional_text()?;
                }
                "level" => {
                    seen.first(2)?;
                    event.level = reader.wire::<Level>()?;
                }
                "auditID" => {
                    seen.first(3)?;
                    event.audit_id = reader.nullable_text()?;
                }
                "stage" => {
                    seen.first(4)?;
                    event.stage = reader.wire::<Stage>()?;
                }
                "requestURI" => {
                    seen.first(5)?;
                    event.request_uri = reader.nullable_text()?;
                }
                "verb" => {
                    seen.first(6)?;
                    event.verb = reader.nullable_text()?;
                }
                "user" => {
                    seen.first(7)?;
                    event.user = reader.unless_null(Self::user)?.unwrap_or_default();
                }
                "impersonatedUser" => {
                    seen.first(8)?;
                    event.impersonated_user = reader.unless_null(Self::user)?;
                }
                "sourceIPs" => {
                    seen.first(9)?;
                    event.source_ips = reader.texts()?;
                }
                "userAgent" => {
                    seen.first(10)?;
                    event.user_agent = reader.nullable_text()?;
                }
                "objectRef" => {
                    seen.first(11)?;
                    event.object_ref = reader.unless_null(Self::object_reference)?;
                }
                "responseStatus" => {
                    seen.first(12)?;
                    event.response_status = reader.unless_null(Self::response_status)?;
                }
                "requestObject" => {
                    seen.first(13)?;
                    event.request_object = reader.body(1)?;
                }
                "responseObject" => {
                    seen.first(14)?;
                    event.response_object = reader.body(1)?;
                }
                "requestReceivedTimestamp" => {
                    seen.first(15)?;
                    event.request_received_timestamp = reader.optional_text()?;
                }
                "stageTimestamp" => {
                    seen.first(16)?;
                    event.stage_timestamp = reader.optional_text()?;
                }
                "timestamp" => {
                    seen.first(17)?;
                    event.timestamp = reader.optional_text()?;
                }
                "annotations" => {
                    seen.first(18)?;
                    event.annotations = reader.annotations()?;
                }
                _ => reader.skip(1)?,
            }
            Some(())
        })
    }

    /// A `UserInfo` object.
    fn user(&mut self) -> Option<UserInfo<'a>> {
        let mut user = UserInfo::default();
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "username" => {
                    seen.first(0)?;
                    user.username = reader.nullable_text()?;
                }
                "uid" => {
                    seen.first(1)?;
                    user.uid = reader.nullable_text()?;
                }
                "groups" => {
                    seen.first(2)?;
                    user.groups = reader.texts()?;
                }
                "extra" => {
                    seen.first(3)?;
                    user.extra.clear();
                    if !reader.null()? {
                        reader.object(|reader, key| {
                            if reader.next_token()? != b'[' {
                                return None;
                            }
                            let values = reader.texts()?;
                            user.extra.insert(Text::borrowed(key), values);
                            Some(())
                        })?;
                    }
                }
                _ => reader.skip(2)?,
            }
            Some(())
        })?;
        Some(user)
    }

    fn object_reference(&mut self) -> Option<ObjectReference<'a>> {
        let mut object = ObjectReference::default();
        let mut seen = Seen::default();
        self.object(|reader, key| {
            let (field, text) = match key {
                "resource" => (0, &mut object.resource),
                "namespace" => (1, &mut object.namespace),
                "name" => (2, &mut object.name),
                "uid" => (3, &mut object.uid),
                "apiGroup" => (4, &mut object.api_group),
                "apiVersion" => (5, &mut object.api_version),
                "resourceVersion" => (6, &mut object.resource_version),
                "subresource" => (7, &mut object.subresource),
                _ => return reader.skip(2),
            };
            seen.first(field)?;
            *text = reader.nullable_text()?;
            Some(())
        })?;
        Some(object)
    }

    fn response_status(&mut self) -> Option<ResponseStatus<'a>> {
        let mut status = ResponseStatus::default();
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "code" => {
                    seen.first(0)?;
                    status.code = reader.unless_null(Self::code)?;
                }
                "status" => {
                    seen.first(1)?;
                    status.status = reader.nullable_text()?;
                }
                "reason" => {
                    seen.first(2)?;
                    status.reason = reader.nullable_text()?;
                }
                "message" => {
                    seen.first(3)?;
                    status.message = reader.nullable_text()?;
                }
                _ => reader.skip(2)?,
            }
            Some(())
        })?;
        Some(status)
    }

    /// An HTTP status code: an integer of at most nine digits (so that it fits an `i32`).
    /// Anything else (a fraction, an exponent, a larger number) gives up, and serde says
    /// whether it is an error.
    fn code(&mut self) -> Option<i32> {
        self.integer_of_at_most(9)
            .and_then(|code| i32::try_from(code).ok())
    }

    /// Annotations, `null` reading as none; a key written twice keeps its last value.
    fn annotations(&mut self) -> Option<Annotations<'a>> {
        let mut annotations = Annotations::default();
        if !self.null()? {
            self.object(|reader, key| {
                let value = reader.annotation_value()?;
                // Room for four at the first, as for a list of texts (see `texts`).
                if annotations.capacity() == 0 {
                    annotations.reserve(4);
                }
                annotations.insert(Text::borrowed(key), value);
                Some(())
            })?;
        }
        Some(annotations)
    }

    /// An annotation's value: a string whose escapes, when they are all two-character ones,
    /// are left for the reader of the value to undo (see [`AnnotationValue`]). A `\u` escape
    /// is read now: it may be a surrogate, which serde pairs or refuses.
    fn annotation_value(&mut self) -> Option<AnnotationValue<'a>> {
        if self.next_token()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let mut at = self.string_end(start);
        if *self.bytes.get(at)? == b'"' {
            self.at = at + 1;
            return self
                .text
                .get(start..at)
                .map(|text| Text::borrowed(text).into());
        }
        loop {
            match *self.bytes.get(at)? {
                b'"' => break,
                b'\\' => match *self.bytes.get(at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                    _ => return self.string().map(AnnotationValue::from),
                },
                _ => return None,
            }
            at = self.string_end(at);
        }
        let json = self.text.get(start..at)?;
        self.at = at + 1;
        Some(AnnotationValue::escaped(json))
    }
}

#[cfg(test)]
mod tests;
