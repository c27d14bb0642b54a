//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input error.

mod common;

use common::{
    HARDENED_DEPLOYMENT, PRIVILEGED_POD, Workspace, high_only_deployment, medium_only_deployment,
};

#[test]
fn a_hardened_deployment_is_clean_and_exits_0() {
    let work = Workspace::new();
    work.write("deploy.yaml", HARDENED_DEPLOYMENT);

    let (run, report) = work.scan_json(&["deploy.yaml"]);
    assert_eq!(run.code, 0, "{:#?}", report.findings());
    assert!(report.findings().is_empty());
    assert!(report.errors().is_empty());
    assert_eq!(report.summary()["objects"], 3);
    assert_eq!(report.summary()["findings"], 0);

    let table = work.run(&["scan", "--no-config", "deploy.yaml"]);
    assert_eq!(table.code, 0);
    assert_eq!(table.stdout, "No findings in 3 objects from 1 file\n");
    assert_eq!(table.stderr, "");
}

#[test]
fn findings_exit_1() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&["scan", "--no-config", "pod.yaml"]);

    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
}

#[test]
fn fail_on_sets_the_threshold() {
    let work = Workspace::new();
    work.write("medium.yaml", medium_only_deployment())
        .write("high.yaml", high_only_deployment())
        .write("critical.yaml", PRIVILEGED_POD);

    // The fixtures have the severities their names say.
    let (_, medium) = work.scan_json(&["medium.yaml"]);
    assert_eq!(medium.rules(), vec!["missing-cpu-limit"]);
    assert_eq!(medium.findings()[0]["severity"], "medium");
    let (_, high) = work.scan_json(&["high.yaml"]);
    assert_eq!(high.rules(), vec!["host-network"]);
    assert_eq!(high.findings()[0]["severity"], "high");

    let code = |fail_on: &str, file: &str| {
        work.run(&["scan", "--no-config", "--fail-on", fail_on, file])
            .code
    };
    assert_eq!(code("info", "medium.yaml"), 1);
    assert_eq!(code("medium", "medium.yaml"), 1);
    assert_eq!(code("high", "medium.yaml"), 0);
    assert_eq!(code("high", "high.yaml"), 1);
    assert_eq!(code("critical", "high.yaml"), 0);
    assert_eq!(code("critical", "critical.yaml"), 1);
    assert_eq!(code("never", "critical.yaml"), 0);
    // The default is info: any finding fails.
    assert_eq!(work.run(&["scan", "--no-config", "medium.yaml"]).code, 1);
}

#[test]
fn usage_errors_exit_2() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let no_path = work.run(&["scan"]);
    assert_eq!(no_path.code, 2);
    assert!(
        no_path
            .stderr
            .contains("the following required arguments were not provided"),
        "{}",
        no_path.stderr
    );
    assert!(no_path.stderr.contains("<PATH>"), "{}", no_path.stderr);
    assert_eq!(no_path.stdout, "");

    let unknown_flag = work.run(&["scan", "--bogus", "pod.yaml"]);
    assert_eq!(unknown_flag.code, 2);
    assert!(
        unknown_flag
            .stderr
            .contains("unexpected argument '--bogus'"),
        "{}",
        unknown_flag.stderr
    );

    let bad_output = work.run(&["scan", "-o", "xml", "pod.yaml"]);
    assert_eq!(bad_output.code, 2);
    assert!(
        bad_output.stderr.contains("invalid value 'xml'"),
        "{}",
        bad_output.stderr
    );
    assert!(
        bad_output.stderr.contains("table, json, sarif, junit"),
        "{}",
        bad_output.stderr
    );

    let bad_fail_on = work.run(&["scan", "--fail-on", "severe", "pod.yaml"]);
    assert_eq!(bad_fail_on.code, 2);
    assert!(
        bad_fail_on.stderr.contains("invalid value 'severe'"),
        "{}",
        bad_fail_on.stderr
    );

    let no_command = work.run(&[]);
    assert_eq!(no_command.code, 2);

    let conflicting = work.run(&["scan", "--config", "c.yaml", "--no-config", "pod.yaml"]);
    assert_eq!(conflicting.code, 2);
    assert!(
        conflicting.stderr.contains("cannot be used with"),
        "{}",
        conflicting.stderr
    );
}

#[test]
fn an_input_that_fails_to_load_exits_2_and_the_others_are_still_reported() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD)
        .write("bad.yaml", "a: [\n");

    let (run, report) = work.scan_json(&["pod.yaml", "bad.yaml"]);

    assert_eq!(run.code, 2);
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        common::Report::location(privileged[0]),
        ("pod.yaml".into(), 11, 9)
    );
    assert_eq!(report.errors().len(), 1);
    let error = &report.errors()[0];
    assert_eq!(error["file"], "bad.yaml");
    assert_eq!(error["line"], 2);
    assert_eq!(error["column"], 1);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid YAML"),
        "{error}"
    );
    assert_eq!(report.summary()["errors"], 1);
    assert_eq!(report.summary()["files"], 2);
    // With a machine-readable report on stdout, errors are also told on stderr.
    assert!(
        run.stderr.contains("palisade: bad.yaml:2:1: invalid YAML"),
        "{}",
        run.stderr
    );

    // The table shows both, and still exits 2.
    let table = work.run(&[
        "scan",
        "--no-config",
        "--color",
        "never",
        "pod.yaml",
        "bad.yaml",
    ]);
    assert_eq!(table.code, 2);
    assert!(
        table.stdout.contains("bad.yaml:2:1: invalid YAML"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("privileged-container  Pod prod/web  pod.yaml:11:9"),
        "{}",
        table.stdout
    );

    // Even --fail-on never does not hide an input error.
    let never = work.run(&[
        "scan",
        "--no-config",
        "--fail-on",
        "never",
        "pod.yaml",
        "bad.yaml",
    ]);
    assert_eq!(never.code, 2);
}

#[test]
fn a_missing_path_exits_2() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let (run, report) = work.scan_json(&["missing.yaml", "pod.yaml"]);

    assert_eq!(run.code, 2);
    assert_eq!(report.error_files(), vec!["missing.yaml"]);
    let error = &report.errors()[0];
    assert_eq!(error["message"], "cannot read: no such file or directory");
    assert_eq!(error["line"], serde_json::Value::Null);
    assert_eq!(error["column"], serde_json::Value::Null);
    assert_eq!(report.of_rule("privileged-container").len(), 1);
    assert!(
        run.stderr
            .contains("palisade: missing.yaml: cannot read: no such file or directory"),
        "{}",
        run.stderr
    );

    let alone = work.run(&["scan", "--no-config", "missing.yaml"]);
    assert_eq!(alone.code, 2);
    assert!(
        alone
            .stdout
            .contains("missing.yaml: cannot read: no such file or directory"),
        "{}",
        alone.stdout
    );
}

#[test]
fn an_invalid_configuration_exits_2_naming_file_line_and_column() {
    let work = Workspace::new();
    let text = "rules:\n  privileged-container: {severity: extreme}\n";
    work.write("pod.yaml", PRIVILEGED_POD)
        .write(".palisade.yaml", text);
    assert_eq!(common::position_of(text, "extreme", 0), (2, 36));

    let run = work.run(&["scan", "pod.yaml"]);

    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    let config = work.join(".palisade.yaml");
    let expected = format!(
        "palisade: invalid configuration: {}:2:36: unknown severity \"extreme\"",
        config.display()
    );
    assert!(
        run.stderr.starts_with(&expected),
        "{}\nexpected: {expected}",
        run.stderr
    );

    // Broken YAML in the configuration is told the same way.
    work.write("broken.yaml", "rules: [\n");
    let broken = work.run(&["scan", "--config", "broken.yaml", "pod.yaml"]);
    assert_eq!(broken.code, 2);
    assert!(
        broken
            .stderr
            .starts_with("palisade: invalid configuration: broken.yaml:2:1: invalid YAML"),
        "{}",
        broken.stderr
    );

    // And a configuration file that does not exist.
    let missing = work.run(&["scan", "--config", "nope.yaml", "pod.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("palisade: invalid configuration: nope.yaml: cannot read"),
        "{}",
        missing.stderr
    );
}
