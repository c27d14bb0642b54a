use std::borrow::Cow;
use std::fmt;

/// A JSON pointer (RFC 6901) into an object, built step by step as a rule walks the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Self {
        Pointer(String::new())
    }

    pub fn parse(text: &str) -> Self {
        Pointer(text.to_string())
    }

    /// This pointer extended by a mapping key.
    pub fn key(&self, key: &str) -> Self {
        let mut text = String::with_capacity(self.0.len() + key.len() + 1);
        text.push_str(&self.0);
        text.push('/');
        text.push_str(&escape_pointer_token(key));
        Pointer(text)
    }

    /// This pointer extended by several mapping keys.
    pub fn keys(&self, keys: &[&str]) -> Self {
        // One allocation for all the keys, not one per key.
        let length: usize = keys.iter().map(|key| key.len() + 1).sum();
        let mut text = String::with_capacity(self.0.len() + length);
        text.push_str(&self.0);
        for key in keys {
            text.push('/');
            text.push_str(&escape_pointer_token(key));
        }
        Pointer(text)
    }

    /// This pointer extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        // Rules build one for every container they look at: cheaper than format!.
        let mut text = String::with_capacity(self.0.len() + 4);
        text.push_str(&self.0);
        text.push('/');
        push_decimal(&mut text, index);
        Pointer(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Pointer> for String {
    fn from(pointer: Pointer) -> String {
        pointer.0
    }
}

/// Appends `number` in decimal, as `{number}` would.
fn push_decimal(text: &mut String, number: usize) {
    if number >= 10 {
        push_decimal(text, number / 10);
    }
    text.push(char::from(b'0' + (number % 10) as u8));
}

pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    // By byte: a search for two characters is several times slower, and both are ASCII.
    if token.bytes().any(|byte| byte == b'~' || byte == b'/') {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

pub(crate) fn unescape_pointer_token(token: &str) -> Cow<'_, str> {
    // A byte loop: tokens are short, and a char search sets up memchr for each.
    if token.bytes().any(|byte| byte == b'~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_escaped() {
        let pointer = Pointer::root()
            .key("metadata")
            .key("annotations")
            .key("container.apparmor.security.beta.kubernetes.io/web");
        assert_eq!(
            pointer.as_str(),
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1web"
        );
        assert_eq!(Pointer::root().key("a~b").index(3).as_str(), "/a~0b/3");
        let base = Pointer::root().key("spec");
        for keys in [&[][..], &["a"], &["a/b", "c~d", ""], &["x", "y", "z"]] {
            let one_by_one = keys
                .iter()
                .fold(base.clone(), |pointer, key| pointer.key(key));
            assert_eq!(base.keys(keys), one_by_one, "{keys:?}");
        }
    }

    #[test]
    fn indexes_are_written_as_format_writes_them() {
        let base = Pointer::root().key("spec");
        for index in [0, 1, 9, 10, 11, 99, 100, 12345, usize::MAX] {
            assert_eq!(base.index(index).as_str(), format!("/spec/{index}"));
        }
    }
}
