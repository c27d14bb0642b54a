//! The quick decoder reads an event exactly as serde does, or gives up: on the audit logs of
//! the shared corpus, on hand-picked edge cases, and on generated and mutated events.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::decode;
use crate::event::Event;

/// What serde makes of `text` (the decoder the quick one must agree with).
fn by_serde(text: &str) -> Result<Event<'_>, serde_json::Error> {
    serde_json::from_str(text)
}

/// Fails unless the quick decoder either gives up on `text` or reads what serde reads.
fn agrees(text: &str) -> Result<bool, String> {
    let Some(quick) = decode(text) else {
        return Ok(false);
    };
    match by_serde(text) {
        Ok(event) if event == quick => Ok(true),
        Ok(event) => Err(format!(
            "quick and serde differ on {text}\nquick: {quick:?}\nserde: {event:?}"
        )),
        Err(error) => Err(format!(
            "quick read what serde refuses ({error}): {text}\nquick: {quick:?}"
        )),
    }
}

fn assert_agrees(text: &str) -> bool {
    agrees(text).unwrap_or_else(|message| panic!("{message}"))
}

#[test]
fn reads_an_ordinary_event_as_serde_does() {
    let text = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"6e887807","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/a/pods?limit=500","verb":"create","user":{"username":"system:serviceaccount:a:b","uid":"u","groups":["system:serviceaccounts","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["p"],"authentication.kubernetes.io/credential-id":["JTI=x"]}},"impersonatedUser":{"username":"bob"},"sourceIPs":["10.0.0.1","192.168.0.1"],"userAgent":"kubectl/v1.30","objectRef":{"resource":"pods","namespace":"a","name":"p","uid":"x","apiGroup":"","apiVersion":"v1","resourceVersion":"12","subresource":"exec"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","message":"no \"x\" here","code":403},"requestObject":{"kind":"Pod","spec":{"containers":[{"name":"a","image":"nginx","ports":[{"containerPort":80}],"x":[1.5e3,-0,true,false,null,"\u00e9"]}]}},"responseObject":"text","requestReceivedTimestamp":"2024-06-01T00:00:00.002685Z","stageTimestamp":"2024-06-01T00:00:00.007747Z","timestamp":"2024-06-01T00:00:00Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":"RBAC: \"x\" \\ \/ \n \u0026","b":"1","a":"2"},"metadata":{"creationTimestamp":"2024-06-01T00:00:00Z"}}"#;
    assert!(assert_agrees(text), "the quick decoder gave up on {text}");
    let event = decode(text).unwrap();
    assert_eq!(
        event.response_status.as_ref().unwrap().message,
        "no \"x\" here"
    );
    assert_eq!(
        event.annotation("authorization.k8s.io/reason"),
        Some("RBAC: \"x\" \\ / \n &")
    );
    let body_start = text.find(r#"{"kind":"Pod""#).unwrap();
    let body_end = text.find(r#","responseObject""#).unwrap();
    assert_eq!(
        event.request_object.as_ref().unwrap().len(),
        body_end - body_start
    );
    // Whitespace anywhere JSON allows it.
    let spaced = text
        .replace("\":", "\" :\t")
        .replace(",\"", " ,\r\n \"")
        .replace('{', "{ ");
    assert!(assert_agrees(&format!(" {spaced}\n")));
}

#[test]
fn annotation_values_with_escapes_read_as_serde_reads_them_when_first_read() {
    for (json, text) in [
        (
            r#"RBAC: allowed by ClusterRoleBinding \"a\" of ClusterRole \"b\""#,
            r#"RBAC: allowed by ClusterRoleBinding "a" of ClusterRole "b""#,
        ),
        (r#"\\\/\b\f\n\r\t"#, "\\/\u{8}\u{c}\n\r\t"),
        (r#"\"\""#, "\"\""),
        (r#"é \"ü\" \\"#, "é \"ü\" \\"),
        // A `\u` escape is read at once (it might be a surrogate).
        (r#"x \"\u0026\" y"#, "x \"&\" y"),
    ] {
        let event_text = format!(
            r#"{{"auditID":"a","annotations":{{"authorization.k8s.io/reason":"{json}","z":"{json}"}}}}"#
        );
        assert!(
            assert_agrees(&event_text),
            "the quick decoder gave up on {event_text}"
        );
        let event = decode(&event_text).unwrap();
        assert_eq!(event.annotation("authorization.k8s.io/reason"), Some(text));
        let owned = event.clone().into_owned();
        assert_eq!(owned.annotation("z"), Some(text));
        assert_eq!(owned, event);
    }
    // A broken escape or a control character is still refused at once.
    for broken in [r#"a \x b"#, "a \u{1} b"] {
        let event_text = format!(r#"{{"annotations":{{"k":"\"{broken}"}}}}"#);
        assert!(!assert_agrees(&event_text), "{event_text}");
    }
}

#[test]
fn gives_up_where_serde_has_more_to_say() {
    for text in [
        // A field written twice is an error for serde.
        r#"{"kind":"Event","kind":"Event"}"#,
        r#"{"user":{"username":"a","username":"b"}}"#,
        r#"{"objectRef":{"name":"a","name":"b"}}"#,
        r#"{"responseStatus":{"code":1,"code":2}}"#,
        // A key with an escape (serde unescapes it and may match a field).
        r#"{"kin\u0064":"Event"}"#,
        // A lone surrogate (serde refuses it); a pair (serde joins it).
        r#"{"auditID":"\ud800"}"#,
        r#"{"auditID":"\ud83d\ude00"}"#,
        // Codes that are not plain integers that fit.
        r#"{"responseStatus":{"code":200.0}}"#,
        r#"{"responseStatus":{"code":2e2}}"#,
        r#"{"responseStatus":{"code":3000000000}}"#,
        r#"{"responseStatus":{"code":0200}}"#,
        // serde_json reads `-0` as a float.
        r#"{"responseStatus":{"code":-0}}"#,
        r#"{"responseStatus":{"code":"200"}}"#,
        // Wrong types.
        r#"{"kind":0}"#,
        r#"{"user":[]}"#,
        r#"{"sourceIPs":"10.0.0.1"}"#,
        r#"{"sourceIPs":[null]}"#,
        r#"{"annotations":{"a":null}}"#,
        r#"{"user":{"extra":{"a":null}}}"#,
        r#"{"user":{"extra":{"a":"b"}}}"#,
        // Syntax errors.
        r#"{"kind":"Event",}"#,
        r#"{"kind":"Event""#,
        r#"{"kind":"Eve"#,
        r#"{"kind":"Event"} x"#,
        r#"{"a":[1,]}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":-}"#,
        r#"{"a":1e}"#,
        r#"{"a":tru}"#,
        r#"{"a":"\x"}"#,
        r#"{"a":"\u12"}"#,
        "{\"a\":\"tab\there\"}",
        r#"["kind"]"#,
        "",
    ] {
        assert!(
            decode(text).is_none(),
            "the quick decoder read {text:?} instead of leaving it to serde"
        );
    }
}

#[test]
fn gives_up_on_deep_nesting_and_serde_decides() {
    for depth in [10, 63, 64, 100, 200] {
        let text = format!(
            r#"{{"auditID":"x","requestObject":{}1{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let quick = decode(&text);
        assert_eq!(quick.is_some(), depth < 64, "depth {depth}");
        assert_agrees(&text);
        // Objects, and objects and arrays in turn, in a body and in a field nobody reads.
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        let mixed = format!(
            "{}[]{}",
            r#"[0,{"a":"#.repeat(depth / 2),
            "}]".repeat(depth / 2)
        );
        for value in [objects, mixed] {
            for field in ["requestObject", "somethingElse"] {
                let text = format!(r#"{{"auditID":"x","{field}":{value},"verb":"get"}}"#);
                let expected_depth = if value.starts_with('[') {
                    depth / 2 * 2 + 1
                } else {
                    depth
                };
                assert_eq!(
                    decode(&text).is_some(),
                    expected_depth < 64,
                    "depth {expected_depth} in {field}"
                );
                assert_agrees(&text);
            }
        }
    }
}

#[test]
fn nulls_read_as_serde_reads_them() {
    let text = r#"{"kind":null,"apiVersion":null,"level":null,"auditID":null,"stage":null,"requestURI":null,"verb":null,"user":null,"impersonatedUser":null,"sourceIPs":null,"userAgent":null,"objectRef":null,"responseStatus":null,"requestObject":null,"responseObject":null,"requestReceivedTimestamp":null,"stageTimestamp":null,"timestamp":null,"annotations":null}"#;
    assert!(assert_agrees(text));
    let inner = r#"{"user":{"username":null,"uid":null,"groups":null,"extra":null},"objectRef":{"resource":null,"namespace":null,"name":null,"uid":null,"apiGroup":null,"apiVersion":null,"resourceVersion":null,"subresource":null},"responseStatus":{"code":null,"status":null,"reason":null,"message":null}}"#;
    assert!(assert_agrees(inner));
}

/// Every file under the shared corpus's audit logs (`PALISADE_CORPUS` overrides where the
/// corpus is), if it is there.
fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let logs = root.join("audit-logs");
    if logs.is_dir() {
        let mut files = Vec::new();
        files_under(&logs, &mut files);
        Some(files)
    } else {
        eprintln!(
            "SKIPPED: the shared corpus's audit logs are absent (looked for {}); set PALISADE_CORPUS to run this test",
            logs.display()
        );
        None
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every line of every log of the corpus, and every item of its event lists: the quick decoder
/// reads what serde reads, and gives up on few of the events serde reads.
#[test]
fn agrees_with_serde_on_every_event_of_the_corpus() {
    let Some(files) = corpus_files() else {
        return;
    };
    let mut texts = Vec::new();
    for file in &files {
        let Ok(content) = std::fs::read_to_string(file) else {
            continue;
        };
        texts.extend(content.lines().map(str::trim).map(str::to_string));
        // Pretty-printed events and event lists, one after the other: each event as the file
        // writes it, and written again compact and pretty (keys sorted).
        let values = serde_json::Deserializer::from_str(&content).into_iter::<serde_json::Value>();
        for value in values.map_while(Result::ok) {
            let items = match value.get("items") {
                Some(serde_json::Value::Array(items)) => items.clone(),
                _ => vec![value],
            };
            for item in items {
                texts.push(item.to_string());
                texts.push(serde_json::to_string_pretty(&item).expect("a value"));
            }
        }
    }
    let (mut events, mut quick) = (0, 0);
    for text in &texts {
        if by_serde(text).is_ok() {
            events += 1;
        }
        if assert_agrees(text) {
            quick += 1;
        }
    }
    eprintln!("the quick decoder read {quick} of the {events} events serde reads");
    assert!(
        events > 300,
        "only {events} events in {} files",
        files.len()
    );
    // What it gives up on: events whose strings hold surrogate pairs or whose bodies are
    // nested deeper than its limit; a handful in a corpus of real logs.
    assert!(
        quick * 100 >= events * 97,
        "the quick decoder read only {quick} of {events} events"
    );
}

/// JSON text for a member value: strings with every kind of escape, numbers of every shape,
/// literals, arrays and objects (some with the fields of the event's inner structs).
fn value() -> impl Strategy<Value = String> {
    let string = prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 :/._-]{0,12}",
            Just("\\\"".to_string()),
            Just("\\\\".to_string()),
            Just("\\/".to_string()),
            Just("\\n\\t\\r\\b\\f".to_string()),
            Just("\\u00e9\\u0026".to_string()),
            Just("\\ud83d\\ude00".to_string()),
            Just("\\ud800".to_string()),
            Just("é€😀".to_string()),
        ],
        0..4,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()));
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0i32..600).prop_map(|n| n.to_string()),
        Just("-0".to_string()),
        Just("1.5e3".to_string()),
        Just("2E-2".to_string()),
        Just("200.0".to_string()),
        Just("99999999999999999999".to_string()),
    ];
    let scalar = prop_oneof![
        string.clone(),
        number,
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
    ];
    scalar.prop_recursive(4, 24, 4, move |inner| {
        let key = prop_oneof![
            "[a-z]{1,6}",
            Just("username".to_string()),
            Just("groups".to_string()),
            Just("extra".to_string()),
            Just("name".to_string()),
            Just("resource".to_string()),
            Just("code".to_string()),
            Just("reason".to_string()),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key, inner), 0..5).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(key, value)| format!("\"{key}\":{value}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// A generated event: any of its fields (some twice), unknown ones, with any values.
fn event_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("kind"),
        Just("apiVersion"),
        Just("level"),
        Just("auditID"),
        Just("stage"),
        Just("requestURI"),
        Just("verb"),
        Just("user"),
        Just("impersonatedUser"),
        Just("sourceIPs"),
        Just("userAgent"),
        Just("objectRef"),
        Just("responseStatus"),
        Just("requestObject"),
        Just("responseObject"),
        Just("stageTimestamp"),
        Just("timestamp"),
        Just("annotations"),
        Just("metadata"),
    ];
    prop::collection::vec((key, value(), " {0,1}"), 0..12).prop_map(|members| {
        let members: Vec<String> = members
            .into_iter()
            .map(|(key, value, space)| format!("\"{key}\":{space}{value}"))
            .collect();
        format!("{{{}}}", members.join(","))
    })
}

/// Where a string's run of plain characters stops in `block`, byte by byte.
fn first_stop(block: &[u8; 16]) -> Option<u32> {
    block
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .map(|at| at as u32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn both_string_scans_find_the_first_stop(
        block in prop::array::uniform16(prop_oneof![
            any::<u8>(), Just(b'"'), Just(b'\\'), Just(0u8), Just(0x1F), Just(0x20), Just(0x80),
            Just(0xFF), Just(b'a'),
        ])
    ) {
        let expected = first_stop(&block);
        let stop = |mask: u32| (mask != 0).then(|| mask.trailing_zeros());
        prop_assert_eq!(stop(super::string_stops(&block)), expected);
        prop_assert_eq!(stop(super::string_stops_by_word(&block)), expected);
    }

    #[test]
    fn agrees_with_serde_on_generated_events(text in event_text()) {
        prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
    }

    #[test]
    fn agrees_with_serde_on_mutated_events(
        text in event_text(),
        cuts in grammar_cuts(),
    ) {
        let text = with_cuts(text, &cuts);
        prop_assert!(agrees(&text).is_ok(), "{}", agrees(&text).unwrap_err());
    }
}

/// The user's fields: the generated values rarely hit the shapes the inner readers accept.
#[test]
fn inner_structs_with_every_field() {
    for text in [
        r#"{"user":{"username":"a","uid":"","groups":[],"extra":{}}}"#,
        r#"{"user":{"extra":{"k":[],"k":["a","b"]},"other":{"x":[1]}}}"#,
        r#"{"objectRef":{"resource":"pods","extra":[1,{"a":null}]}}"#,
        r#"{"responseStatus":{"code":-401,"details":{"causes":[]}}}"#,
        r#"{"responseStatus":{"code":999999999}}"#,
        r#"{"annotations":{"b":"1","a":"2","b":"3"}}"#,
        r#"{"stage":"Elsewhere","level":"Other"}"#,
        r#"{"requestObject":[],"responseObject":-1.5E+3}"#,
    ] {
        assert!(assert_agrees(text), "the quick decoder gave up on {text}");
    }
}

/// What serde makes of `text` as a node tree, and what the quick reader makes of it (if it
/// does not give up): the same, or an error if they differ.
fn node_agrees(text: &str) -> Result<bool, String> {
    let Some(quick) = super::node(text) else {
        return Ok(false);
    };
    match palisade_model::Node::from_json_text(text) {
        Ok(node) if node == quick => Ok(true),
        Ok(node) => Err(format!(
            "quick and serde trees differ on {text}\nquick: {quick:?}\nserde: {node:?}"
        )),
        Err(error) => Err(format!("quick read what serde refuses ({error}): {text}")),
    }
}

/// The same for the text at a path of keys.
fn text_at_agrees(text: &str) -> Result<(), String> {
    for path in [&["metadata", "name"][..], &["name"], &[]] {
        if let Some(quick) = super::text_at(text, path) {
            let by_serde = crate::event::text_at_in(text, path).ok();
            if by_serde != Some(quick.clone()) {
                return Err(format!(
                    "quick found {quick:?} at {path:?}, serde {by_serde:?}: {text}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn reads_trees_as_serde_does_or_gives_up() {
    let read = [
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"},"x-custom":"y"},"spec":{"replicas":3,"n":-12,"big":123456789012345678,"containers":[{"name":"c","ports":[{"containerPort":80}],"env":[],"securityContext":{"privileged":true,"x":false,"y":null}}]},"data":{"k":"line1\nline2 \"q\" \u00e9 \/"},"dup":1,"dup":2}"#,
        " [1, {\"a\" : [ ]}, \"\", {} ] ",
        "\"text\"",
        "0",
    ];
    for text in read {
        assert_eq!(node_agrees(text), Ok(true), "{text}");
    }
    let given_up = [
        r#"{"n":1.5}"#,
        r#"{"n":1e3}"#,
        r#"{"n":-0}"#,
        r#"{"n":1234567890123456789}"#,
        r#"{"s":"\ud83d\ude00"}"#,
        r#"{"k\u0065y":1}"#,
        r#"{"$serde_json::private::RawValue":1}"#,
        r#"{"a":1}x"#,
        r#"{"a":1,}"#,
        r#"{"a":01}"#,
    ];
    for text in given_up {
        assert_eq!(node_agrees(text), Ok(false), "{text}");
    }
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(node_agrees(&deep), Ok(false));
}

/// Every request and response object of the corpus: the quick reader makes the tree serde
/// makes, and finds the texts serde finds, for nearly all of them.
#[test]
fn reads_the_bodies_of_the_corpus_as_serde_does() {
    let Some(files) = corpus_files() else {
        return;
    };
    let (mut bodies, mut read) = (0, 0);
    for file in &files {
        let Ok(content) = std::fs::read_to_string(file) else {
            continue;
        };
        let values = serde_json::Deserializer::from_str(&content).into_iter::<serde_json::Value>();
        for value in values.map_while(Result::ok) {
            let items = match value.get("items") {
                Some(serde_json::Value::Array(items)) => items.clone(),
                _ => vec![value],
            };
            for item in items {
                for field in ["requestObject", "responseObject"] {
                    let Some(body) = item.get(field) else {
                        continue;
                    };
                    for text in [
                        body.to_string(),
                        serde_json::to_string_pretty(body).unwrap(),
                    ] {
                        bodies += 1;
                        if node_agrees(&text).unwrap_or_else(|message| panic!("{message}")) {
                            read += 1;
                        }
                        text_at_agrees(&text).unwrap_or_else(|message| panic!("{message}"));
                    }
                }
            }
        }
    }
    eprintln!("the quick reader read {read} of {bodies} bodies");
    assert!(bodies > 100, "only {bodies} bodies");
    assert!(read * 100 >= bodies * 90, "read only {read} of {bodies}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reads_generated_trees_and_texts_as_serde_does(text in value()) {
        prop_assert!(node_agrees(&text).is_ok(), "{}", node_agrees(&text).unwrap_err());
        prop_assert!(text_at_agrees(&text).is_ok(), "{}", text_at_agrees(&text).unwrap_err());
        let named = format!(r#"{{"metadata":{{"name":{text}}},"spec":{text}}}"#);
        prop_assert!(text_at_agrees(&named).is_ok(), "{}", text_at_agrees(&named).unwrap_err());
    }

    #[test]
    fn reads_mutated_trees_and_texts_as_serde_does(
        text in value(),
        cuts in grammar_cuts(),
    ) {
        let text = with_cuts(format!(r#"{{"metadata":{{"name":"x"}},"spec":{text}}}"#), &cuts);
        prop_assert!(node_agrees(&text).is_ok(), "{}", node_agrees(&text).unwrap_err());
        prop_assert!(text_at_agrees(&text).is_ok(), "{}", text_at_agrees(&text).unwrap_err());
    }
}

/// Where to cut a text and what to put there: a JSON grammar byte, a word, or nothing.
fn grammar_cuts() -> impl Strategy<Value = Vec<(prop::sample::Index, &'static str)>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop_oneof![
                Just(""),
                Just("\""),
                Just("\\"),
                Just("{"),
                Just("}"),
                Just("["),
                Just("]"),
                Just(","),
                Just(":"),
                Just("null"),
                Just("0"),
                Just("-"),
                Just("."),
                Just("e"),
                Just("\u{1}"),
                Just(" "),
            ],
        ),
        1..4,
    )
}

/// `text` with the character at each cut (if any) replaced by the cut's text, in turn.
fn with_cuts(mut text: String, cuts: &[(prop::sample::Index, &str)]) -> String {
    for (at, insert) in cuts {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let start = boundaries[at.index(boundaries.len())];
        let end = boundaries
            .iter()
            .copied()
            .find(|&i| i > start)
            .unwrap_or(start);
        text.replace_range(start..end, insert);
    }
    text
}
