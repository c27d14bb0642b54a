//! palisade's loader: YAML and JSON manifests, and Dockerfiles, into [`Object`]s whose every
//! field knows its file, line and column.
//!
//! It reads files, directories (recursively, `.yaml`/`.yml`/`.json` and Dockerfiles, skipping
//! hidden folders and what `.gitignore` ignores) and stdin; multi-document YAML, JSON (also
//! several values in one file), `List` and `*List` objects as kubectl writes them. A Dockerfile
//! becomes one object of kind `Dockerfile` (see the `dockerfile` module for its tree). Scalars
//! resolve as kubectl resolves them (YAML 1.1). Hostile input (alias bombs, deep nesting, huge values, binary
//! files, invalid UTF-8, unrendered templates) gets a clear error in bounded time and memory;
//! a broken file never stops the others.

mod decode;
mod dockerfile;
mod error;
mod fast;
mod json;
mod objects;
mod resolve;
mod template;
mod walk;
mod yaml;

use std::sync::Arc;

use palisade_model::{InputError, Node, Object};

pub use dockerfile::is_dockerfile_name;
pub use error::{Limits, LoadError, PositionedError};
pub use walk::{Input, Loaded, is_manifest_file, load_inputs};

/// What one file yielded.
#[derive(Debug, Default)]
pub struct LoadedFile {
    pub objects: Vec<Object>,
    /// Non-empty documents (and `List` items) without `apiVersion`/`kind`.
    pub skipped_documents: usize,
    pub errors: Vec<InputError>,
}

impl LoadedFile {
    /// A file that yielded nothing but one error.
    pub fn failed(error: InputError) -> Self {
        LoadedFile {
            errors: vec![error],
            ..LoadedFile::default()
        }
    }
}

/// The error for an input over the size limit.
pub(crate) fn too_large(file: &str, size: u64, limit: u64) -> InputError {
    PositionedError::new(
        LoadError::TooLarge { size, limit },
        palisade_model::Pos::UNKNOWN,
    )
    .into_input_error(file)
}

/// The syntax a text is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
    /// JSON when the text starts like JSON, YAML otherwise.
    Detect,
    /// A Dockerfile or Containerfile: one object of kind `Dockerfile`.
    Dockerfile,
}

impl Syntax {
    /// The syntax a file name suggests.
    pub fn for_path(path: &str) -> Syntax {
        let file_name = std::path::Path::new(path)
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or(path);
        if is_dockerfile_name(file_name) {
            return Syntax::Dockerfile;
        }
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Syntax::Json
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Syntax::Yaml
        } else {
            Syntax::Detect
        }
    }
}

/// Parses text into documents, choosing JSON or YAML by `syntax`. A Dockerfile is one
/// document, its `{instructions: [...]}` tree.
pub fn parse_text(
    text: &str,
    syntax: Syntax,
    limits: &Limits,
) -> Result<Vec<Node>, PositionedError> {
    let looks_like_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    match syntax {
        Syntax::Dockerfile => dockerfile::parse_dockerfile(text, limits).map(|root| vec![root]),
        Syntax::Json => {
            json::parse_json(text, limits).map_err(|e| yaml::explain_with_template(text, e))
        }
        Syntax::Yaml | Syntax::Detect if !looks_like_json => yaml::parse_yaml(text, limits),
        // YAML is a superset of JSON, but a JSON document in a .yaml file is read faster and
        // with better error messages by the JSON parser; flow-style YAML falls back to YAML.
        _ => match json::parse_json(text, limits) {
            Ok(documents) => Ok(documents),
            Err(json_error) => match yaml::parse_yaml(text, limits) {
                Ok(documents) => Ok(documents),
                Err(yaml_error) if matches!(yaml_error.error, LoadError::Template { .. }) => {
                    Err(yaml_error)
                }
                Err(_) => Err(yaml::explain_with_template(text, json_error)),
            },
        },
    }
}

/// Parses text (YAML or JSON, detected) into its documents. For configuration files and tests.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Node>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_text(text, Syntax::for_path(file), &Limits::default())
        .map_err(|e| e.into_input_error(file))
}

/// Loads the objects of one text. `file` names it in positions (`-` for stdin).
pub fn load_str(file: &str, text: &str) -> LoadedFile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    load_text(
        Arc::from(file),
        text,
        Syntax::for_path(file),
        &Limits::default(),
    )
}

/// Loads the objects of one file's bytes, decoding them first.
pub fn load_bytes(file: &str, bytes: &[u8], syntax: Syntax, limits: &Limits) -> LoadedFile {
    if bytes.len() as u64 > limits.max_file_bytes {
        return LoadedFile::failed(too_large(file, bytes.len() as u64, limits.max_file_bytes));
    }
    match decode::decode(bytes) {
        Ok(text) => load_text(Arc::from(file), &text, syntax, limits),
        Err(error) => {
            let error = match error.error {
                LoadError::Binary { offset } if syntax == Syntax::Dockerfile => {
                    dockerfile::binary_in_bytes(bytes, offset)
                }
                _ => error,
            };
            LoadedFile::failed(error.into_input_error(file))
        }
    }
}

fn load_text(file: Arc<str>, text: &str, syntax: Syntax, limits: &Limits) -> LoadedFile {
    if syntax == Syntax::Dockerfile {
        return dockerfile::load_dockerfile(file, text, limits);
    }
    match parse_text(text, syntax, limits) {
        Ok(documents) => objects::objects_from_documents(file, documents),
        Err(error) => LoadedFile::failed(error.into_input_error(&file)),
    }
}
