//! Plain-scalar resolution as kubectl does it.
//!
//! kubectl and the API server read YAML through sigs.k8s.io/yaml, which is go-yaml v2: YAML 1.1
//! rules. There `0644` is octal (420), `yes`/`on`/`y` are true, `1_000` is 1000, and a value
//! that looks like a timestamp stays a string. A YAML 1.2 reader would get file modes and
//! booleans wrong, and so would every permission rule built on them.

use palisade_model::Value;

/// The value of a plain (unquoted) scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    resolve_non_string(text).unwrap_or_else(|| Value::Str(text.to_string()))
}

/// What a plain scalar means when it is not a string (null, a boolean, a number); `None` when
/// it is a string, which [`resolve_plain`] would copy.
pub(crate) fn resolve_non_string(text: &str) -> Option<Value> {
    // Every word below has at most five bytes: a longer scalar can only be a number, and most
    // scalars (names, images, labels) are longer and start with a letter.
    if text.len() > 5 {
        let first = text.as_bytes()[0];
        if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
            return None;
        }
        return resolve_number(text);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Some(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Some(Value::Bool(false));
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Value::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    resolve_number(text)
}

fn resolve_number(text: &str) -> Option<Value> {
    let cleaned: String;
    let plain = if text.contains('_') {
        cleaned = text.replace('_', "");
        cleaned.as_str()
    } else {
        text
    };
    if let Some(int) = parse_go_int(plain) {
        return Some(int);
    }
    if is_yaml_float(plain) {
        return plain.parse::<f64>().ok().map(Value::Float);
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)` and then `ParseUint`: sign, `0x`, `0o`, `0b`, and a
/// leading `0` for octal.
fn parse_go_int(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(rest) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Value::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Value::Int(magnitude as i64))
    } else {
        Some(Value::Float(magnitude as f64))
    }
}

/// go-yaml v2's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// The value of a scalar with an explicit core-schema tag (`!!str`, `!!int`, ...).
pub(crate) fn resolve_tagged(suffix: &str, text: &str) -> Result<Value, String> {
    match suffix {
        "str" | "binary" | "timestamp" => Ok(Value::Str(text.to_string())),
        "null" => Ok(Value::Null),
        "bool" => match resolve_plain(text) {
            Value::Bool(flag) => Ok(Value::Bool(flag)),
            _ => Err(format!("{text:?} is not a boolean")),
        },
        "int" => match resolve_plain(text) {
            Value::Int(number) => Ok(Value::Int(number)),
            _ => Err(format!("{text:?} is not an integer")),
        },
        "float" => match resolve_plain(text) {
            Value::Int(number) => Ok(Value::Float(number as f64)),
            Value::Float(number) => Ok(Value::Float(number)),
            _ => Err(format!("{text:?} is not a number")),
        },
        _ => Ok(resolve_plain(text)),
    }
}

/// How sigs.k8s.io/yaml turns a non-string mapping key into a JSON key.
pub(crate) fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(text) => Some(text.clone()),
        Value::Null => Some("null".to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(number.to_string()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_file_modes_resolve_like_kubectl() {
        assert_eq!(resolve_plain("0644"), Value::Int(420));
        assert_eq!(resolve_plain("0400"), Value::Int(256));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("0"), Value::Int(0));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        // Not valid octal, but go-yaml's float pattern matches it.
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
    }

    #[test]
    fn yaml_1_1_booleans() {
        for word in ["yes", "Yes", "YES", "on", "On", "y", "true", "True"] {
            assert_eq!(resolve_plain(word), Value::Bool(true), "{word}");
        }
        for word in ["no", "off", "OFF", "n", "false"] {
            assert_eq!(resolve_plain(word), Value::Bool(false), "{word}");
        }
        assert_eq!(resolve_plain("yess"), Value::Str("yess".into()));
    }

    #[test]
    fn numbers_nulls_and_strings() {
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-42"), Value::Int(-42));
        assert_eq!(resolve_plain("+7"), Value::Int(7));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain(""), Value::Null);
        assert_eq!(resolve_plain("500m"), Value::Str("500m".into()));
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("2001-12-14"), Value::Str("2001-12-14".into()));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
        assert_eq!(resolve_plain("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(resolve_plain("-9223372036854775808"), Value::Int(i64::MIN));
        assert!(matches!(resolve_plain(".inf"), Value::Float(f) if f.is_infinite()));
    }

    #[test]
    fn long_scalars_resolve_as_numbers_or_stay_strings() {
        // Longer than every word of YAML 1.1's null, bool, inf and nan: only a number can
        // resolve, and nothing that starts with a letter does.
        assert_eq!(resolve_plain("123456"), Value::Int(123456));
        assert_eq!(resolve_plain("1_000_000"), Value::Int(1_000_000));
        assert_eq!(resolve_plain("-1234567"), Value::Int(-1234567));
        assert_eq!(resolve_plain("0x1F2E3D"), Value::Int(0x1F2E3D));
        assert_eq!(resolve_plain("0000644"), Value::Int(420));
        assert_eq!(resolve_plain("+1.5e10"), Value::Float(1.5e10));
        assert_eq!(resolve_plain(".5e-3"), Value::Float(0.0005));
        assert_eq!(resolve_plain("-.5e-3"), Value::Float(-0.0005));
        for word in [
            "falsehood",
            "nullable",
            "yes-please",
            "TRUE!",
            "infinity",
            "nginx:1.25",
        ] {
            assert_eq!(resolve_plain(word), Value::Str(word.into()), "{word}");
        }
        for word in ["FALSE", "False", "+.inf", "-.Inf", ".NaN", "NULL"] {
            assert_ne!(resolve_plain(word), Value::Str(word.into()), "{word}");
        }
    }

    #[test]
    fn tags_override_resolution() {
        assert_eq!(resolve_tagged("str", "0644"), Ok(Value::Str("0644".into())));
        assert_eq!(resolve_tagged("int", "0644"), Ok(Value::Int(420)));
        assert!(resolve_tagged("bool", "maybe").is_err());
    }
}
