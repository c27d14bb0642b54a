//! Inputs on the command line to loaded files: stdin, files, and directories walked the way
//! ripgrep walks them (hidden folders and `.gitignore`d paths skipped).

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use palisade_model::{InputError, Object};
use rayon::prelude::*;

use crate::error::{Limits, LoadError, PositionedError};
use crate::{LoadedFile, Syntax, is_dockerfile_name, load_bytes, too_large};

/// One command-line input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    /// `-` is stdin; anything else a path.
    pub fn parse(argument: &str) -> Input {
        if argument == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(argument))
        }
    }
}

/// Everything the inputs yielded, in a deterministic order.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// Files read (or attempted), stdin included.
    pub files: usize,
    pub skipped_documents: usize,
    pub errors: Vec<InputError>,
}

/// Whether a file found while walking a directory is one palisade reads: a manifest
/// (`.yaml`, `.yml`, `.json`) or a Dockerfile (see [`is_dockerfile_name`]).
pub fn is_manifest_file(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
        || path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(is_dockerfile_name)
}

fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| text.into_owned())
}

fn io_error(file: &str, error: &std::io::Error) -> InputError {
    let message = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    };
    PositionedError::new(LoadError::Io(message), palisade_model::Pos::UNKNOWN)
        .into_input_error(file)
}

enum Job {
    /// Standard input, already read (it can be read only once).
    Stdin(Vec<u8>),
    File(PathBuf),
    Failed(InputError),
}

fn directory_files(root: &Path, jobs: &mut Vec<Job>) {
    let mut found = Vec::new();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(true)
        .follow_links(false)
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_some_and(|t| t.is_file()) && is_manifest_file(entry.path())
                {
                    found.push(entry.into_path());
                }
            }
            Err(error) => {
                let (file, message) = walk_error_parts(&error, root);
                jobs.push(Job::Failed(
                    PositionedError::new(LoadError::Io(message), palisade_model::Pos::UNKNOWN)
                        .into_input_error(&file),
                ));
            }
        }
    }
    if found.is_empty() {
        jobs.push(Job::Failed(
            PositionedError::new(
                LoadError::Io(
                    "no .yaml, .yml or .json files or Dockerfiles in this directory".into(),
                ),
                palisade_model::Pos::UNKNOWN,
            )
            .into_input_error(&display(root)),
        ));
    }
    sort_paths(&mut found);
    jobs.extend(found.into_iter().map(Job::File));
}

/// Sorts the paths of one walk in the order of `Path`'s `Ord`, as [`path_order`] says, but
/// through keys in which the bytes compare as the paths do: on Unix, the path's bytes with
/// each `/` made a NUL (which no path holds), so that the order is that of the byte strings
/// (a memcmp each; the serial sort of thousands of paths came before any file was read).
fn sort_paths(paths: &mut [PathBuf]) {
    if cfg!(not(unix)) {
        paths.sort_by(|a, b| path_order(a, b));
        return;
    }
    paths.sort_by_cached_key(|path| {
        let mut key = path.as_os_str().as_encoded_bytes().to_vec();
        for byte in &mut key {
            if *byte == b'/' {
                *byte = 0;
            }
        }
        key
    });
}

/// The order of `Path`'s `Ord` (component by component) for the paths of one walk, computed on
/// their bytes: below the root, the walker joins clean names with `/`, so the paths compare as
/// byte strings in which `/` sorts before every other byte. `Path::cmp` parses components
/// and took longer than the rest of the walk on large trees.
fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    if cfg!(not(unix)) {
        return a.cmp(b);
    }
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let rank =
        |byte: Option<&u8>| byte.map(|&byte| if byte == b'/' { 0 } else { u16::from(byte) + 1 });
    rank(a.get(common)).cmp(&rank(b.get(common)))
}

fn walk_error_parts(error: &ignore::Error, root: &Path) -> (String, String) {
    match error {
        ignore::Error::WithPath { path, err } => (display(path), err.to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_parts(err, root)
        }
        other => (display(root), other.to_string()),
    }
}

/// Reads at most `limit` bytes (and one more, to tell a file that is too large). `size_hint`,
/// the size the file system reports, lets a regular file be read in one call instead of a
/// series of growing reads: with thousands of small files, system calls are a real cost.
fn read_limited(
    reader: &mut dyn Read,
    limit: u64,
    size_hint: u64,
) -> std::io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::with_capacity(size_hint.min(limit) as usize + 1);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

fn load_job(job: &Job, limits: &Limits) -> LoadedFile {
    match job {
        Job::Failed(error) => LoadedFile::failed(error.clone()),
        Job::Stdin(bytes) => load_bytes("-", bytes, Syntax::Detect, limits),
        Job::File(path) => {
            let name = display(path);
            let file = match std::fs::File::open(path) {
                Ok(file) => file,
                Err(error) => return LoadedFile::failed(io_error(&name, &error)),
            };
            let size_hint = match file.metadata() {
                Ok(metadata) if metadata.is_file() => metadata.len(),
                _ => 0,
            };
            if size_hint > limits.max_file_bytes {
                return LoadedFile::failed(too_large(&name, size_hint, limits.max_file_bytes));
            }
            let mut file = file;
            match read_limited(&mut file, limits.max_file_bytes, size_hint) {
                Ok(Ok(bytes)) => load_bytes(&name, &bytes, Syntax::for_path(&name), limits),
                Ok(Err(size)) => LoadedFile::failed(too_large(&name, size, limits.max_file_bytes)),
                Err(error) => LoadedFile::failed(io_error(&name, &error)),
            }
        }
    }
}

/// Loads every input. Files are read and parsed in parallel; the result keeps input order
/// (directories in sorted path order) so that reports are the same on every run.
pub fn load_inputs(inputs: &[Input], stdin: &mut dyn Read, limits: &Limits) -> Loaded {
    let mut jobs = Vec::new();
    let mut stdin_read = false;
    for input in inputs {
        match input {
            Input::Stdin => {
                if std::mem::replace(&mut stdin_read, true) {
                    continue;
                }
                match read_limited(stdin, limits.max_file_bytes, 0) {
                    Ok(Ok(bytes)) => jobs.push(Job::Stdin(bytes)),
                    Ok(Err(size)) => {
                        jobs.push(Job::Failed(too_large("-", size, limits.max_file_bytes)))
                    }
                    Err(error) => jobs.push(Job::Failed(io_error("-", &error))),
                }
            }
            Input::Path(path) => match std::fs::metadata(path) {
                Ok(metadata) if metadata.is_dir() => directory_files(path, &mut jobs),
                Ok(_) => jobs.push(Job::File(path.clone())),
                Err(error) => jobs.push(Job::Failed(io_error(&display(path), &error))),
            },
        }
    }
    let results: Vec<LoadedFile> = jobs.par_iter().map(|job| load_job(job, limits)).collect();
    let mut loaded = Loaded {
        files: jobs
            .iter()
            .filter(|job| !matches!(job, Job::Failed(_)))
            .count(),
        ..Loaded::default()
    };
    loaded
        .objects
        .reserve(results.iter().map(|file| file.objects.len()).sum());
    for mut file in results {
        loaded.objects.append(&mut file.objects);
        loaded.skipped_documents += file.skipped_documents;
        loaded.errors.append(&mut file.errors);
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths whose order by component differs from their order as bytes.
    const TRICKY_PATHS: [&str; 14] = [
        "root/a",
        "root/a/b",
        "root/a.b",
        "root/a-b",
        "root/a/b/c",
        "root/a b/c",
        "root/ab",
        "root/a/b.yaml",
        "root/a.b/c",
        "root/A",
        "root/é/x",
        "root/e/x",
        "root/a0",
        "root/a~",
    ];

    #[test]
    fn paths_sort_in_the_order_of_path_components() {
        let names = TRICKY_PATHS;
        let mut sorted: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        sort_paths(&mut sorted);
        let mut expected: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    #[test]
    fn path_order_is_the_order_of_path_components() {
        let names = TRICKY_PATHS;
        for a in names {
            for b in names {
                let (a, b) = (Path::new(a), Path::new(b));
                assert_eq!(path_order(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }
}
