use palisade_model::{InputError, Pos};

/// Why an input could not be loaded. Each variant's message says what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("{0}")]
    Syntax(String),
    #[error(
        "unrendered Helm/Go template {snippet}: render it first (for example `helm template RELEASE CHART | palisade scan -`, or `kustomize build`)"
    )]
    Template { snippet: String },
    #[error("binary file (NUL byte at offset {offset}), not YAML or JSON")]
    Binary { offset: usize },
    #[error(
        "invalid UTF-8 at byte offset {offset}; palisade reads UTF-8, or UTF-16 with a byte-order mark"
    )]
    InvalidUtf8 { offset: usize },
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("nesting deeper than {limit} levels; refusing to read it")]
    TooDeep { limit: usize },
    #[error("a single value of {size} bytes is over the limit of {limit} bytes")]
    ScalarTooLarge { size: usize, limit: usize },
    #[error(
        "YAML aliases expand to more than {limit} nodes (an alias bomb such as 'billion laughs'?); refusing to expand them"
    )]
    AliasBomb { limit: usize },
    #[error("more than {limit} nodes in one file; refusing to read it")]
    TooManyNodes { limit: usize },
    #[error("{0}")]
    Unsupported(String),
}

/// A load error with the position it was found at.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionedError {
    pub error: LoadError,
    pub pos: Pos,
}

impl PositionedError {
    pub fn new(error: LoadError, pos: Pos) -> Self {
        PositionedError { error, pos }
    }

    pub fn into_input_error(self, file: &str) -> InputError {
        let known = self.pos.is_known();
        InputError {
            file: file.to_string(),
            line: known.then_some(self.pos.line),
            column: known.then_some(self.pos.column),
            message: self.error.to_string(),
        }
    }
}

/// Bounds that keep hostile input from using unbounded time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of mappings and sequences.
    pub max_depth: usize,
    /// Largest single scalar, in bytes.
    pub max_scalar_bytes: usize,
    /// Most nodes that YAML aliases may add to one file.
    pub max_alias_nodes: usize,
    /// Most nodes in one file, aliases included.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_depth: 256,
            max_scalar_bytes: 16 * 1024 * 1024,
            max_alias_nodes: 100_000,
            max_nodes: 20_000_000,
        }
    }
}
