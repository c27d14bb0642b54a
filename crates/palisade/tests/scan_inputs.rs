//! `palisade scan` inputs: files, directories (recursive, by extension, hidden folders and
//! `.gitignore` skipped), stdin as `-`, and all of them mixed.

mod common;

use std::collections::BTreeSet;

use common::{PRIVILEGED_POD, Run, Workspace, position_of};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

#[test]
fn scans_each_file_named() {
    let work = Workspace::new();
    work.write("a.yaml", PRIVILEGED_POD)
        .write("b.yml", common::privileged_pod("other", "dev"));

    let (run, report) = work.scan_json(&["a.yaml", "b.yml"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report.finding_files(), set(&["a.yaml", "b.yml"]));
    assert_eq!(report.of_rule("privileged-container").len(), 2);
    assert_eq!(report.summary()["files"], 2);
    assert_eq!(report.summary()["objects"], 2);
    assert!(report.errors().is_empty(), "{:?}", report.errors());
}

/// A tree with manifests at several depths, files of other extensions, a hidden folder and
/// ignore files at two levels; the temporary directory is not inside a git repository.
fn manifest_tree(work: &Workspace) {
    let pod = PRIVILEGED_POD;
    work.write("m/a.yaml", pod)
        .write("m/sub/b.yml", pod)
        .write("m/sub/deep/c.json", POD_JSON)
        .write("m/sub/deep/UPPER.YAML", pod)
        // Other extensions are not manifests, even with YAML inside.
        .write("m/notes.txt", pod)
        .write("m/a.yaml.bak", pod)
        .write("m/README.md", "# not a manifest\n")
        .write("m/chart/values.yaml.tpl", pod)
        // Hidden folders and hidden files are skipped.
        .write("m/.hidden/h.yaml", pod)
        .write("m/sub/.cache/deep/h.yml", pod)
        .write("m/.secret.yaml", pod)
        // What the .gitignore files list is skipped, at their own level and below.
        .write("m/.gitignore", "vendor/\nskip-me.yaml\n")
        .write("m/vendor/v.yaml", pod)
        .write("m/skip-me.yaml", pod)
        .write("m/sub/skip-me.yaml", pod)
        .write("m/sub/.gitignore", "generated-*.yaml\n")
        .write("m/sub/generated-1.yaml", pod)
        .write("m/generated-2.yaml", pod);
}

const POD_JSON: &str = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
 "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true}}]}}
"#;

fn assert_not_in_a_git_repository(work: &Workspace) {
    for ancestor in work.path().ancestors() {
        assert!(
            !ancestor.join(".git").exists(),
            "the temporary directory is inside a git repository ({}); this test is about .gitignore outside one",
            ancestor.display()
        );
    }
}

#[test]
fn walks_a_directory_recursively_skipping_hidden_and_ignored_paths() {
    let work = Workspace::new();
    manifest_tree(&work);
    assert_not_in_a_git_repository(&work);

    let (run, report) = work.scan_json(&["m"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected = set(&[
        "m/a.yaml",
        "m/generated-2.yaml",
        "m/sub/b.yml",
        "m/sub/deep/UPPER.YAML",
        "m/sub/deep/c.json",
    ]);
    assert_eq!(report.finding_files(), expected);
    assert_eq!(report.of_rule("privileged-container").len(), expected.len());
    assert_eq!(report.summary()["files"], expected.len());
    assert_eq!(report.summary()["objects"], expected.len());
    assert!(report.errors().is_empty(), "{:?}", report.errors());
}

#[test]
fn walks_the_current_directory_with_paths_relative_to_it() {
    let work = Workspace::new();
    manifest_tree(&work);

    let report = Run::from_output(
        work.command()
            .current_dir(work.join("m"))
            .args(["scan", "--no-config", "-o", "json", "."])
            .output()
            .unwrap(),
    );

    assert_eq!(report.code, 1, "{}", report.stderr);
    assert_eq!(
        report.json().finding_files(),
        set(&[
            "a.yaml",
            "generated-2.yaml",
            "sub/b.yml",
            "sub/deep/UPPER.YAML",
            "sub/deep/c.json"
        ])
    );
}

#[test]
fn a_parent_gitignore_applies_to_a_scanned_subdirectory() {
    let work = Workspace::new();
    work.write("g/.gitignore", "sub/deep/\n*.json\n")
        .write("g/sub/deep/x.yaml", PRIVILEGED_POD)
        .write("g/sub/keep/y.yaml", PRIVILEGED_POD)
        .write("g/sub/z.json", POD_JSON);

    let (run, report) = work.scan_json(&["g/sub"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report.finding_files(), set(&["g/sub/keep/y.yaml"]));
}

#[test]
fn files_named_on_the_command_line_are_read_even_if_hidden_or_ignored() {
    let work = Workspace::new();
    manifest_tree(&work);

    let (run, report) = work.scan_json(&["m/.hidden/h.yaml", "m/skip-me.yaml", "m/notes.txt"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        report.finding_files(),
        set(&["m/.hidden/h.yaml", "m/notes.txt", "m/skip-me.yaml"])
    );
}

#[test]
fn a_directory_without_manifests_is_an_input_error() {
    let work = Workspace::new();
    work.write("empty/notes.txt", "hello\n");

    let (run, report) = work.scan_json(&["empty"]);

    assert_eq!(run.code, 2);
    assert_eq!(report.error_files(), vec!["empty"]);
    assert_eq!(
        report.errors()[0]["message"],
        "cannot read: no .yaml, .yml or .json files or Dockerfiles in this directory"
    );
}

#[test]
fn stdin_is_read_for_dash_and_named_dash_in_locations() {
    let work = Workspace::new();

    let run = work.run_with_stdin(&["scan", "--no-config", "-o", "json", "-"], PRIVILEGED_POD);

    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report.finding_files(), set(&["-"]));
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        common::Report::location(privileged[0]),
        ("-".to_string(), 11, 9)
    );
    assert_eq!(report.summary()["files"], 1);

    let table = work.run_with_stdin(
        &["scan", "--no-config", "--color", "never", "-"],
        PRIVILEGED_POD,
    );
    assert_eq!(table.code, 1);
    assert!(
        table.stdout.contains("Pod prod/web  -:11:9"),
        "{}",
        table.stdout
    );
}

#[test]
fn stdin_named_twice_is_read_once() {
    let work = Workspace::new();

    let run = work.run_with_stdin(
        &["scan", "--no-config", "-o", "json", "-", "-"],
        PRIVILEGED_POD,
    );

    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report.of_rule("privileged-container").len(), 1);
    assert_eq!(report.summary()["files"], 1);
}

#[test]
fn a_directory_a_file_and_stdin_in_one_run() {
    let work = Workspace::new();
    work.write("dir/a.yaml", PRIVILEGED_POD)
        .write("dir/sub/b.yml", PRIVILEGED_POD)
        .write("dir/ignored.txt", PRIVILEGED_POD)
        .write("file.yaml", PRIVILEGED_POD);

    let run = work.run_with_stdin(
        &["scan", "--no-config", "-o", "json", "dir", "file.yaml", "-"],
        PRIVILEGED_POD,
    );

    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report.finding_files(),
        set(&["-", "dir/a.yaml", "dir/sub/b.yml", "file.yaml"])
    );
    let privileged: Vec<(String, u64, u64)> = report
        .of_rule("privileged-container")
        .into_iter()
        .map(common::Report::location)
        .collect();
    let (line, column) = position_of(PRIVILEGED_POD, "privileged: true", 0);
    let at = |file: &str| (file.to_string(), line, column);
    assert_eq!(
        privileged,
        vec![
            at("-"),
            at("dir/a.yaml"),
            at("dir/sub/b.yml"),
            at("file.yaml")
        ]
    );
    assert_eq!(report.summary()["files"], 4);
    assert_eq!(report.summary()["objects"], 4);
}
