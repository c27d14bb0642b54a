//! Helpers shared by the Dockerfile rules (this module is not a rule): the instructions of a
//! Dockerfile object as palisade-load builds it, its build stages, the image each stage starts
//! from, and `$VAR` expansion with the defaults the Dockerfile itself declares.

use std::collections::HashMap;

use palisade_model::{Node, Object, Pointer};

use crate::image_ref::ImageRef;

/// The Dockerfile an object was loaded from, when it is one.
pub(crate) struct Dockerfile<'a> {
    instructions: Vec<Instruction<'a>>,
}

/// One instruction, with its place in the file.
#[derive(Clone, Copy)]
pub(crate) struct Instruction<'a> {
    pub index: usize,
    pub node: &'a Node,
}

impl<'a> Instruction<'a> {
    /// `FROM`, `RUN`, ... upper-case; `""` for a malformed node.
    pub fn keyword(&self) -> &'a str {
        self.node
            .get("instruction")
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    pub fn is(&self, keyword: &str) -> bool {
        self.keyword() == keyword
    }

    /// The arguments after the flags, continuation lines joined; `""` when there are none.
    pub fn arguments(&self) -> &'a str {
        self.node
            .get("arguments")
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    pub fn pointer(&self) -> Pointer {
        Pointer::root().key("instructions").index(self.index)
    }

    /// The instruction itself and, for `ONBUILD`, the instruction it triggers, with the
    /// pointer of each.
    pub fn with_trigger(&self) -> Vec<(&'a Node, Pointer)> {
        let mut nodes = vec![(self.node, self.pointer())];
        if let Some(trigger) = self.node.get("trigger").filter(|t| t.is_map()) {
            nodes.push((trigger, self.pointer().key("trigger")));
        }
        nodes
    }
}

/// A build stage: its `FROM` and the instructions up to the next `FROM`.
#[derive(Clone)]
pub(crate) struct Stage<'a> {
    pub from: Instruction<'a>,
    pub body: Vec<Instruction<'a>>,
}

impl<'a> Stage<'a> {
    /// The image as written after `FROM`.
    pub fn image(&self) -> Option<&'a str> {
        self.from.node.get("image").and_then(Node::as_str)
    }

    /// The stage name (`AS build`), lower-case as BuildKit compares it.
    pub fn name(&self) -> Option<String> {
        self.from
            .node
            .get("stage")
            .and_then(Node::as_str)
            .map(str::to_ascii_lowercase)
    }

    /// The last instruction of the stage with this keyword.
    pub fn last(&self, keyword: &str) -> Option<Instruction<'a>> {
        self.body
            .iter()
            .rev()
            .find(|instruction| instruction.is(keyword))
            .copied()
    }
}

/// What a stage starts from.
pub(crate) enum Base {
    /// `FROM scratch`: an empty file system.
    Scratch,
    /// An earlier stage of the same Dockerfile, by its index in [`Dockerfile::stages`].
    Stage(usize),
    /// An image from a registry; `resolved` is the text with ARG defaults substituted.
    Image { resolved: String, image: ImageRef },
    /// A reference that uses a variable without a known value, or that is not an image name.
    Unknown,
}

impl<'a> Dockerfile<'a> {
    /// The Dockerfile, when the object is one palisade loaded.
    pub fn of(object: &'a Object) -> Option<Dockerfile<'a>> {
        if !object.is_dockerfile() {
            return None;
        }
        let instructions = object
            .root
            .get("instructions")?
            .items()
            .iter()
            .enumerate()
            .filter(|(_, node)| node.is_map())
            .map(|(index, node)| Instruction { index, node })
            .collect();
        Some(Dockerfile { instructions })
    }

    pub fn instructions(&self) -> &[Instruction<'a>] {
        &self.instructions
    }

    /// The stages in order; ARG instructions before the first FROM belong to none.
    pub fn stages(&self) -> Vec<Stage<'a>> {
        let mut stages: Vec<Stage<'a>> = Vec::new();
        for instruction in &self.instructions {
            if instruction.is("FROM") {
                stages.push(Stage {
                    from: *instruction,
                    body: Vec::new(),
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.body.push(*instruction);
            }
        }
        stages
    }

    /// The defaults of the ARGs declared before the first FROM: the only variables a FROM line
    /// can use. An ARG without a default is present with `None`.
    pub fn global_args(&self) -> HashMap<String, Option<String>> {
        let mut args = HashMap::new();
        for instruction in &self.instructions {
            if instruction.is("FROM") {
                break;
            }
            if instruction.is("ARG") {
                for (name, value) in variables(instruction.node) {
                    let value = value.and_then(|value| expand(&value, &args));
                    args.insert(name.to_string(), value);
                }
            }
        }
        args
    }

    /// What stage `index` of `stages` starts from.
    /// Every stage built on an image that is not pinned by digest: the stage, the image as
    /// written (with what the ARG defaults make of it, when they change it) and its reference.
    pub fn undigested_bases(&self) -> Vec<(Stage<'a>, String, ImageRef)> {
        let stages = self.stages();
        let globals = self.global_args();
        let mut found = Vec::new();
        for index in 0..stages.len() {
            let Base::Image { resolved, image } = self.base(&stages, index, &globals) else {
                continue;
            };
            if image.digest.is_some() {
                continue;
            }
            let written = stages[index].image().unwrap_or_default();
            let shown = if written == resolved {
                resolved
            } else {
                format!("{written} ({resolved} with the ARG defaults)")
            };
            found.push((stages[index].clone(), shown, image));
        }
        found
    }

    pub fn base(
        &self,
        stages: &[Stage<'a>],
        index: usize,
        globals: &HashMap<String, Option<String>>,
    ) -> Base {
        let Some(written) = stages.get(index).and_then(Stage::image) else {
            return Base::Unknown;
        };
        let Some(resolved) = expand(written, globals) else {
            return Base::Unknown;
        };
        if resolved.eq_ignore_ascii_case("scratch") {
            return Base::Scratch;
        }
        let lower = resolved.to_ascii_lowercase();
        // BuildKit lets a stage start from an earlier stage by name; later names do not count.
        if let Some(earlier) = stages[..index]
            .iter()
            .rposition(|stage| stage.name().as_deref() == Some(lower.as_str()))
        {
            return Base::Stage(earlier);
        }
        match ImageRef::parse(&resolved) {
            Some(image) => Base::Image { resolved, image },
            None => Base::Unknown,
        }
    }

    /// The variables a stage's instruction at `upto` sees: global ARGs the stage re-declares,
    /// its own ARG defaults and its ENV values, in order.
    pub fn scope(
        &self,
        stage: &Stage<'a>,
        upto: usize,
        globals: &HashMap<String, Option<String>>,
    ) -> HashMap<String, Option<String>> {
        let mut scope = HashMap::new();
        for instruction in stage.body.iter().take_while(|i| i.index < upto) {
            let is_arg = instruction.is("ARG");
            if !is_arg && !instruction.is("ENV") {
                continue;
            }
            for (name, value) in variables(instruction.node) {
                let value = match value {
                    Some(value) => expand(&value, &scope),
                    None if is_arg => globals.get(name).cloned().flatten(),
                    None => None,
                };
                scope.insert(name.to_string(), value);
            }
        }
        scope
    }
}

/// The `(name, value)` pairs of an ENV, ARG or LABEL node; `None` for an ARG without default.
pub(crate) fn variables(node: &Node) -> impl Iterator<Item = (&str, Option<String>)> {
    node.get("variables")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|variable| {
            let name = variable.get("name").and_then(Node::as_str)?;
            let value = variable
                .get("value")
                .and_then(Node::as_str)
                .map(str::to_string);
            Some((name, value))
        })
}

/// Substitutes `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}` and
/// `${NAME+alt}` from `variables`. `None` when a bare reference names a variable without a
/// known value (the build would fill it from `--build-arg`, which a static scan cannot know) or
/// the syntax is more than this understands.
pub(crate) fn expand(text: &str, variables: &HashMap<String, Option<String>>) -> Option<String> {
    const MAX_LENGTH: usize = 4096;
    if !text.contains('$') {
        return Some(text.to_string());
    }
    let lookup = |name: &str| variables.get(name).cloned().flatten();
    let mut out = String::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(braced) = after.strip_prefix('{') {
            let close = braced.find('}')?;
            let inner = &braced[..close];
            let name_length = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, operation) = inner.split_at(name_length);
            if name.is_empty() {
                return None;
            }
            // An ARG without a value that the build is not given is unset, so the forms with a
            // fallback give the Dockerfile's own default; only a bare reference is unknown.
            let value = lookup(name);
            let non_empty = value.as_deref().filter(|v| !v.is_empty());
            let substituted = if operation.is_empty() {
                value?
            } else if let Some(fallback) = operation.strip_prefix(":-") {
                non_empty.map_or_else(|| fallback.to_string(), str::to_string)
            } else if let Some(fallback) = operation.strip_prefix('-') {
                value.unwrap_or_else(|| fallback.to_string())
            } else if let Some(alternative) = operation.strip_prefix(":+") {
                non_empty.map_or_else(String::new, |_| alternative.to_string())
            } else if let Some(alternative) = operation.strip_prefix('+') {
                value.map_or_else(String::new, |_| alternative.to_string())
            } else {
                return None;
            };
            out.push_str(&substituted);
            rest = &braced[close + 1..];
        } else {
            let name_length = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_length == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&lookup(&after[..name_length])?);
            rest = &after[name_length..];
        }
        if out.len() > MAX_LENGTH {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// A URL as it may be shown in a message: user information (`user:token@`) and the query
/// (`?token=...`) can hold credentials, so they are replaced by `***`. A `#ref` fragment
/// without a query is kept: for a Git source it names the branch or commit.
pub(crate) fn redacted_url(url: &str) -> String {
    const MAX_CHARS: usize = 120;
    let (before_query, query) = match url.split_once('?') {
        Some((before, _)) => (before, true),
        None => (url, false),
    };
    let mut shown = match before_query.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}{path}"),
                None => before_query.to_string(),
            }
        }
        None => before_query.to_string(),
    };
    if query {
        shown.push_str("?***");
    }
    match shown.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &shown[..cut]),
        None => shown,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use palisade_model::Finding;

    use crate::rule::Rule;

    /// The findings of one rule on a Dockerfile text (which must load without errors).
    pub(crate) fn findings(rule: &Rule, dockerfile: &str) -> Vec<Finding> {
        crate::testing::findings_in(rule, "Dockerfile", dockerfile)
    }

    /// The paths of the findings of one rule.
    pub(crate) fn paths(rule: &Rule, dockerfile: &str) -> Vec<String> {
        findings(rule, dockerfile)
            .into_iter()
            .map(|f| f.path.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.map(str::to_string)))
            .collect()
    }

    #[test]
    fn expansion() {
        let v = vars(&[
            ("BASE", Some("node")),
            ("TAG", Some("20")),
            ("EMPTY", Some("")),
            ("UNSET", None),
        ]);
        assert_eq!(expand("$BASE:${TAG}", &v).as_deref(), Some("node:20"));
        assert_eq!(expand("alpine", &v).as_deref(), Some("alpine"));
        assert_eq!(expand("${NOPE:-debian}", &v).as_deref(), Some("debian"));
        assert_eq!(expand("${EMPTY:-x}", &v).as_deref(), Some("x"));
        assert_eq!(expand("${EMPTY-x}", &v).as_deref(), Some(""));
        assert_eq!(expand("a${TAG:+-slim}", &v).as_deref(), Some("a-slim"));
        assert_eq!(expand("${UNSET}", &v), None);
        assert_eq!(expand("${UNSET-x}", &v).as_deref(), Some("x"));
        assert_eq!(expand("${UNSET:+x}", &v).as_deref(), Some(""));
        assert_eq!(expand("$NOPE", &v), None);
        assert_eq!(expand("${", &v), None);
        assert_eq!(expand("${}", &v), None);
        assert_eq!(expand("${TAG/x/y}", &v), None);
        assert_eq!(expand("cost$", &v).as_deref(), Some("cost$"));
        assert_eq!(expand("é$BASE", &v).as_deref(), Some("énode"));
        let big = vars(&[("A", Some(&"x".repeat(3000)))]);
        assert_eq!(expand("$A$A", &big), None);
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redacted_url("https://user:s3cret@example.com/a.tgz?token=abc"),
            "https://***@example.com/a.tgz?***"
        );
        assert_eq!(
            redacted_url("https://example.com/a.tgz"),
            "https://example.com/a.tgz"
        );
        assert_eq!(
            redacted_url("git@github.com:org/repo.git#main"),
            "git@github.com:org/repo.git#main"
        );
        assert!(redacted_url(&"h".repeat(1000)).len() < 200);
        assert_eq!(redacted_url(""), "");
    }
}
