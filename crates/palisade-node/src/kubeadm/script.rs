//! The part of a bundle's `prepare-node.sh` that changes files: its `install`, `chmod` and `chown`
//! commands with literal octal modes and literal paths. Some benchmark checks ask for what
//! `kubeadm init` cannot be told to do (the etcd data directory owned by `etcd:etcd`, the
//! kubelet's config file and systemd drop-in at 0600); the bundle does them in that script, and
//! the reader folds them into the files it plans.
//!
//! Everything else is ignored: other commands, commands with variables, globs or command
//! substitutions (their effect is not known without running them), heredoc bodies, comments.
//! `&&`, `||` and `;` separate commands, so `[ -e F ] && chmod 0600 F` counts; a `chmod` or
//! `chown` of a file kubeadm does not write changes nothing.

/// One file change the script makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScriptOp {
    /// `install -d -m MODE -o OWNER -g GROUP DIR...`
    InstallDir {
        path: String,
        mode: u32,
        owner: String,
        group: String,
    },
    /// `install -m MODE -o OWNER -g GROUP SOURCE DEST`; `source` relative to the bundle.
    InstallFile {
        source: String,
        dest: String,
        mode: u32,
        owner: String,
        group: String,
    },
    Chmod {
        path: String,
        mode: u32,
        recursive: bool,
    },
    Chown {
        path: String,
        owner: String,
        group: Option<String>,
        recursive: bool,
    },
}

pub(crate) fn parse_script(text: &str) -> Vec<ScriptOp> {
    let mut ops = Vec::new();
    let mut heredoc_end: Option<String> = None;
    let mut pending = String::new();
    for raw in text.lines() {
        if let Some(end) = &heredoc_end {
            if raw.trim() == end {
                heredoc_end = None;
            }
            continue;
        }
        if let Some(continued) = raw.strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let line = std::mem::take(&mut pending);
        heredoc_end = heredoc_terminator(&line);
        for segment in segments(&line) {
            ops.extend(parse_command(&segment));
        }
    }
    ops
}

/// `cat > F <<'EOF'` starts a heredoc that ends at the line `EOF`.
fn heredoc_terminator(line: &str) -> Option<String> {
    let start = line.find("<<")?;
    let rest = line[start + 2..].trim_start_matches('-').trim_start();
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// The commands of a line, as lists of words; a comment ends the line.
fn segments(line: &str) -> Vec<Vec<String>> {
    let mut segments = vec![Vec::new()];
    for word in line.split_whitespace() {
        if word.starts_with('#') {
            break;
        }
        let (word, ends_command) = match word.strip_suffix(';') {
            Some(stripped) => (stripped, true),
            None => (word, false),
        };
        if matches!(word, "&&" | "||" | ";" | "|") {
            segments.push(Vec::new());
            continue;
        }
        if !word.is_empty()
            && let Some(current) = segments.last_mut()
        {
            current.push(word.to_string());
        }
        if ends_command {
            segments.push(Vec::new());
        }
    }
    segments.retain(|segment| !segment.is_empty());
    segments
}

/// A word without its quotes, or `None` when the shell would expand it.
fn literal(word: &str) -> Option<String> {
    let unquoted = if word.len() >= 2
        && ((word.starts_with('"') && word.ends_with('"'))
            || (word.starts_with('\'') && word.ends_with('\'')))
    {
        &word[1..word.len() - 1]
    } else {
        word
    };
    let expands = unquoted.chars().any(|c| {
        matches!(
            c,
            '$' | '`' | '*' | '?' | '[' | '{' | '~' | '"' | '\'' | '(' | '<' | '>'
        )
    });
    (!expands).then(|| unquoted.to_string())
}

fn octal_mode(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 4 || !word.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(word, 8).ok()
}

fn parse_command(words: &[String]) -> Vec<ScriptOp> {
    let mut words: Vec<String> = match words.iter().map(|word| literal(word)).collect() {
        Some(words) => words,
        None => return Vec::new(),
    };
    while words
        .first()
        .is_some_and(|word| matches!(word.as_str(), "then" | "do" | "else" | "sudo"))
    {
        words.remove(0);
    }
    let Some((command, rest)) = words.split_first() else {
        return Vec::new();
    };
    match command.as_str() {
        "install" => parse_install(rest),
        "chmod" => parse_chmod(rest),
        "chown" => parse_chown(rest),
        _ => Vec::new(),
    }
}

fn parse_install(words: &[String]) -> Vec<ScriptOp> {
    let mut directories = false;
    let mut mode = 0o755;
    let mut owner = String::from("root");
    let mut group = String::from("root");
    let mut operands = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "-d" | "--directory" => directories = true,
            "-m" | "--mode" => match words.next().and_then(|w| octal_mode(w)) {
                Some(parsed) => mode = parsed,
                None => return Vec::new(),
            },
            "-o" | "--owner" => match words.next() {
                Some(name) => owner = name.clone(),
                None => return Vec::new(),
            },
            "-g" | "--group" => match words.next() {
                Some(name) => group = name.clone(),
                None => return Vec::new(),
            },
            "-D" | "-p" | "-v" | "-C" | "--compare" | "--preserve-timestamps" | "--verbose" => {}
            option if option.starts_with("--mode=") => {
                match octal_mode(&option["--mode=".len()..]) {
                    Some(parsed) => mode = parsed,
                    None => return Vec::new(),
                }
            }
            option if option.starts_with("--owner=") => owner = option["--owner=".len()..].into(),
            option if option.starts_with("--group=") => group = option["--group=".len()..].into(),
            option if option.starts_with('-') => return Vec::new(),
            operand => operands.push(operand.to_string()),
        }
    }
    if directories {
        return operands
            .into_iter()
            .map(|path| ScriptOp::InstallDir {
                path,
                mode,
                owner: owner.clone(),
                group: group.clone(),
            })
            .collect();
    }
    match operands.as_slice() {
        [source, dest] => vec![ScriptOp::InstallFile {
            source: source.clone(),
            dest: dest.clone(),
            mode,
            owner,
            group,
        }],
        _ => Vec::new(),
    }
}

fn parse_chmod(words: &[String]) -> Vec<ScriptOp> {
    let recursive = words.iter().any(|w| w == "-R" || w == "--recursive");
    let mut operands = words.iter().filter(|w| !w.starts_with('-'));
    let Some(mode) = operands.next().and_then(|w| octal_mode(w)) else {
        return Vec::new();
    };
    operands
        .map(|path| ScriptOp::Chmod {
            path: path.clone(),
            mode,
            recursive,
        })
        .collect()
}

fn parse_chown(words: &[String]) -> Vec<ScriptOp> {
    let recursive = words.iter().any(|w| w == "-R" || w == "--recursive");
    let mut operands = words.iter().filter(|w| !w.starts_with('-'));
    let Some(spec) = operands.next() else {
        return Vec::new();
    };
    let (owner, group) = match spec.split_once([':', '.']) {
        Some((owner, group)) => (
            owner.to_string(),
            (!group.is_empty()).then(|| group.to_string()),
        ),
        None => (spec.clone(), None),
    };
    if owner.is_empty() {
        return Vec::new();
    }
    operands
        .map(|path| ScriptOp::Chown {
            path: path.clone(),
            owner: owner.clone(),
            group: group.clone(),
            recursive,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_install_chmod_and_chown_and_skips_what_it_cannot_know() {
        let script = "#!/bin/sh\nset -eu\ncd \"$(dirname \"$0\")\"\n\
            install -d -m 0700 -o etcd -g etcd /var/lib/etcd\n\
            install -m 0600 -o root -g root \\\n  audit-policy.yaml /etc/kubernetes/security/audit-policy.yaml\n\
            if [ -e /etc/x.conf ]; then chmod 0600 /etc/x.conf; fi\n\
            [ -e /etc/y.conf ] && chown root:root /etc/y.conf\n\
            chmod 0600 \"$FILE\"\n\
            chmod u+x /etc/z\n\
            cat > /etc/sysctl.d/k.conf <<'EOF'\ninstall -d /not/a/command\nEOF\n\
            install -d /after/heredoc # a comment\n";
        let ops = parse_script(script);
        assert_eq!(
            ops,
            vec![
                ScriptOp::InstallDir {
                    path: "/var/lib/etcd".into(),
                    mode: 0o700,
                    owner: "etcd".into(),
                    group: "etcd".into()
                },
                ScriptOp::InstallFile {
                    source: "audit-policy.yaml".into(),
                    dest: "/etc/kubernetes/security/audit-policy.yaml".into(),
                    mode: 0o600,
                    owner: "root".into(),
                    group: "root".into()
                },
                ScriptOp::Chmod {
                    path: "/etc/x.conf".into(),
                    mode: 0o600,
                    recursive: false
                },
                ScriptOp::Chown {
                    path: "/etc/y.conf".into(),
                    owner: "root".into(),
                    group: Some("root".into()),
                    recursive: false
                },
                ScriptOp::InstallDir {
                    path: "/after/heredoc".into(),
                    mode: 0o755,
                    owner: "root".into(),
                    group: "root".into()
                },
            ]
        );
    }
}
