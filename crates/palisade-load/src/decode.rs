//! Bytes to text: byte-order marks, UTF-16, binary files and invalid UTF-8.

use std::borrow::Cow;

use palisade_model::Pos;

use crate::error::{LoadError, PositionedError};

/// Decodes a file's bytes into text, dropping a byte-order mark.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, PositionedError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, 0);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(offset) = memchr::memchr(0, head) {
        return Err(PositionedError::new(
            LoadError::Binary { offset },
            Pos::UNKNOWN,
        ));
    }
    utf8(bytes, 0)
}

fn utf8(bytes: &[u8], skipped: usize) -> Result<Cow<'_, str>, PositionedError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(error) => {
            let offset = error.valid_up_to();
            // The valid prefix is text, so its line and column can be counted.
            let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
            let line = valid.matches('\n').count() as u32 + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            if bytes[offset..].contains(&0) {
                let nul = offset + bytes[offset..].iter().position(|&b| b == 0).unwrap_or(0);
                return Err(PositionedError::new(
                    LoadError::Binary {
                        offset: nul + skipped,
                    },
                    Pos::UNKNOWN,
                ));
            }
            Err(PositionedError::new(
                LoadError::InvalidUtf8 {
                    offset: offset + skipped,
                },
                Pos::new(line, column),
            ))
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Cow<'static, str>, PositionedError> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for (index, decoded) in char::decode_utf16(units).enumerate() {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(PositionedError::new(
                    LoadError::Syntax(format!(
                        "invalid UTF-16 (unpaired surrogate at byte offset {})",
                        2 + index * 2
                    )),
                    Pos::UNKNOWN,
                ));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        return Err(PositionedError::new(
            LoadError::Syntax("invalid UTF-16: odd number of bytes".into()),
            Pos::UNKNOWN,
        ));
    }
    Ok(Cow::Owned(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_encodings() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: é".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap(), "a: é");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a: 1".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).unwrap(), "a: 1");
    }

    #[test]
    fn binary_and_invalid_utf8_are_refused_with_positions() {
        let error = decode(b"\x7fELF\x02\x01\x00\x00").unwrap_err();
        assert_eq!(error.error, LoadError::Binary { offset: 6 });
        let error = decode(b"a: 1\nb: caf\xE9\n").unwrap_err();
        assert_eq!(error.error, LoadError::InvalidUtf8 { offset: 11 });
        assert_eq!(error.pos, Pos::new(2, 7));
    }
}
