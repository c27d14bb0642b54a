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
        keys.iter()
            .fold(self.clone(), |pointer, key| pointer.key(key))
    }

    /// This pointer extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        use std::fmt::Write;
        let mut text = String::with_capacity(self.0.len() + 4);
        text.push_str(&self.0);
        // Writing a number into a String cannot fail.
        let _ = write!(text, "/{index}");
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

pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    // Bytes, not chars: a search for one of several chars decodes every character.
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
    }
}
