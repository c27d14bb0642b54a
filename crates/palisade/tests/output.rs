//! Where reports go: `--output-file` (atomically), and colour (`--color`, `NO_COLOR`).

mod common;

use common::{PRIVILEGED_POD, Run, Workspace, palisade};

const ESC: char = '\u{1b}';

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    work.mkdir("out");

    let to_stdout = work.run(&["scan", "--no-config", "-o", "json", "pod.yaml"]);
    let to_file = work.run(&[
        "scan",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        "out/report.json",
        "pod.yaml",
    ]);

    assert_eq!(to_file.code, 1, "{}", to_file.stderr);
    assert_eq!(to_file.stdout, "");
    assert_eq!(to_file.stderr, "");
    let written = std::fs::read_to_string(work.join("out/report.json")).unwrap();
    assert_eq!(written, to_stdout.stdout);
    assert_eq!(
        work.list("out"),
        vec!["report.json"],
        "temporary files left behind"
    );
}

#[test]
fn output_file_replaces_an_existing_file_whole() {
    let work = Workspace::new();
    work.write("deploy.yaml", common::HARDENED_DEPLOYMENT);
    // Longer than the report, so that writing in place would leave a tail.
    let old = "stale report line\n".repeat(10_000);
    work.write("out/report.json", &old);

    let run = work.run(&[
        "scan",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        "out/report.json",
        "deploy.yaml",
    ]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(work.join("out/report.json")).unwrap();
    assert!(written.len() < old.len());
    assert!(!written.contains("stale"));
    let report: serde_json::Value = serde_json::from_str(&written).expect("the whole file is JSON");
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(
        work.list("out"),
        vec!["report.json"],
        "temporary files left behind"
    );
}

#[cfg(unix)]
#[test]
fn output_file_has_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    // What any program's new file gets here under the current umask.
    work.write("out/ordinary", "x");
    let mode = |name: &str| {
        std::fs::metadata(work.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };

    let run = work.run(&[
        "scan",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        "out/new.json",
        "pod.yaml",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        mode("out/new.json"),
        mode("out/ordinary"),
        "a new report gets the permissions of a new file"
    );

    // A replaced report keeps the permissions it had.
    std::fs::set_permissions(
        work.join("out/new.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let again = work.run(&[
        "scan",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        "out/new.json",
        "pod.yaml",
    ]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(mode("out/new.json"), 0o640);
}

#[test]
fn output_file_in_a_missing_directory_exits_2_and_writes_nothing() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    let before = work.list(".");

    let run = work.run(&[
        "scan",
        "--no-config",
        "-o",
        "json",
        "--output-file",
        "missing/sub/report.json",
        "pod.yaml",
    ]);

    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "palisade: cannot write missing/sub/report.json: directory missing/sub does not exist\n"
    );
    assert!(!work.join("missing").exists());
    assert_eq!(work.list("."), before);
}

#[test]
fn output_file_under_a_file_exits_2() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&[
        "scan",
        "--no-config",
        "--output-file",
        "pod.yaml/report.json",
        "pod.yaml",
    ]);

    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "palisade: cannot write pod.yaml/report.json: pod.yaml is not a directory\n"
    );
    assert_eq!(work.list("."), vec!["pod.yaml"]);
}

#[test]
fn output_file_that_is_a_directory_exits_2_and_leaves_no_temporary_file() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    work.mkdir("out/report.json");

    let run = work.run(&[
        "scan",
        "--no-config",
        "--output-file",
        "out/report.json",
        "pod.yaml",
    ]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("palisade: cannot write out/report.json: "),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(".tmp") && !run.stderr.contains(".palisade-report"),
        "{}",
        run.stderr
    );
    assert_eq!(work.list("out"), vec!["report.json"]);
    assert!(work.join("out/report.json").is_dir());
}

#[test]
fn with_an_output_file_input_errors_are_told_on_stderr() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD)
        .write("bad.yaml", "a: [\n");

    let run = work.run(&[
        "scan",
        "--no-config",
        "--output-file",
        "report.txt",
        "pod.yaml",
        "bad.yaml",
    ]);

    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("palisade: bad.yaml:2:1: invalid YAML"),
        "{}",
        run.stderr
    );
    let table = std::fs::read_to_string(work.join("report.txt")).unwrap();
    assert!(table.contains("pod.yaml:11:9"), "{table}");
    assert!(
        !table.contains(ESC),
        "a table written to a file is not coloured by default"
    );
}

fn table(work: &Workspace, arguments: &[&str], no_color: Option<&str>) -> Run {
    let mut command = work.command();
    command.args(arguments);
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    Run::from_output(command.output().unwrap())
}

#[test]
fn colour_only_when_asked_for() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    let scan = ["scan", "--no-config", "pod.yaml"];

    let always = table(&work, &[&scan[..], &["--color", "always"]].concat(), None);
    assert_eq!(always.code, 1);
    assert!(always.stdout.contains("\u{1b}["), "{}", always.stdout);
    // The position is still there, inside its style.
    assert!(always.stdout.contains("pod.yaml:11:9"), "{}", always.stdout);

    let never = table(&work, &[&scan[..], &["--color", "never"]].concat(), None);
    assert!(!never.stdout.contains(ESC), "{}", never.stdout);
    // Without the escapes, the same text.
    assert_eq!(strip_ansi(&always.stdout), never.stdout);

    let auto_piped = table(&work, &scan, None);
    assert!(
        !auto_piped.stdout.contains(ESC),
        "not a terminal: no colour"
    );

    let no_color = table(&work, &scan, Some("1"));
    assert!(!no_color.stdout.contains(ESC));
    let no_color_never = table(
        &work,
        &[&scan[..], &["--color", "never"]].concat(),
        Some("1"),
    );
    assert!(!no_color_never.stdout.contains(ESC));

    // Machine-readable formats are never coloured.
    for format in ["json", "sarif", "junit"] {
        let run = table(
            &work,
            &[&scan[..], &["--color", "always", "-o", format]].concat(),
            None,
        );
        assert!(!run.stdout.contains(ESC), "{format} is coloured");
    }
}

#[test]
fn rules_and_explain_follow_the_colour_choice() {
    for arguments in [vec!["rules"], vec!["explain", "privileged-container"]] {
        let run = |extra: &[&str], no_color: bool| {
            let mut command = palisade();
            command.args(&arguments).args(extra);
            if no_color {
                command.env("NO_COLOR", "1");
            }
            Run::from_output(command.output().unwrap())
        };
        let always = run(&["--color", "always"], false);
        assert_eq!(always.code, 0);
        assert!(always.stdout.contains("\u{1b}["), "{arguments:?}");
        assert!(
            !run(&["--color", "never"], false).stdout.contains(ESC),
            "{arguments:?}"
        );
        assert!(!run(&[], true).stdout.contains(ESC), "{arguments:?}");
        assert_eq!(
            strip_ansi(&always.stdout),
            run(&["--color", "never"], false).stdout
        );
    }
}

/// Removes `ESC [ ... m` sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESC {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
