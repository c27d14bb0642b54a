//! Broken, hostile and huge input: each gets a clear error, in bounded time and memory, and
//! never a panic. Figures here are limits on work done, not timings.

use palisade_load::{Limits, Syntax, load_bytes, load_str};
use proptest::prelude::*;

fn first_error(file: &str, text: &str) -> String {
    let loaded = load_str(file, text);
    assert!(!loaded.errors.is_empty(), "expected an error for {file}");
    loaded.errors[0].to_string()
}

#[test]
fn billion_laughs_is_refused() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut previous = "a";
    for name in names {
        text.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
        previous = name;
    }
    let message = first_error("bomb.yaml", &text);
    assert!(message.contains("alias bomb"), "{message}");
    assert!(message.starts_with("bomb.yaml:"), "{message}");
}

#[test]
fn helm_templates_are_refused_with_a_hint() {
    let chart =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\n";
    let message = first_error("deployment.yaml", chart);
    assert!(message.contains("render it first"), "{message}");
    assert!(message.contains("deployment.yaml:4:9"), "{message}");

    let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{{ .Release.Name }}\n";
    let message = first_error("cm.yaml", plain);
    assert!(message.contains("unrendered Helm/Go template"), "{message}");
    assert!(message.contains("cm.yaml:4:9"), "{message}");

    let directive = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Namespace\n{{- end }}\n";
    let message = first_error("ns.yaml", directive);
    assert!(message.contains("ns.yaml:1:1"), "{message}");

    let key = "metadata:\n  labels:\n    {{ include \"labels\" . }}\n";
    assert!(first_error("labels.yaml", key).contains("template"));
}

#[test]
fn invalid_yaml_reports_line_and_column() {
    let message = first_error(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indentation\n",
    );
    assert!(message.starts_with("bad.yaml:5:"), "{message}");
    assert!(message.contains("invalid YAML"), "{message}");
}

#[test]
fn truncated_json_is_reported() {
    let message = first_error(
        "dump.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"kind\": ",
    );
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn deep_nesting_is_refused() {
    let flow = format!("a: {}{}", "[".repeat(5000), "]".repeat(5000));
    assert!(!load_str("deep.yaml", &flow).errors.is_empty());
    let mut block = String::new();
    for depth in 0..400 {
        block.push_str(&" ".repeat(depth));
        block.push_str("k:\n");
    }
    let message = first_error("deep-block.yaml", &block);
    assert!(message.contains("nesting deeper than"), "{message}");
    let json = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    assert!(first_error("deep.json", &json).contains("nesting deeper than"));
    let sequences = format!("{}x\n", "- ".repeat(2000));
    assert!(!load_str("seq.yaml", &sequences).errors.is_empty());
}

#[test]
fn huge_scalars_are_refused() {
    let limits = Limits {
        max_scalar_bytes: 1024,
        ..Limits::default()
    };
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  big: {}\n",
        "x".repeat(4096)
    );
    let loaded = load_bytes("big.yaml", text.as_bytes(), Syntax::Yaml, &limits);
    assert!(
        loaded.errors[0].message.contains("over the limit"),
        "{:?}",
        loaded.errors
    );
    let json = format!("{{\"big\": \"{}\"}}", "x".repeat(4096));
    let loaded = load_bytes("big.json", json.as_bytes(), Syntax::Json, &limits);
    assert!(
        loaded.errors[0].message.contains("over the limit"),
        "{:?}",
        loaded.errors
    );
}

#[test]
fn huge_files_are_refused_before_parsing() {
    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    let loaded = load_bytes("big.yaml", &[b'a'; 200], Syntax::Yaml, &limits);
    assert!(loaded.errors[0].message.contains("over the limit"));
}

#[test]
fn binary_and_invalid_utf8() {
    let loaded = load_bytes(
        "image.yaml",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        Syntax::Yaml,
        &Limits::default(),
    );
    assert!(
        loaded.errors[0].message.contains("binary file"),
        "{:?}",
        loaded.errors
    );
    let loaded = load_bytes(
        "latin1.yaml",
        b"name: caf\xe9\n",
        Syntax::Yaml,
        &Limits::default(),
    );
    assert!(
        loaded.errors[0].message.contains("invalid UTF-8"),
        "{:?}",
        loaded.errors
    );
    assert_eq!(
        (loaded.errors[0].line, loaded.errors[0].column),
        (Some(1), Some(10))
    );
}

#[test]
fn complex_keys_are_refused() {
    assert!(first_error("k.yaml", "? [a, b]\n: value\n").contains("mapping key"));
}

#[test]
fn empty_and_comment_only_inputs_are_fine() {
    for text in ["", "\n", "# nothing\n", "---\n---\n", "...\n"] {
        let loaded = load_str("empty.yaml", text);
        assert!(loaded.errors.is_empty(), "{text:?}: {:?}", loaded.errors);
        assert!(loaded.objects.is_empty());
        assert_eq!(loaded.skipped_documents, 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_bytes("fuzz.yaml", &bytes, Syntax::Yaml, &Limits::default());
        let _ = load_bytes("fuzz.json", &bytes, Syntax::Json, &Limits::default());
    }

    #[test]
    fn arbitrary_yaml_like_text_never_panics(text in "[-:{}\\[\\],&*!|>'\"#?% \\na-z0-9{}]{0,300}") {
        let _ = load_str("fuzz.yaml", &text);
        let _ = load_str("fuzz.json", &text);
    }
}

#[test]
fn one_huge_string_aliased_many_times_is_refused() {
    let mut text = format!("big: &big \"{}\"\nlist:\n", "x".repeat(1 << 20));
    for _ in 0..200 {
        text.push_str("  - *big\n");
    }
    let message = first_error("quadratic.yaml", &text);
    assert!(message.contains("alias bomb"), "{message}");
}

#[test]
fn duplicate_keys_are_refused_like_kubectl() {
    let message = first_error(
        "dup.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: false\n  hostPID: true\n",
    );
    assert!(
        message.starts_with("dup.yaml:5:3: invalid YAML")
            || message.contains("duplicate key \"hostPID\" (first at line 4 column 3)"),
        "{message}"
    );
    let many: String = (0..40).map(|i| format!("k{i}: 1\n")).collect::<String>() + "k7: 2\n";
    assert!(first_error("many.yaml", &many).contains("duplicate key \"k7\""));
}

#[test]
fn hostile_dockerfiles_get_clear_errors() {
    let dockerfile =
        |bytes: &[u8]| load_bytes("Dockerfile", bytes, Syntax::Dockerfile, &Limits::default());

    let loaded = dockerfile(b"\x7fELF\x02\x01\x00\x00");
    assert_eq!(
        loaded.errors[0].to_string(),
        "Dockerfile:1:7: invalid Dockerfile: binary file (NUL byte at offset 6), not a Dockerfile"
    );
    // A NUL past the first 8 KiB that the decoder looks at.
    let late = format!("FROM a\nRUN {}\0\n", "x".repeat(10_000));
    let loaded = dockerfile(late.as_bytes());
    assert!(
        loaded.errors[0]
            .to_string()
            .starts_with("Dockerfile:2:10005: "),
        "{:?}",
        loaded.errors
    );

    let loaded = dockerfile(b"FROM a\nRUN caf\xE9\n");
    assert!(
        loaded.errors[0]
            .to_string()
            .starts_with("Dockerfile:2:8: invalid UTF-8"),
        "{:?}",
        loaded.errors
    );

    let loaded = dockerfile(b"\xEF\xBB\xBFFROM alpine:3.20\r\nUSER app\r\n");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.objects.len(), 1);

    let loaded = dockerfile(b"FROM a\nRUN <<EOF\necho never ends\n");
    assert!(
        loaded.errors[0]
            .to_string()
            .starts_with("Dockerfile:2:5: invalid Dockerfile: unterminated heredoc")
    );

    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    let loaded = load_bytes("Dockerfile", &[b'#'; 200], Syntax::Dockerfile, &limits);
    assert!(loaded.errors[0].message.contains("over the limit"));

    let huge_line = format!("FROM a\nRUN {}\n", "x".repeat(17 * 1024 * 1024));
    let loaded = dockerfile(huge_line.as_bytes());
    assert!(
        loaded.errors[0].message.contains("over the limit"),
        "{:?}",
        loaded.errors
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_dockerfile_like_text_never_panics(
        text in "(FROM|RUN|ENV|ARG|COPY|ADD|USER|ONBUILD|HEALTHCHECK|CMD|#|--|<<-?|EOF|\\\\|`|\"|'|=|\\[|\\]|,|\\$|\\{|\\}| |\t|\r|\n|a|é){0,80}"
    ) {
        let _ = load_str("Dockerfile", &text);
        let _ = load_str("Dockerfile", &format!("FROM a\n{text}"));
        let _ = load_str("Dockerfile", &format!("# escape=`\nFROM a\n{text}"));
    }

    #[test]
    fn arbitrary_bytes_as_a_dockerfile_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_bytes("Dockerfile", &bytes, Syntax::Dockerfile, &Limits::default());
    }
}
