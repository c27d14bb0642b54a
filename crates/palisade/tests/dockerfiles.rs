//! `palisade scan` reads Dockerfiles beside the manifests: found by name in directories or
//! named on the command line, checked by the Dockerfile rules, reported with
//! `file:line:column` in every format; a broken Dockerfile is an input error (exit 2) that does
//! not stop the scan of the other files.

mod common;

use std::collections::BTreeSet;

use common::{PRIVILEGED_POD, Report, Workspace};

/// Runs as root (no USER), from `node` without a tag, with a secret in ENV: three findings at
/// known places, plus the digest and health-check findings on the FROM line.
const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
FROM node AS build
RUN npm ci \\
    && npm run build
ENV API_TOKEN=not-a-real-token
";

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

#[test]
fn a_directory_with_a_dockerfile_and_a_manifest_reports_both_with_positions() {
    let work = Workspace::new();
    work.write("app/Dockerfile", DOCKERFILE)
        .write("app/deploy/pod.yaml", PRIVILEGED_POD)
        .write("app/docker/api.Dockerfile", "FROM alpine:3.20\nUSER root\n")
        .write("app/Containerfile.dev", "FROM alpine:latest\n")
        // Not Dockerfiles: documentation and a per-Dockerfile ignore file.
        .write("app/Dockerfile.md", "# How to build\n")
        .write("app/Dockerfile.dockerignore", "node_modules\n");

    let (run, report) = work.scan_json(&["app"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.summary()["files"], 4);
    assert_eq!(report.summary()["objects"], 4);
    assert_eq!(
        report.finding_files(),
        set(&[
            "app/Containerfile.dev",
            "app/Dockerfile",
            "app/deploy/pod.yaml",
            "app/docker/api.Dockerfile"
        ])
    );

    let located = |rule: &str| -> Vec<(String, u64, u64)> {
        report
            .of_rule(rule)
            .into_iter()
            .map(Report::location)
            .collect()
    };
    assert_eq!(
        located("privileged-container"),
        [("app/deploy/pod.yaml".to_string(), 11, 9)]
    );
    assert_eq!(
        located("dockerfile-latest-base-image"),
        [
            ("app/Containerfile.dev".to_string(), 1, 6),
            ("app/Dockerfile".to_string(), 2, 6)
        ]
    );
    assert_eq!(
        located("dockerfile-secret-in-env"),
        [("app/Dockerfile".to_string(), 5, 5)]
    );
    assert_eq!(
        located("dockerfile-root-user"),
        [
            ("app/Containerfile.dev".to_string(), 1, 1),
            ("app/Dockerfile".to_string(), 2, 1),
            ("app/docker/api.Dockerfile".to_string(), 2, 6)
        ]
    );

    let secret = &report.of_rule("dockerfile-secret-in-env")[0];
    assert_eq!(
        secret["object"],
        serde_json::json!({"apiVersion": "palisade.dev/v1", "kind": "Dockerfile", "namespace": null, "name": "app/Dockerfile"})
    );
    assert_eq!(secret["path"], "/instructions/2/variables/0/name");
    assert_eq!(secret["severity"], "high");
    assert_eq!(secret["layer"], "supply-chain");
    assert!(
        !run.stdout.contains("not-a-real-token"),
        "the secret value leaked"
    );

    // The table names the same places.
    let table = work.run(&["scan", "--no-config", "--color", "never", "app"]);
    assert_eq!(table.code, 1, "{}", table.stderr);
    for expected in [
        "dockerfile-secret-in-env  Dockerfile app/Dockerfile  app/Dockerfile:5:5",
        "dockerfile-latest-base-image  Dockerfile app/Dockerfile  app/Dockerfile:2:6",
        "privileged-container  Pod prod/web  app/deploy/pod.yaml:11:9",
    ] {
        assert!(
            table.stdout.contains(expected),
            "{expected}\n{}",
            table.stdout
        );
    }
    assert!(!table.stdout.contains("not-a-real-token"));
}

#[test]
fn a_dockerfile_named_on_the_command_line_is_read_as_one() {
    let work = Workspace::new();
    work.write("build/web.containerfile", "FROM nginx:latest\n")
        .write(
            "Dockerfile.prod",
            "FROM nginx:1.27\nUSER 101\nHEALTHCHECK CMD true\n",
        );

    let (run, report) = work.scan_json(&["build/web.containerfile", "Dockerfile.prod"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.summary()["objects"], 2);
    assert_eq!(
        report.finding_files(),
        set(&["Dockerfile.prod", "build/web.containerfile"])
    );
    assert_eq!(
        report
            .rules()
            .iter()
            .filter(|rule| *rule == "dockerfile-latest-base-image")
            .count(),
        1
    );
}

#[test]
fn stdin_is_still_yaml_or_json() {
    let work = Workspace::new();

    let run = work.run_with_stdin(&["scan", "--no-config", "-o", "json", "-"], "FROM nginx\n");

    // A YAML document that is a plain string: skipped, as before; not a Dockerfile.
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report.summary()["objects"], 0);
    assert_eq!(report.summary()["skippedDocuments"], 1);
}

#[test]
fn a_broken_dockerfile_exits_2_and_the_other_files_are_still_scanned() {
    let work = Workspace::new();
    work.write("repo/pod.yaml", PRIVILEGED_POD)
        .write("repo/good/Dockerfile", DOCKERFILE)
        // A YAML file that was given a Dockerfile's name.
        .write("repo/bad/Dockerfile", "apiVersion: v1\nkind: Pod\n")
        .write(
            "repo/heredoc/Dockerfile",
            "FROM alpine:3.20\nRUN <<EOF\necho never ends\n",
        )
        .write("repo/binary/Dockerfile", b"FROM a\n\x00\x01\x02".as_slice());

    let (run, report) = work.scan_json(&["repo"]);

    assert_eq!(run.code, 2, "{}", run.stderr);
    let errors: Vec<String> = report
        .errors()
        .iter()
        .map(|error| {
            format!(
                "{}:{}:{}: {}",
                error["file"].as_str().unwrap(),
                error["line"],
                error["column"],
                error["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "repo/bad/Dockerfile:1:1: invalid Dockerfile: unknown instruction \"apiVersion:\""
        ),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("repo/binary/Dockerfile:2:1: invalid Dockerfile: binary file"),
        "{errors:?}"
    );
    assert!(
        errors[2]
            .starts_with("repo/heredoc/Dockerfile:2:5: invalid Dockerfile: unterminated heredoc"),
        "{errors:?}"
    );
    // The other files were scanned and reported.
    assert_eq!(
        report.finding_files(),
        set(&["repo/good/Dockerfile", "repo/pod.yaml"])
    );
    assert!(
        run.stderr
            .contains("palisade: repo/bad/Dockerfile:1:1: invalid Dockerfile: unknown instruction"),
        "{}",
        run.stderr
    );
}

#[test]
fn exemptions_match_dockerfiles_by_kind_and_path() {
    let work = Workspace::new();
    work.write("images/tools/Dockerfile", "FROM alpine:3.20\n")
        .write("images/web/Dockerfile", "FROM alpine:3.20\n")
        .write(
            ".palisade.yaml",
            "exemptions:\n  - rules: [dockerfile-missing-healthcheck]\n    kinds: [Dockerfile]\n    names: [\"images/tools/*\"]\n    reason: a command-line tool, not a service\n",
        );

    let run = work.run(&["scan", "-o", "json", "images"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let healthchecks: Vec<(String, u64, u64)> = report
        .of_rule("dockerfile-missing-healthcheck")
        .into_iter()
        .map(Report::location)
        .collect();
    assert_eq!(healthchecks, [("images/web/Dockerfile".to_string(), 1, 1)]);
    assert_eq!(report.summary()["suppressed"], 1);
}
