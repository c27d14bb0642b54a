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

/// Reads at most `limit` bytes (and one more, to tell an input that is too large): standard
/// input, read once before the files.
fn read_limited(reader: &mut dyn Read, limit: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// The bytes of a file up to where reading it stopped. Kept by each worker from file to file:
/// most inputs are small, and a fresh buffer for each was an allocation and a page to fault.
#[derive(Default)]
struct FileBuffer {
    bytes: Vec<u8>,
    filled: usize,
}

impl FileBuffer {
    /// Room for a typical manifest in the first read.
    const FIRST_READ: usize = 64 * 1024;

    /// Reads `file` to its end, or fails with the size read so far once it passes `limit`.
    /// A file that fits in the first read takes one read and the read that finds its end; the
    /// file's size is asked (one more system call) only of larger files, so that one far too
    /// large fails before it is read.
    fn read(&mut self, file: &mut std::fs::File, limit: u64) -> std::io::Result<Result<(), u64>> {
        // The size of a regular file, as the file system tells it.
        let size_of = |file: &std::fs::File| {
            file.metadata()
                .ok()
                .filter(|metadata| metadata.is_file())
                .map(|metadata| metadata.len())
        };
        if self.bytes.len() < Self::FIRST_READ {
            self.bytes.resize(Self::FIRST_READ, 0);
        }
        self.filled = 0;
        let mut asked_size = false;
        loop {
            if self.filled as u64 > limit {
                // The whole size in the message where it is known, not just what was read.
                let size = size_of(file).filter(|&size| size > limit);
                return Ok(Err(size.unwrap_or(self.filled as u64)));
            }
            if self.filled == self.bytes.len() {
                let mut room = self.bytes.len().saturating_mul(2);
                if !asked_size {
                    asked_size = true;
                    if let Some(size) = size_of(file) {
                        if size > limit {
                            return Ok(Err(size));
                        }
                        // Its size and one byte more, for the read that finds the end.
                        room = room.max(
                            usize::try_from(size)
                                .unwrap_or(usize::MAX)
                                .saturating_add(1),
                        );
                    }
                }
                // Never more than one byte past the limit, which tells a file too large.
                let most = usize::try_from(limit)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                self.bytes.resize(room.min(most).max(self.filled + 1), 0);
            }
            match file.read(&mut self.bytes[self.filled..]) {
                Ok(0) => return Ok(Ok(())),
                Ok(read) => self.filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    fn contents(&self) -> &[u8] {
        &self.bytes[..self.filled]
    }
}

fn load_job(job: &Job, limits: &Limits, buffer: &mut FileBuffer) -> LoadedFile {
    match job {
        Job::Failed(error) => LoadedFile::failed(error.clone()),
        Job::Stdin(bytes) => load_bytes("-", bytes, Syntax::Detect, limits),
        Job::File(path) => {
            let name = display(path);
            let mut file = match std::fs::File::open(path) {
                Ok(file) => file,
                Err(error) => return LoadedFile::failed(io_error(&name, &error)),
            };
            match buffer.read(&mut file, limits.max_file_bytes) {
                Ok(Ok(())) => load_bytes(&name, buffer.contents(), Syntax::for_path(&name), limits),
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
                match read_limited(stdin, limits.max_file_bytes) {
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
    let results: Vec<LoadedFile> = jobs
        .par_iter()
        .map_init(FileBuffer::default, |buffer, job| {
            load_job(job, limits, buffer)
        })
        .collect();
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
    fn a_reused_buffer_reads_each_file_whole_and_refuses_large_ones_with_their_size() {
        let directory = tempfile::tempdir().unwrap();
        let write = |name: &str, size: usize| {
            let path = directory.path().join(name);
            // Bytes that differ with the position and the file, so that a leftover shows.
            let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + name.len()) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        };
        let first = FileBuffer::FIRST_READ;
        let mut buffer = FileBuffer::default();
        // Large, then small, then empty: each read must see exactly its own file.
        for (name, size) in [
            ("large", 3 * first + 17),
            ("exact", first),
            ("one-more", first + 1),
            ("small", 1270),
            ("empty", 0),
            ("again-large", 5 * first),
        ] {
            let (path, bytes) = write(name, size);
            let mut file = std::fs::File::open(&path).unwrap();
            let read = buffer.read(&mut file, 256 * 1024 * 1024).unwrap();
            assert_eq!(read, Ok(()), "{name}");
            assert!(
                buffer.contents() == bytes.as_slice(),
                "{name}: contents differ"
            );
        }
        // Over the limit: refused with the file's whole size, whether the first read or the
        // size asked of the file system finds it out.
        for (name, size, limit) in [
            ("over-small", 200, 100),
            ("over-large", 3 * first, 100),
            ("over-after-first-read", 2 * first, first as u64 + 10),
        ] {
            let (path, _) = write(name, size);
            let mut file = std::fs::File::open(&path).unwrap();
            assert_eq!(
                buffer.read(&mut file, limit).unwrap(),
                Err(size as u64),
                "{name}"
            );
        }
        // At the limit exactly: read.
        let (path, bytes) = write("at-limit", 100);
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(buffer.read(&mut file, 100).unwrap(), Ok(()));
        assert_eq!(buffer.contents(), bytes.as_slice());
    }

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
