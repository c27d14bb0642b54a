//! Where reports go: stdout or a file written atomically, with colour only for terminals.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use palisade_report::{RenderOptions, render_rule_doc, render_rules};

use crate::catalogue::{find_rule_doc, rule_docs};

use crate::cli::{ColorChoice, ExplainArgs, RulesArgs};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Colour on a terminal, unless NO_COLOR is set or the user said otherwise.
pub fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// Writes a report to the `--output-file` (atomically) or to stdout, straight into the
/// destination (a report can be many times the input's size). A reader that stops early (`|
/// head`) is not an error.
pub fn write_report(
    output_file: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    match output_file {
        Some(path) => write_atomically(path, render)
            .map_err(|error| format!("cannot write {}: {error}", path.display())),
        None => {
            let mut stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            match render(&mut stdout).and_then(|()| stdout.flush()) {
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write the report: {error}"))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// that a reader never sees half a report and a failed run never leaves a broken file.
///
/// The report gets the permissions of the file it replaces, or those of any new file (0666
/// less the umask) rather than the temporary file's 0600. Errors name the directory, never
/// the temporary file.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_atomically_as(path, None, write)
}

/// [`write_atomically`] with the new file's permissions given (before the umask), for files
/// that hold secrets.
pub fn write_atomically_with_mode(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_atomically_as(path, Some(mode), write)
}

fn write_atomically_as(
    path: &Path,
    mode: Option<u32>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !directory.is_dir() {
        let message = if directory.exists() {
            format!("{} is not a directory", directory.display())
        } else {
            format!("directory {} does not exist", directory.display())
        };
        return Err(io::Error::new(io::ErrorKind::NotFound, message));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".palisade-report-");
    #[cfg(not(unix))]
    let _ = mode;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = mode.unwrap_or_else(|| {
            std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777)
        });
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut temporary = builder
        .tempfile_in(directory)
        .map_err(without_temporary_path)?;
    {
        let mut buffered = io::BufWriter::with_capacity(1 << 16, temporary.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// tempfile appends "at path <temporary file>" to its errors; the user never named that file.
fn without_temporary_path(error: io::Error) -> io::Error {
    match error.get_ref().and_then(|inner| inner.source()) {
        Some(source) => io::Error::new(error.kind(), source.to_string()),
        None => error,
    }
}

pub fn rules(arguments: &RulesArgs) -> u8 {
    let options = RenderOptions {
        color: use_color(arguments.color, io::stdout().is_terminal()),
    };
    let mut stdout = io::stdout().lock();
    match render_rules(&rule_docs(), arguments.output.into(), &options, &mut stdout) {
        Ok(()) => EXIT_CLEAN,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => EXIT_CLEAN,
        Err(error) => {
            eprintln!("palisade: cannot write: {error}");
            EXIT_ERROR
        }
    }
}

pub fn explain(arguments: &ExplainArgs) -> u8 {
    let Some(doc) = find_rule_doc(&arguments.rule) else {
        eprintln!(
            "palisade: unknown rule {:?}; `palisade rules` lists them{}",
            arguments.rule,
            suggestion(&arguments.rule)
        );
        return EXIT_ERROR;
    };
    let options = RenderOptions {
        color: use_color(arguments.color, io::stdout().is_terminal()),
    };
    let mut stdout = io::stdout().lock();
    match render_rule_doc(&doc, &options, &mut stdout) {
        Ok(()) => EXIT_CLEAN,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => EXIT_CLEAN,
        Err(error) => {
            eprintln!("palisade: cannot write: {error}");
            EXIT_ERROR
        }
    }
}

/// ", did you mean `x`?" for the rule name sharing the most words with `name` (the first in
/// catalogue order among equals).
fn suggestion(name: &str) -> String {
    let words: Vec<&str> = name
        .split(['-', '_', ' '])
        .filter(|w| w.len() > 2)
        .collect();
    let shared = |candidate: &str| {
        words
            .iter()
            .filter(|word| candidate.contains(*word))
            .count()
    };
    let mut best: Option<(usize, &str)> = None;
    for candidate in rule_docs().into_iter().map(|doc| doc.meta.name) {
        let score = shared(candidate);
        if score > 0 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| format!(", did you mean `{candidate}`?"))
        .unwrap_or_default()
}
