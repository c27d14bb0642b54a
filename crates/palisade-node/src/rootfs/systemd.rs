//! The kubelet's command line as systemd would start it: `kubelet.service` and its drop-ins
//! (`kubelet.service.d/*.conf`, kubeadm's `10-kubeadm.conf`), their `Environment=` and
//! `EnvironmentFile=` variables (`/var/lib/kubelet/kubeadm-flags.env`, `/etc/default/kubelet`
//! or `/etc/sysconfig/kubelet`), and `ExecStart=` with `$VAR` expanded.
//!
//! Every character keeps the file, line and column it was written at, so that each flag's
//! evidence points at the place to change it, wherever the variable that carried it was set.

use std::collections::BTreeMap;
use std::path::Path;

use super::flags::Word;
use super::fs::{NodeRoot, ReadError, name_text};
use crate::state::{Source, Unreadable};

/// systemd's system unit directories, highest priority first (`/lib` last: on merged-/usr
/// systems it is `/usr/lib`). Packages from pkgs.k8s.io install the kubeadm drop-in under
/// `/usr/lib/systemd/system/kubelet.service.d/`, the older apt/yum packages under `/etc/...`.
const UNIT_DIRS: [&str; 5] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];
const UNIT_NAME: &str = "kubelet.service";
const KUBEADM_FLAGS_ENV: &str = "/var/lib/kubelet/kubeadm-flags.env";
/// Where the deb and rpm packages' drop-in reads `KUBELET_EXTRA_ARGS` from.
const EXTRA_ARGS_FILES: [&str; 2] = ["/etc/default/kubelet", "/etc/sysconfig/kubelet"];

/// Where a character was written: an index into [`Files`], 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct At {
    file: usize,
    line: u32,
    column: u32,
}

type Chars = Vec<(char, At)>;

/// One word split from located text, with where it started (for an empty `""` word too).
#[derive(Clone, Debug)]
struct LocatedWord {
    start: At,
    chars: Chars,
}

impl LocatedWord {
    fn text(&self) -> String {
        self.chars.iter().map(|(c, _)| *c).collect()
    }

    fn at(&self) -> At {
        self.chars.first().map(|(_, at)| *at).unwrap_or(self.start)
    }
}

/// The files read, each with its evidence kind.
#[derive(Default)]
struct Files {
    list: Vec<(String, String)>,
}

impl Files {
    fn add(&mut self, kind: &str, path: &str) -> usize {
        self.list.push((kind.to_string(), path.to_string()));
        self.list.len() - 1
    }

    fn source(&self, at: At) -> Source {
        let (kind, path) = &self.list[at.file];
        Source::new(kind.clone())
            .in_file(path.clone())
            .at(at.line, at.column)
    }

    fn found(&self, file: usize) -> Source {
        let (kind, path) = &self.list[file];
        Source::new(kind.clone()).in_file(path.clone())
    }
}

/// The kubelet's command line from its unit files.
#[derive(Debug, Clone, Default)]
pub(crate) struct KubeletUnit {
    /// `false` when no unit file was found and the flags come from the environment files
    /// kubeadm's drop-in would read.
    pub from_unit_files: bool,
    /// The unit, drop-ins and environment files read.
    pub found_by: Vec<Source>,
    /// `ExecStart=`'s program, when there is one.
    pub program: Option<String>,
    /// The command line after the program.
    pub words: Vec<Word>,
}

#[derive(Default)]
struct Service {
    environment: Vec<(String, Chars)>,
    environment_files: Vec<(String, bool, At)>,
    exec_start: Option<Chars>,
}

/// Reads `kubelet.service` and its drop-ins; without any, the files kubeadm's drop-in reads
/// (`kubeadm-flags.env`, then the extra-args file), in the order its `ExecStart=` uses them.
/// `None` when the node has none of them.
pub(crate) fn read_kubelet_unit(
    root: &NodeRoot,
    unreadable: &mut Vec<Unreadable>,
) -> Option<KubeletUnit> {
    let mut files = Files::default();
    let mut unit_files: Vec<(usize, String)> = Vec::new();

    let main = UNIT_DIRS
        .iter()
        .map(|dir| format!("{dir}/{UNIT_NAME}"))
        .find(|path| matches!(root.metadata(Path::new(path)), Ok(Some(meta)) if meta.is_file()));
    if let Some(path) = main
        && let Some(text) = read_or_record(root, &path, unreadable)
    {
        unit_files.push((files.add("systemd unit", &path), text));
    }

    // A drop-in's name in a higher-priority directory hides the same name below it; all
    // drop-ins then apply in name order, whatever their directory.
    let mut drop_ins: BTreeMap<String, String> = BTreeMap::new();
    for dir in UNIT_DIRS {
        let drop_in_dir = format!("{dir}/{UNIT_NAME}.d");
        match root.list_dir(Path::new(&drop_in_dir)) {
            Ok(Some(names)) => {
                for name in names.iter().filter_map(|name| name_text(name)) {
                    if name.ends_with(".conf") && !drop_ins.contains_key(name) {
                        drop_ins.insert(name.to_string(), format!("{drop_in_dir}/{name}"));
                    }
                }
            }
            Ok(None) => {}
            Err(reason) => unreadable.push(Unreadable {
                path: drop_in_dir,
                reason,
            }),
        }
    }
    for path in drop_ins.values() {
        if let Some(text) = read_or_record(root, path, unreadable) {
            unit_files.push((files.add("systemd drop-in", path), text));
        }
    }

    if unit_files.is_empty() {
        return read_without_unit(root, &mut files, unreadable);
    }

    let mut service = Service::default();
    for (file, text) in &unit_files {
        apply_unit(&mut service, *file, text);
    }
    let mut found_by: Vec<Source> = unit_files
        .iter()
        .map(|(file, _)| files.found(*file))
        .collect();

    let mut variables: BTreeMap<String, Chars> = service.environment.into_iter().collect();
    // systemd: variables from EnvironmentFile= override those from Environment=.
    for (path, optional, at) in &service.environment_files {
        let kind = env_file_kind(path);
        match root.read_text(Path::new(path)) {
            Ok(text) => {
                let file = files.add(kind, path);
                found_by.push(files.found(file));
                variables.extend(parse_env_file(file, &text));
            }
            Err(ReadError::Missing) if *optional => {}
            Err(error) => {
                let reason = match error {
                    ReadError::Missing => format!(
                        "named by EnvironmentFile= at {}:{} but missing (systemd does not start the kubelet so)",
                        files.list[at.file].1, at.line
                    ),
                    other => other.to_string(),
                };
                unreadable.push(Unreadable {
                    path: path.clone(),
                    reason,
                });
            }
        }
    }

    let mut unit = KubeletUnit {
        from_unit_files: true,
        found_by,
        ..KubeletUnit::default()
    };
    if let Some(exec) = &service.exec_start {
        let mut words = split_words(exec).into_iter();
        unit.program = words.next().map(|word| word.text());
        for word in words {
            expand_word(&word, &variables, &files, &mut unit.words);
        }
    }
    Some(unit)
}

/// No unit file (a partial copy of a node): the variables kubeadm's drop-in passes, from the
/// files it reads them from.
fn read_without_unit(
    root: &NodeRoot,
    files: &mut Files,
    unreadable: &mut Vec<Unreadable>,
) -> Option<KubeletUnit> {
    let mut unit = KubeletUnit::default();
    let mut any = false;
    let sources = std::iter::once((KUBEADM_FLAGS_ENV, "KUBELET_KUBEADM_ARGS")).chain(
        EXTRA_ARGS_FILES
            .iter()
            .map(|path| (*path, "KUBELET_EXTRA_ARGS")),
    );
    for (path, variable) in sources {
        let Some(text) = read_or_record(root, path, unreadable) else {
            continue;
        };
        any = true;
        let file = files.add(env_file_kind(path), path);
        unit.found_by.push(files.found(file));
        if let Some(value) = parse_env_file(file, &text).remove(variable) {
            for word in split_words(&value) {
                push_word(&word, files, &mut unit.words);
            }
        }
    }
    any.then_some(unit)
}

fn read_or_record(root: &NodeRoot, path: &str, unreadable: &mut Vec<Unreadable>) -> Option<String> {
    match root.read_text(Path::new(path)) {
        Ok(text) => Some(text),
        Err(ReadError::Missing) => None,
        Err(error) => {
            unreadable.push(Unreadable {
                path: path.to_string(),
                reason: error.to_string(),
            });
            None
        }
    }
}

fn env_file_kind(path: &str) -> &'static str {
    if path == KUBEADM_FLAGS_ENV {
        "kubeadm-flags.env"
    } else {
        "kubelet environment file"
    }
}

/// Applies one unit file's `[Service]` settings, in order.
fn apply_unit(service: &mut Service, file: usize, text: &str) {
    let mut section = String::new();
    for line in logical_lines(file, text) {
        let first = line.iter().position(|(c, _)| !c.is_whitespace());
        let Some(first) = first else { continue };
        let line = &line[first..];
        match line[0].0 {
            '#' | ';' => continue,
            '[' => {
                let header: String = line.iter().map(|(c, _)| *c).collect();
                section = header
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                continue;
            }
            _ => {}
        }
        if section != "Service" {
            continue;
        }
        let Some(equals) = line.iter().position(|(c, _)| *c == '=') else {
            continue;
        };
        let key: String = line[..equals].iter().map(|(c, _)| *c).collect();
        let value = trim(&line[equals + 1..]);
        match key.trim() {
            "Environment" if value.is_empty() => service.environment.clear(),
            "Environment" => {
                for word in split_words(value) {
                    if let Some(equals) = word.chars.iter().position(|(c, _)| *c == '=') {
                        let name: String = word.chars[..equals].iter().map(|(c, _)| *c).collect();
                        if !name.is_empty() {
                            service
                                .environment
                                .push((name, word.chars[equals + 1..].to_vec()));
                        }
                    }
                }
            }
            "EnvironmentFile" if value.is_empty() => service.environment_files.clear(),
            "EnvironmentFile" => {
                let text: String = value.iter().map(|(c, _)| *c).collect();
                let (path, optional) = match text.strip_prefix('-') {
                    Some(path) => (path.to_string(), true),
                    None => (text, false),
                };
                service.environment_files.push((path, optional, value[0].1));
            }
            "ExecStart" if value.is_empty() => service.exec_start = None,
            "ExecStart" => {
                // The prefixes say how to run the program (`-` ignore failure, `@` argv[0], ...).
                let program = value
                    .iter()
                    .position(|(c, _)| !matches!(c, '-' | '@' | ':' | '+' | '!'))
                    .unwrap_or(value.len());
                service.exec_start = Some(value[program..].to_vec());
            }
            _ => {}
        }
    }
}

/// Lines joined where they end in a backslash (replaced by a space, as systemd does); a
/// comment line inside such a continuation is dropped.
fn logical_lines(file: usize, text: &str) -> Vec<Chars> {
    let mut lines = Vec::new();
    let mut current: Chars = Vec::new();
    let mut continuing = false;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index as u32 + 1;
        let trimmed = raw.trim_start();
        if continuing && (trimmed.starts_with('#') || trimmed.starts_with(';')) {
            continue;
        }
        let mut chars: Chars = raw
            .chars()
            .enumerate()
            .map(|(column, c)| {
                (
                    c,
                    At {
                        file,
                        line: line_number,
                        column: column as u32 + 1,
                    },
                )
            })
            .collect();
        while chars.last().is_some_and(|(c, _)| c.is_whitespace()) {
            chars.pop();
        }
        let is_comment = !continuing && (trimmed.starts_with('#') || trimmed.starts_with(';'));
        if !is_comment && chars.last().is_some_and(|(c, _)| *c == '\\') {
            if let Some((_, at)) = chars.pop() {
                chars.push((' ', at));
            }
            current.extend(chars);
            continuing = true;
            continue;
        }
        current.extend(chars);
        lines.push(std::mem::take(&mut current));
        continuing = false;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn trim(chars: &[(char, At)]) -> &[(char, At)] {
    let start = chars
        .iter()
        .position(|(c, _)| !c.is_whitespace())
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|(c, _)| !c.is_whitespace())
        .map_or(start, |end| end + 1);
    &chars[start..end.max(start)]
}

/// systemd's word splitting: whitespace separates, `"..."` and `'...'` quote (anywhere in a
/// word), a backslash escapes the next character.
fn split_words(chars: &[(char, At)]) -> Vec<LocatedWord> {
    let mut words = Vec::new();
    let mut current: Option<LocatedWord> = None;
    let mut quote: Option<char> = None;
    let mut index = 0;
    while index < chars.len() {
        let (c, at) = chars[index];
        index += 1;
        if let Some(open) = quote {
            if c == open {
                quote = None;
            } else if c == '\\' && open == '"' && index < chars.len() {
                let word = current.get_or_insert_with(|| LocatedWord {
                    start: at,
                    chars: Vec::new(),
                });
                word.chars.push(unescape(chars[index]));
                index += 1;
            } else if let Some(word) = current.as_mut() {
                word.chars.push((c, at));
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(word) = current.take() {
                words.push(word);
            }
            continue;
        }
        let word = current.get_or_insert_with(|| LocatedWord {
            start: at,
            chars: Vec::new(),
        });
        match c {
            '"' | '\'' => quote = Some(c),
            '\\' if index < chars.len() => {
                word.chars.push(unescape(chars[index]));
                index += 1;
            }
            _ => word.chars.push((c, at)),
        }
    }
    if let Some(word) = current {
        words.push(word);
    }
    words
}

fn unescape((c, at): (char, At)) -> (char, At) {
    let c = match c {
        'n' => '\n',
        't' => '\t',
        other => other,
    };
    (c, at)
}

/// One `ExecStart=` word: `$NAME` alone becomes the variable's words (none when unset);
/// `${NAME}` inside a word is replaced in place; `$$` is a `$`.
fn expand_word(
    word: &LocatedWord,
    variables: &BTreeMap<String, Chars>,
    files: &Files,
    out: &mut Vec<Word>,
) {
    let text = word.text();
    if let Some(name) = text.strip_prefix('$')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        if let Some(value) = variables.get(name) {
            for part in split_words(value) {
                push_word(&part, files, out);
            }
        }
        return;
    }
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('$') {
        expanded.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            expanded.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{')
            && let Some(close) = inner.find('}')
        {
            if let Some(value) = variables.get(&inner[..close]) {
                expanded.extend(value.iter().map(|(c, _)| *c));
            }
            rest = &inner[close + 1..];
        } else {
            expanded.push('$');
            rest = after;
        }
    }
    expanded.push_str(rest);
    out.push(Word {
        text: expanded,
        source: files.source(word.at()),
    });
}

fn push_word(word: &LocatedWord, files: &Files, out: &mut Vec<Word>) {
    out.push(Word {
        text: word.text(),
        source: files.source(word.at()),
    });
}

/// An environment file as systemd reads it: `KEY=VALUE` lines, `#` and `;` comments, a value
/// quoted with `"` (backslash escapes) or `'` (literal) at its start, possibly over several
/// lines; an unquoted value loses its trailing blanks and continues after a backslash at the
/// end of a line.
fn parse_env_file(file: usize, text: &str) -> BTreeMap<String, Chars> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        PreKey,
        Comment,
        Key,
        PreValue,
        Value,
        Single,
        Double,
    }
    let mut located: Chars = Vec::with_capacity(text.len());
    for (index, line) in text.split('\n').enumerate() {
        for (column, c) in line.chars().enumerate() {
            located.push((
                c,
                At {
                    file,
                    line: index as u32 + 1,
                    column: column as u32 + 1,
                },
            ));
        }
        located.push((
            '\n',
            At {
                file,
                line: index as u32 + 1,
                column: line.chars().count() as u32 + 1,
            },
        ));
    }

    let mut variables = BTreeMap::new();
    let mut state = State::PreKey;
    let mut key = String::new();
    let mut value: Chars = Vec::new();
    // Length of `value` up to its last non-blank character, for trimming an unquoted value.
    let mut kept = 0usize;
    let mut index = 0;
    let mut finish = |key: &mut String, value: &mut Chars, kept: usize| {
        value.truncate(kept);
        let name = key.trim().to_string();
        if !name.is_empty() {
            variables.insert(name, std::mem::take(value));
        }
        key.clear();
        value.clear();
    };
    while index < located.len() {
        let (c, at) = located[index];
        index += 1;
        match state {
            State::PreKey => match c {
                '#' | ';' => state = State::Comment,
                c if c.is_whitespace() => {}
                c => {
                    key.push(c);
                    state = State::Key;
                }
            },
            State::Comment => {
                if c == '\n' {
                    state = State::PreKey;
                }
            }
            State::Key => match c {
                '=' => state = State::PreValue,
                '\n' => {
                    key.clear();
                    state = State::PreKey;
                }
                c => key.push(c),
            },
            State::PreValue => match c {
                '\n' => {
                    finish(&mut key, &mut value, 0);
                    kept = 0;
                    state = State::PreKey;
                }
                '\'' => state = State::Single,
                '"' => state = State::Double,
                c if c.is_whitespace() => {}
                '\\' => {
                    if let Some(&(next, next_at)) = located.get(index) {
                        index += 1;
                        if next != '\n' {
                            value.push((next, next_at));
                            kept = value.len();
                        }
                    }
                    state = State::Value;
                }
                c => {
                    value.push((c, at));
                    kept = value.len();
                    state = State::Value;
                }
            },
            State::Value => match c {
                '\n' => {
                    finish(&mut key, &mut value, kept);
                    kept = 0;
                    state = State::PreKey;
                }
                '\\' => {
                    if let Some(&(next, next_at)) = located.get(index) {
                        index += 1;
                        if next != '\n' {
                            value.push((next, next_at));
                            kept = value.len();
                        }
                    }
                }
                c => {
                    value.push((c, at));
                    if !c.is_whitespace() {
                        kept = value.len();
                    }
                }
            },
            State::Single => {
                if c == '\'' {
                    state = State::Value;
                } else {
                    value.push((c, at));
                    kept = value.len();
                }
            }
            State::Double => match c {
                '"' => state = State::Value,
                '\\' => {
                    if let Some(&(next, next_at)) = located.get(index) {
                        index += 1;
                        match next {
                            '\n' => {}
                            '"' | '\\' | '`' | '$' => {
                                value.push((next, next_at));
                            }
                            other => {
                                value.push(('\\', at));
                                value.push((other, next_at));
                            }
                        }
                        kept = value.len();
                    }
                }
                c => {
                    value.push((c, at));
                    kept = value.len();
                }
            },
        }
    }
    if matches!(
        state,
        State::Value | State::Single | State::Double | State::PreValue
    ) {
        finish(&mut key, &mut value, kept);
    }
    variables
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[LocatedWord]) -> Vec<String> {
        words.iter().map(LocatedWord::text).collect()
    }

    fn located(text: &str) -> Chars {
        text.chars()
            .enumerate()
            .map(|(column, c)| {
                (
                    c,
                    At {
                        file: 0,
                        line: 1,
                        column: column as u32 + 1,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn words_split_with_quotes_and_escapes() {
        let words = split_words(&located(r#"a "b c" --x="y z" 'q' \"e ''"#));
        assert_eq!(texts(&words), vec!["a", "b c", "--x=y z", "q", "\"e", ""]);
        assert_eq!(words[2].at().column, 9);
    }

    #[test]
    fn env_files_read_as_systemd_reads_them() {
        let text = "# comment\n; other\nA=plain value  \nB=\"quoted \\\"x\\\" $y\"\nC='single \\ n'\n  D = spaced\nE=multi\\\nline\nnovalue\nF=\n";
        let variables: BTreeMap<String, String> = parse_env_file(0, text)
            .into_iter()
            .map(|(name, chars)| (name, chars.iter().map(|(c, _)| *c).collect()))
            .collect();
        let expected: BTreeMap<String, String> = [
            ("A", "plain value"),
            ("B", "quoted \"x\" $y"),
            ("C", "single \\ n"),
            ("D", "spaced"),
            ("E", "multiline"),
            ("F", ""),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        assert_eq!(variables, expected);
    }

    #[test]
    fn env_file_values_keep_their_positions() {
        let text = "KUBELET_KUBEADM_ARGS=\"--a=1 --b=2\"\n";
        let value = parse_env_file(0, text)
            .remove("KUBELET_KUBEADM_ARGS")
            .unwrap_or_default();
        let words = split_words(&value);
        assert_eq!(texts(&words), vec!["--a=1", "--b=2"]);
        assert_eq!((words[1].at().line, words[1].at().column), (1, 29));
    }

    #[test]
    fn continued_lines_join_and_comments_inside_are_dropped() {
        let lines = logical_lines(0, "ExecStart=/usr/bin/kubelet \\\n# note\n  --v=2\n[X]\n");
        let first: String = lines[0].iter().map(|(c, _)| *c).collect();
        assert_eq!(first, "ExecStart=/usr/bin/kubelet    --v=2");
        assert_eq!(lines.len(), 2);
    }
}
