//! `palisade audit FILE...|-`: the audit rules over real files, gzip, stdin and a growing,
//! rotated log, through the binary.
//!
//! Other audit rules are being added beside `exec-into-pod`; the tests that count alerts or
//! exit codes run with a configuration that turns every other rule off ([`only_exec`]), so that
//! a new rule never changes what they expect. The secrecy test turns every rule on instead.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Run, Workspace};
use serde_json::Value;

/// An exec into `pod` by `user`: exactly one `exec-into-pod` alert.
fn exec(id: &str, user: &str, pod: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/shop/pods/{pod}/exec?command=sh&container=app&stdin=true&tty=true","verb":"create","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b","objectRef":{{"resource":"pods","namespace":"shop","name":"{pod}","apiVersion":"v1","subresource":"exec"}},"responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.100000Z"}}"#
    )
}

/// A read of a pod: no alert from `exec-into-pod`.
fn get(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web-1","verb":"get","user":{{"username":"alice","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.7"],"objectRef":{{"resource":"pods","namespace":"shop","name":"web-1","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"stageTimestamp":"2024-05-01T10:00:01.000000Z"}}"#
    )
}

/// A small log: a read, an exec by alice (line 2), a read, an exec by bob (line 4).
fn small_log() -> String {
    [
        get("g1"),
        exec("e1", "alice", "web-1"),
        get("g2"),
        exec("e2", "bob", "db-0"),
    ]
    .join("\n")
        + "\n"
}

/// `.palisade.yaml` text that turns every audit rule off but `exec-into-pod`.
fn only_exec() -> String {
    let mut yaml = String::from("audit:\n  rules:\n");
    for registered in palisade_audit::all_rules() {
        let name = registered.rule.meta.name;
        if name != "exec-into-pod" {
            yaml.push_str(&format!("    {name}: off\n"));
        }
    }
    yaml.push_str("    exec-into-pod: on\n");
    yaml
}

/// `.palisade.yaml` text that turns every audit rule on, the ones off by default too.
fn every_rule_on() -> String {
    let mut yaml = String::from("audit:\n  clusterCIDRs: [10.0.0.0/8]\n  rules:\n");
    for registered in palisade_audit::all_rules() {
        yaml.push_str(&format!("    {}: on\n", registered.rule.meta.name));
    }
    yaml
}

/// A workspace with `only.yaml` (only exec-into-pod) and `audit.log` (the small log).
fn workspace() -> Workspace {
    let work = Workspace::new();
    work.write("only.yaml", only_exec());
    work.write("audit.log", small_log());
    work
}

/// `palisade audit --config only.yaml ARGS...`.
fn audit(work: &Workspace, arguments: &[&str]) -> Run {
    let mut all = vec!["audit", "--config", "only.yaml"];
    all.extend_from_slice(arguments);
    work.run(&all)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn jsonl_has_one_alert_per_line_with_its_place_in_the_log() {
    let work = workspace();
    let run = audit(&work, &["-o", "jsonl", "audit.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 2, "{}", run.stdout);
    assert_eq!(alerts[0]["rule"], "exec-into-pod");
    assert_eq!(alerts[0]["severity"], "medium");
    assert_eq!(
        alerts[0]["location"],
        serde_json::json!({"file": "audit.log", "line": 2, "column": 1})
    );
    assert_eq!(alerts[0]["request"]["user"]["username"], "alice");
    assert_eq!(alerts[0]["request"]["auditID"], "e1");
    assert_eq!(alerts[1]["location"]["line"], 4);
    assert_eq!(alerts[1]["request"]["user"]["username"], "bob");
    assert_eq!(
        run.stderr,
        "palisade: 4 events from 1 input: 2 alerts (0 critical, 0 high, 2 medium, 0 low, 0 info)\n"
    );
    insta::assert_snapshot!("jsonl", run.stdout);
}

#[test]
fn table_says_who_from_where_what_why_and_fix() {
    let work = workspace();
    let run = audit(&work, &["audit.log", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for text in [
        "  medium    exec-into-pod  audit.log:2\n",
        "alice ran a command in pod shop/web-1 (container app): sh\n",
        "who:   alice\n",
        "from:  203.0.113.7 with kubectl/v1.30.0",
        "what:  create namespaces/shop/pods/web-1/exec, answered 101\n",
        "event: e1, ResponseStarted at 2024-05-01T10:00:00.100000Z\n",
        "why:   ",
        "fix:   ",
        "audit.log:4\n",
    ] {
        assert!(
            run.stdout.contains(text),
            "{text:?} missing from\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains('\u{1b}'));
    insta::assert_snapshot!("table", run.stdout);
    let coloured = audit(&work, &["audit.log", "--color", "always"]);
    assert!(
        coloured.stdout.contains("\u{1b}[33mmedium"),
        "{:?}",
        coloured.stdout
    );
}

#[test]
fn json_is_one_document_shaped_like_the_scan_report() {
    let work = workspace();
    let run = audit(&work, &["-o", "json", "audit.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "palisade");
    assert_eq!(report["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 1, "events": 4, "alerts": 2,
            "bySeverity": {"info": 0, "low": 0, "medium": 2, "high": 0, "critical": 0},
            "errors": 0})
    );
    // The same alerts as jsonl, item for item.
    let jsonl = audit(&work, &["-o", "jsonl", "audit.log"]);
    assert_eq!(
        report["alerts"].as_array().unwrap(),
        &json_lines(&jsonl.stdout)
    );
    let version = env!("CARGO_PKG_VERSION");
    insta::assert_snapshot!(
        "json",
        run.stdout.replace(
            &format!("\"version\": \"{version}\""),
            "\"version\": \"[version]\""
        )
    );
}

#[test]
fn ecs_documents_carry_the_event_in_ecs_fields() {
    let work = workspace();
    let run = audit(&work, &["-o", "ecs", "audit.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let documents = json_lines(&run.stdout);
    assert_eq!(documents.len(), 2);
    let first = &documents[0];
    assert_eq!(first["@timestamp"], "2024-05-01T10:00:00.100000Z");
    assert_eq!(first["event"]["kind"], "alert");
    assert_eq!(first["event"]["action"], "create");
    assert_eq!(first["event"]["id"], "e1");
    assert_eq!(first["event"]["dataset"], "palisade.audit");
    assert_eq!(first["event"]["severity"], 3);
    assert_eq!(first["rule"]["name"], "exec-into-pod");
    assert!(
        first["rule"]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(first["user"]["name"], "alice");
    assert_eq!(first["source"]["ip"], "203.0.113.7");
    assert_eq!(first["orchestrator"]["type"], "kubernetes");
    assert_eq!(first["orchestrator"]["namespace"], "shop");
    assert_eq!(first["orchestrator"]["resource"]["type"], "pods");
    assert_eq!(first["orchestrator"]["resource"]["name"], "web-1");
    assert_eq!(first["http"]["response"]["status_code"], 101);
    assert_eq!(first["log"]["file"]["path"], "audit.log");
    assert_eq!(first["labels"]["line"], "2");
    assert_eq!(first["palisade"]["path"], "/objectRef/subresource");
    insta::assert_snapshot!("ecs", run.stdout);
}

#[test]
fn exit_codes_follow_fail_on() {
    let work = workspace();
    assert_eq!(audit(&work, &["audit.log"]).code, 1);
    assert_eq!(audit(&work, &["--fail-on", "medium", "audit.log"]).code, 1);
    assert_eq!(audit(&work, &["--fail-on", "high", "audit.log"]).code, 0);
    assert_eq!(audit(&work, &["--fail-on", "never", "audit.log"]).code, 0);
    work.write("quiet.log", format!("{}\n{}\n", get("g1"), get("g2")));
    let quiet = audit(&work, &["quiet.log"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stdout, "");
    assert_eq!(quiet.stderr, "palisade: 2 events from 1 input: no alerts\n");
    // An empty log is clean too.
    work.write("empty.log", "");
    assert_eq!(audit(&work, &["empty.log"]).code, 0);
}

#[test]
fn a_malformed_line_is_named_and_the_rest_is_still_judged() {
    let work = workspace();
    let log = format!(
        "{}\n{{\"kind\":\"Event\",\"verb\": tru\n{}\n",
        exec("e1", "alice", "web-1"),
        exec("e2", "bob", "db-0")
    );
    work.write("broken.log", log);
    let run = audit(&work, &["-o", "jsonl", "--fail-on", "never", "broken.log"]);
    assert_eq!(
        run.code, 2,
        "an unreadable line never exits clean: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("palisade: broken.log:2:"),
        "{}",
        run.stderr
    );
    let alerts = json_lines(&run.stdout);
    assert_eq!(
        alerts.len(),
        2,
        "the event after the broken line: {}",
        run.stdout
    );
    assert_eq!(alerts[1]["location"]["line"], 3);
    assert!(
        run.stderr.ends_with(
            "2 events from 1 input: 2 alerts (0 critical, 0 high, 2 medium, 0 low, 0 info); \
             1 input error\n"
        ),
        "{}",
        run.stderr
    );
    // The JSON document lists the error as the scan report does.
    let json = audit(&work, &["-o", "json", "broken.log"]);
    assert_eq!(json.code, 2);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["file"], "broken.log");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn several_files_are_one_stream_and_a_missing_one_is_an_error() {
    let work = workspace();
    work.write("second.log", exec("e9", "carol", "api-0") + "\n");
    let run = audit(&work, &["-o", "jsonl", "audit.log", "second.log"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[2]["location"]["file"], "second.log");
    assert!(
        run.stderr.contains("5 events from 2 inputs"),
        "{}",
        run.stderr
    );

    let missing = audit(&work, &["-o", "jsonl", "audit.log", "nope.log"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("nope.log: cannot open"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        json_lines(&missing.stdout).len(),
        2,
        "the readable file is still judged"
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let work = workspace();
    let run = work.run_with_stdin(
        &["audit", "--config", "only.yaml", "-o", "jsonl", "-"],
        small_log(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["location"]["file"], "-");
    assert_eq!(alerts[0]["location"]["line"], 2);
}

#[test]
fn alerts_from_a_pipe_are_written_before_the_input_ends() {
    let work = workspace();
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["audit", "--config", "only.yaml", "-o", "jsonl", "-"])
        .current_dir(work.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = read_lines(&mut child);
    writeln!(stdin, "{}", exec("e1", "alice", "web-1")).unwrap();
    stdin.flush().unwrap();
    // stdin is still open: the alert must come now, not when the input ends.
    let first = lines.recv_timeout(Duration::from_secs(30));
    drop(stdin);
    let status = child.wait().unwrap();
    let first = first.expect("the alert of an event is written while the input is still open");
    assert!(first.contains("\"auditID\":\"e1\""), "{first}");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn gzip_files_are_read() {
    let work = workspace();
    work.write("audit.log.gz", gzip(small_log().as_bytes()));
    let run = audit(&work, &["-o", "jsonl", "audit.log.gz"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["location"]["file"], "audit.log.gz");
    assert_eq!(alerts[0]["location"]["line"], 2);
    // A gzip stream on stdin too.
    let piped = work.run_with_stdin(
        &["audit", "--config", "only.yaml", "-o", "jsonl", "-"],
        gzip(small_log().as_bytes()),
    );
    assert_eq!(json_lines(&piped.stdout).len(), 2, "{}", piped.stderr);
}

#[test]
fn an_event_list_document_is_read_item_by_item() {
    let work = workspace();
    let list = format!(
        "{{\n  \"kind\": \"EventList\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n    {},\n    {},\n    {}\n  ]\n}}\n",
        get("g1"),
        exec("e1", "alice", "web-1"),
        exec("e2", "bob", "db-0")
    );
    work.write("list.json", list);
    let run = audit(&work, &["-o", "jsonl", "list.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 2);
    assert_eq!(
        alerts[0]["location"],
        serde_json::json!({"file": "list.json", "line": 6, "column": 5})
    );
    assert_eq!(alerts[1]["location"]["line"], 7);
}

#[test]
fn a_huge_line_is_skipped_with_an_error_and_reading_goes_on() {
    let work = workspace();
    // Over the 16 MiB line limit: an event with a request body of 17 MiB.
    let huge = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"huge","verb":"create","requestObject":{{"data":"{}"}}}}"#,
        "x".repeat(17 << 20)
    );
    work.write(
        "huge.log",
        format!("{huge}\n{}\n", exec("e1", "alice", "web-1")),
    );
    let run = audit(&work, &["-o", "jsonl", "huge.log"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("huge.log:1"), "{}", run.stderr);
    let alerts = json_lines(&run.stdout);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["location"]["line"], 2);
}

#[test]
fn binary_garbage_and_truncated_json_are_errors_not_crashes() {
    let work = workspace();
    let mut garbage: Vec<u8> = (0u32..20_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    garbage.extend_from_slice(b"\n\x00\xff\xfe{\"kind\":\n");
    work.write("garbage.bin", &garbage);
    let run = audit(&work, &["-o", "jsonl", "garbage.bin"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("garbage.bin:"), "{}", run.stderr);
    assert!(run.stderr.contains("input error"), "{}", run.stderr);

    // A log cut off in the middle of its last event (a copy taken while it was written).
    let full = exec("e2", "bob", "db-0");
    work.write(
        "truncated.log",
        format!(
            "{}\n{}",
            exec("e1", "alice", "web-1"),
            &full[..full.len() / 2]
        ),
    );
    let run = audit(&work, &["-o", "jsonl", "truncated.log"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("truncated.log:2"), "{}", run.stderr);
    assert_eq!(json_lines(&run.stdout).len(), 1);
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let work = workspace();
    let run = audit(
        &work,
        &[
            "-o",
            "ecs",
            "--output-file",
            "alerts.ecs.jsonl",
            "audit.log",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let written = std::fs::read_to_string(work.join("alerts.ecs.jsonl")).unwrap();
    assert_eq!(json_lines(&written).len(), 2);
    let bad = audit(&work, &["--output-file", "no/such/dir/out", "audit.log"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("cannot write no/such/dir/out"),
        "{}",
        bad.stderr
    );
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let work = workspace();
    let none = work.run(&["audit"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("<FILE>"), "{}", none.stderr);
    assert!(
        none.stderr.contains("Usage: palisade audit"),
        "{}",
        none.stderr
    );

    let unknown = work.run(&["audit", "-o", "sarif", "audit.log"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("jsonl"), "{}", unknown.stderr);

    for (arguments, expected) in [
        (
            vec!["--follow", "-o", "json", "audit.log"],
            "-o json writes one document",
        ),
        (
            vec!["--follow", "audit.log", "other.log"],
            "--follow follows one file",
        ),
        (vec!["--follow", "-"], "standard input"),
        (
            vec!["--follow", "--output-file", "x.jsonl", "audit.log"],
            "redirect the output",
        ),
    ] {
        let run = audit(&work, &arguments);
        assert_eq!(run.code, 2, "{arguments:?}");
        assert!(
            run.stderr.contains(expected),
            "{arguments:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
    // `audit rbac` is still a subcommand.
    let rbac = work.run(&["audit", "rbac", "--user", "alice", "audit.log"]);
    assert_eq!(rbac.code, 0, "{}", rbac.stderr);
    assert!(rbac.stdout.contains("kind: Role"), "{}", rbac.stdout);
}

#[test]
fn cluster_cidrs_are_checked() {
    let work = workspace();
    let run = audit(
        &work,
        &[
            "--cluster-cidr",
            "10.244.0.0/16",
            "--cluster-cidr",
            "192.168.1.10,fd00::/8",
            "-o",
            "jsonl",
            "audit.log",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let bad = audit(&work, &["--cluster-cidr", "10.0.0.0/33", "audit.log"]);
    assert_eq!(bad.code, 2);
    assert_eq!(bad.stdout, "");
    assert!(
        bad.stderr
            .contains("invalid --cluster-cidr: \"10.0.0.0/33\" is not a network"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_configuration_turns_rules_off_and_changes_severities() {
    let work = workspace();
    // Every rule off, exec-into-pod too.
    work.write(
        ".palisade.yaml",
        only_exec().replace("    exec-into-pod: on\n", "    exec-into-pod: off\n"),
    );
    // Found in the current directory, as `palisade scan` finds it.
    let off = work.run(&["audit", "-o", "jsonl", "audit.log"]);
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(off.stdout, "");
    // --no-config ignores it.
    let ignored = work.run(&["audit", "--no-config", "-o", "jsonl", "audit.log"]);
    assert!(
        json_lines(&ignored.stdout)
            .iter()
            .any(|alert| alert["rule"] == "exec-into-pod"),
        "{}",
        ignored.stdout
    );

    work.write(
        "critical.yaml",
        only_exec().replace(
            "    exec-into-pod: on\n",
            "    exec-into-pod: {severity: critical}\n",
        ),
    );
    let critical = work.run(&[
        "audit",
        "--config",
        "critical.yaml",
        "--fail-on",
        "critical",
        "-o",
        "jsonl",
        "audit.log",
    ]);
    assert_eq!(critical.code, 1, "{}", critical.stderr);
    for alert in json_lines(&critical.stdout) {
        assert_eq!(alert["severity"], "critical");
    }
    assert!(
        critical.stderr.contains("2 critical"),
        "{}",
        critical.stderr
    );

    work.write(
        "bad.yaml",
        "audit:\n  clusterCIDRs:\n    - 10.244.0.0/16\n    - 10.96.0.0/40\n",
    );
    let bad = work.run(&["audit", "--config", "bad.yaml", "audit.log"]);
    assert_eq!(bad.code, 2);
    assert_eq!(bad.stdout, "");
    assert!(
        bad.stderr
            .starts_with("palisade: invalid configuration: bad.yaml:4:7: "),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("10.96.0.0/40"), "{}", bad.stderr);

    work.write("unknown.yaml", "audit:\n  rules:\n    no-such-rule: off\n");
    let unknown = work.run(&["audit", "--config", "unknown.yaml", "audit.log"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("unknown.yaml:3:5: unknown audit rule \"no-such-rule\""),
        "{}",
        unknown.stderr
    );
}

/// A Secret value and a bearer token, planted where an audit log holds them.
const SECRET_VALUE: &str = "c3VwZXItc2VjcmV0LXBhc3N3b3JkLTQy";
const BEARER_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYW50ZWQifQ.cGxhbnRlZA.c2lnbmF0dXJl";

/// Events at RequestResponse level whose bodies and annotations hold the planted values: a
/// Secret created, read and exec'd next to, a TokenReview and a TokenRequest, and broken
/// events with the values where a type error would be reported.
fn secret_log() -> String {
    let secret_body = format!(
        r#"{{"kind":"Secret","apiVersion":"v1","metadata":{{"name":"db","namespace":"shop","annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{{\"data\":{{\"password\":\"{SECRET_VALUE}\"}}}}"}}}},"type":"Opaque","data":{{"password":"{SECRET_VALUE}"}},"stringData":{{"token":"Bearer {BEARER_TOKEN}"}}}}"#
    );
    let pod_body = format!(
        r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"web","namespace":"shop"}},"spec":{{"hostPID":true,"containers":[{{"name":"app","image":"nginx","securityContext":{{"privileged":true}},"env":[{{"name":"DB_PASSWORD","value":"{SECRET_VALUE}"}},{{"name":"API_TOKEN","value":"Bearer {BEARER_TOKEN}"}}]}}]}}}}"#
    );
    let annotations = format!(
        r#"{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"token Bearer {BEARER_TOKEN}","example.com/leak":"{SECRET_VALUE}"}}"#
    );
    let event = |id: &str,
                 verb: &str,
                 resource: &str,
                 sub: &str,
                 name: &str,
                 user: &str,
                 request: &str,
                 response: &str| {
        let subresource = if sub.is_empty() {
            String::new()
        } else {
            format!(r#","subresource":"{sub}""#)
        };
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/{resource}/{name}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"],"extra":{{"authentication.kubernetes.io/credential-id":["JTI={BEARER_TOKEN}"]}}}},"impersonatedUser":{{"username":"system:serviceaccount:kube-system:admin"}},"sourceIPs":["198.51.100.9"],"userAgent":"curl/8.0","objectRef":{{"resource":"{resource}","namespace":"shop","name":"{name}","apiVersion":"v1"{subresource}}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{request},"responseObject":{response},"annotations":{annotations},"stageTimestamp":"2024-05-01T10:00:00Z"}}"#
        )
    };
    let token_review = format!(
        r#"{{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","spec":{{"token":"{BEARER_TOKEN}"}}}}"#
    );
    let token_request = format!(
        r#"{{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","status":{{"token":"{BEARER_TOKEN}","expirationTimestamp":"2024-05-01T11:00:00Z"}}}}"#
    );
    [
        event("s1", "create", "secrets", "", "db", "alice", &secret_body, &secret_body),
        event("s2", "get", "secrets", "", "db", "system:anonymous", "null", &secret_body),
        event("s3", "list", "secrets", "", "", "system:serviceaccount:shop:web", "null", &format!(r#"{{"kind":"SecretList","items":[{secret_body}]}}"#)),
        event("s4", "create", "pods", "", "web", "alice", &pod_body, &pod_body),
        event("s5", "create", "pods", "exec", "web", "alice", "null", "null"),
        event("s6", "create", "tokenreviews", "", "", "system:kube-controller-manager", &token_review, &token_review),
        event("s7", "create", "serviceaccounts", "token", "web", "alice", "{}", &token_request),
        event("s8", "patch", "secrets", "", "db", "alice", &secret_body, &secret_body),
        event("s9", "update", "configmaps", "", "app", "alice", &format!(r#"{{"kind":"ConfigMap","data":{{"password":"{SECRET_VALUE}"}}}}"#), "null"),
        // Broken events: the planted values where a type is wrong.
        format!(r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b1","verb":"get","user":"{BEARER_TOKEN}"}}"#),
        format!(r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b2","verb":"get","user":{{"username":"a","extra":{{"token":"{BEARER_TOKEN}"}}}}}}"#),
        format!(r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b3","verb":"get","sourceIPs":"{SECRET_VALUE}"}}"#),
        format!(r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b4","verb":"get","requestObject":{{"data":{{"password":"{SECRET_VALUE}"}}}},"responseStatus":{{"code":"{SECRET_VALUE}"}}}}"#),
        format!(r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b5","verb":"get","requestObject":{{"data":{{"password":"{SECRET_VALUE}"}}"#),
    ]
    .join("\n")
        + "\n"
}

#[test]
fn secrets_stay_secret_in_every_format() {
    let work = Workspace::new();
    work.write("all.yaml", every_rule_on());
    work.write("secrets.log", secret_log());
    work.write("secrets.log.gz", gzip(secret_log().as_bytes()));
    let mut alerted = false;
    for format in ["table", "json", "jsonl", "ecs"] {
        for file in ["secrets.log", "secrets.log.gz"] {
            let run = work.run(&[
                "audit", "--config", "all.yaml", "-o", format, "--color", "always", file,
            ]);
            assert_eq!(
                run.code, 2,
                "{format}: the broken events are errors: {}",
                run.stderr
            );
            for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                for planted in [
                    SECRET_VALUE,
                    BEARER_TOKEN,
                    "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYW50ZWQifQ",
                ] {
                    assert!(
                        !text.contains(planted),
                        "-o {format} on {file}: {what} holds a planted secret:\n{text}"
                    );
                }
            }
            assert!(run.stderr.contains(&format!("{file}:10")), "{}", run.stderr);
            alerted |= run.stdout.contains("exec-into-pod");
        }
    }
    assert!(
        alerted,
        "the exec event alerts: the alerts were written and checked"
    );
}

/// Lines of the child's stdout, as they come, through a channel.
fn read_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    receiver
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.sync_all().unwrap();
}

/// The next alert, or a failure naming what was awaited.
fn next_alert(lines: &mpsc::Receiver<String>, waiting_for: &str) -> Value {
    let line = lines
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no alert within 30 s: waited for {waiting_for}"));
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// Kills the child when the test ends, whatever happens.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn follow_reads_a_growing_log_across_rotation() {
    let work = workspace();
    let log = work.join("live.log");
    append(
        &log,
        &format!("{}\n{}\n", get("g1"), exec("e1", "alice", "web-1")),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args([
            "audit",
            "--config",
            "only.yaml",
            "--follow",
            "-o",
            "jsonl",
            "live.log",
        ])
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let lines = read_lines(&mut child.0);

    // What the file held when palisade started.
    let first = next_alert(&lines, "the exec already in the file");
    assert_eq!(first["request"]["auditID"], "e1");
    assert_eq!(first["location"]["line"], 2);

    // Appended while palisade runs.
    append(
        &log,
        &format!("{}\n{}\n", get("g2"), exec("e2", "bob", "db-0")),
    );
    let second = next_alert(&lines, "the appended exec");
    assert_eq!(second["request"]["auditID"], "e2");
    assert_eq!(second["location"]["line"], 4);

    // Rotated as the API server rotates: renamed, then a new file under the old name. The
    // last line of the old file is written just before the rename, without a line break.
    append(&log, &exec("e3", "carol", "api-0"));
    std::fs::rename(&log, work.join("live.log.1")).unwrap();
    append(&log, &format!("{}\n", exec("e4", "dave", "api-1")));
    let third = next_alert(&lines, "the last exec of the rotated file");
    assert_eq!(third["request"]["auditID"], "e3");
    assert_eq!(third["location"]["line"], 5);
    let fourth = next_alert(&lines, "the first exec of the new file");
    assert_eq!(fourth["request"]["auditID"], "e4");
    assert_eq!(
        fourth["location"]["line"], 1,
        "line numbers start again in the new file"
    );

    // Still running, still following.
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "--follow ended by itself"
    );
    append(&log, &format!("{}\n", exec("e5", "erin", "api-2")));
    assert_eq!(next_alert(&lines, "one more")["request"]["auditID"], "e5");
}
