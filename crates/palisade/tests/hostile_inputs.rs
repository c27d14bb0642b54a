//! Hostile and broken inputs through the binary: each gets a clear error naming the file, the
//! run exits 2 and finishes, and the good files of the same run are still reported.
//!
//! The timeouts are hang guards, not speed tests.

mod common;

use std::time::Duration;

use common::{PRIVILEGED_POD, Report, Run, Workspace};

const HANG_GUARD: Duration = Duration::from_secs(10);

/// "Billion laughs": ten levels of nine aliases each, 10^9 nodes if expanded.
fn billion_laughs() -> String {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in b'b'..=b'j' {
        let previous = (level - 1) as char;
        let aliases = vec![format!("*{previous}"); 9].join(",");
        text.push_str(&format!(
            "{}: &{} [{aliases}]\n",
            level as char, level as char
        ));
    }
    text
}

const HELM_TEMPLATE: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-web
spec:
  containers:
    - name: web
      image: \"{{ .Values.image }}\"
";

/// The hostile files: name, contents, and what the error message must say.
fn hostile_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut binary = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    binary.extend((0..=255u8).cycle().take(4096));
    vec![
        (
            "helm.yaml",
            HELM_TEMPLATE.as_bytes().to_vec(),
            "render it first",
        ),
        ("bomb.yaml", billion_laughs().into_bytes(), "alias"),
        ("binary.yaml", binary, "binary file"),
        (
            "latin1.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".to_vec(),
            "invalid UTF-8",
        ),
        (
            "deep.json",
            "[".repeat(100_000).into_bytes(),
            "nesting deeper than",
        ),
        (
            "deep.yaml",
            "[".repeat(100_000).into_bytes(),
            "nesting deeper than",
        ),
        (
            "truncated.json",
            br#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x""#.to_vec(),
            "truncated",
        ),
    ]
}

fn scan_guarded(work: &Workspace, arguments: &[&str]) -> Run {
    Run::from_output(
        work.command()
            .args(arguments)
            .timeout(HANG_GUARD)
            .output()
            .expect("run palisade"),
    )
}

fn assert_good_file_reported(report: &Report) {
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1, "{:#?}", report.findings());
    assert_eq!(
        Report::location(privileged[0]),
        ("good.yaml".to_string(), 11, 9)
    );
}

#[test]
fn each_hostile_file_is_an_error_naming_it_and_the_good_file_is_still_reported() {
    for (name, contents, says) in hostile_files() {
        let work = Workspace::new();
        work.write(name, &contents)
            .write("good.yaml", PRIVILEGED_POD);

        let run = scan_guarded(
            &work,
            &["scan", "--no-config", "-o", "json", name, "good.yaml"],
        );

        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report.error_files(), vec![name], "{name}");
        let message = report.errors()[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{name}: {message}");
        assert_good_file_reported(&report);
        assert_eq!(report.summary()["files"], 2, "{name}");
        assert_eq!(report.summary()["errors"], 1, "{name}");
        assert!(
            run.stderr.starts_with(&format!("palisade: {name}")),
            "{name}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
    }
}

#[test]
fn hostile_errors_have_positions_where_a_position_makes_sense() {
    let work = Workspace::new();
    for (name, contents, _) in hostile_files() {
        work.write(name, &contents);
    }
    let names: Vec<&str> = hostile_files().iter().map(|(name, _, _)| *name).collect();
    let mut arguments = vec!["scan", "--no-config", "-o", "json"];
    arguments.extend(&names);

    let run = scan_guarded(&work, &arguments);

    assert_eq!(run.code, 2);
    let report = run.json();
    let position = |file: &str| {
        let error = report
            .errors()
            .iter()
            .find(|error| error["file"] == file)
            .unwrap_or_else(|| panic!("no error for {file}: {:?}", report.errors()));
        (error["line"].as_u64(), error["column"].as_u64())
    };
    // The template expression on line 4.
    assert_eq!(position("helm.yaml"), (Some(4), Some(9)));
    // The first byte that is not UTF-8: `é` in Latin-1.
    assert_eq!(position("latin1.yaml"), (Some(4), Some(12)));
    // The first bracket too deep.
    assert_eq!(position("deep.json"), (Some(1), Some(257)));
    // A binary file has no lines.
    assert_eq!(position("binary.yaml"), (None, None));
    assert_eq!(report.errors().len(), names.len());
    assert!(report.findings().is_empty());
}

#[test]
fn hostile_files_in_a_directory_do_not_stop_the_walk() {
    let work = Workspace::new();
    for (name, contents, _) in hostile_files() {
        work.write(&format!("dir/{name}"), &contents);
    }
    work.write("dir/zz/good.yaml", PRIVILEGED_POD);

    let run = scan_guarded(&work, &["scan", "--no-config", "-o", "json", "dir"]);

    assert_eq!(run.code, 2);
    let report = run.json();
    let mut expected: Vec<String> = hostile_files()
        .iter()
        .map(|(name, _, _)| format!("dir/{name}"))
        .collect();
    expected.sort();
    assert_eq!(report.error_files(), expected);
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        Report::location(privileged[0]),
        ("dir/zz/good.yaml".to_string(), 11, 9)
    );
}

#[test]
fn hostile_stdin_is_named_dash() {
    for (name, contents, says) in hostile_files() {
        let work = Workspace::new();
        work.write("good.yaml", PRIVILEGED_POD);

        let run = Run::from_output(
            work.command()
                .args(["scan", "--no-config", "-o", "json", "good.yaml", "-"])
                .write_stdin(contents)
                .timeout(HANG_GUARD)
                .output()
                .unwrap(),
        );

        assert_eq!(run.code, 2, "{name} on stdin");
        let report = run.json();
        assert_eq!(report.error_files(), vec!["-"], "{name} on stdin");
        let message = report.errors()[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{name} on stdin: {message}");
        assert_good_file_reported(&report);
    }
}

#[test]
fn the_table_tells_hostile_errors_too() {
    let work = Workspace::new();
    work.write("helm.yaml", HELM_TEMPLATE)
        .write("bomb.yaml", billion_laughs())
        .write("good.yaml", PRIVILEGED_POD);

    let run = scan_guarded(
        &work,
        &[
            "scan",
            "--no-config",
            "--color",
            "never",
            "helm.yaml",
            "bomb.yaml",
            "good.yaml",
        ],
    );

    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("Could not read 2 inputs"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "helm.yaml:4:9: unrendered Helm/Go template `{{ .Release.Name }}`: render it first"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("bomb.yaml:"), "{}", run.stdout);
    assert!(run.stdout.contains("good.yaml:11:9"), "{}", run.stdout);
}
