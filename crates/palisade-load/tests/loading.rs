//! Loading real manifest shapes: positions, multi-document streams, Lists, scalars.

use palisade_load::{load_str, parse_documents};
use palisade_model::{Node, Pos, Value};

#[test]
fn multi_document_yaml_with_positions_of_keys_and_items() {
    let text = "\
# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
---
# only a comment
---
apiVersion: v1
kind: Service
metadata: {name: web}
";
    let loaded = load_str("app.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.objects.len(), 2);
    assert_eq!(loaded.skipped_documents, 0);
    let pod = &loaded.objects[0];
    assert_eq!((pod.kind.as_str(), pod.name.as_str()), ("Pod", "web"));
    assert_eq!(pod.namespace.as_deref(), Some("shop"));
    let location = pod
        .location("/spec/containers/0/securityContext/privileged")
        .unwrap();
    assert_eq!(
        (&*location.file, location.line, location.column),
        ("app.yaml", 12, 9)
    );
    // A missing field points at the deepest existing parent: the container item.
    let location = pod.location("/spec/containers/0/resources/limits").unwrap();
    assert_eq!((location.line, location.column), (9, 7));
    let service = &loaded.objects[1];
    assert_eq!(service.source.as_ref().unwrap().document, 2);
    assert_eq!(service.location("/metadata/name").unwrap().line, 18);
}

#[test]
fn kubectl_yaml_1_1_scalars() {
    let docs = parse_documents(
        "x.yaml",
        "mode: 0644\nflag: yes\noff_flag: off\nquoted: \"0644\"\nport: 8080\nratio: 1.5\nempty:\nnull_word: ~\n",
    )
    .unwrap();
    let root = &docs[0];
    assert_eq!(root.get("mode").and_then(Node::as_i64), Some(420));
    assert_eq!(root.get("flag").and_then(Node::as_bool), Some(true));
    assert_eq!(root.get("off_flag").and_then(Node::as_bool), Some(false));
    assert_eq!(root.get("quoted").and_then(Node::as_str), Some("0644"));
    assert_eq!(root.get("port").and_then(Node::as_i64), Some(8080));
    assert_eq!(root.get("ratio").and_then(Node::as_f64), Some(1.5));
    assert!(root.get("empty").unwrap().is_null());
    assert!(root.get("null_word").unwrap().is_null());
}

#[test]
fn non_string_keys_become_json_keys_as_kubectl_does() {
    let docs = parse_documents("x.yaml", "on: push\n1: one\n").unwrap();
    assert_eq!(docs[0].get("true").and_then(Node::as_str), Some("push"));
    assert_eq!(docs[0].get("1").and_then(Node::as_str), Some("one"));
}

#[test]
fn merge_keys_and_anchors() {
    let text = "\
defaults: &defaults
  cpu: 100m
  memory: 128Mi
limits:
  <<: *defaults
  memory: 256Mi
";
    let docs = parse_documents("x.yaml", text).unwrap();
    let limits = docs[0].get("limits").unwrap();
    assert_eq!(limits.get("cpu").and_then(Node::as_str), Some("100m"));
    assert_eq!(limits.get("memory").and_then(Node::as_str), Some("256Mi"));
    assert!(limits.get("<<").is_none());
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  key: value\r\n";
    let loaded = load_str("crlf.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let object = &loaded.objects[0];
    assert_eq!(object.name, "crlf");
    assert_eq!(
        object.location("/data/key").map(|l| (l.line, l.column)),
        Some((6, 3))
    );
    assert_eq!(
        object.location("/apiVersion").map(|l| (l.line, l.column)),
        Some((1, 1))
    );
}

#[test]
fn yaml_list_items_become_objects_and_non_objects_are_counted() {
    let text = "\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: a, namespace: x}
  - kind: MissingApiVersion
---
replicaCount: 3
image: {repository: nginx}
";
    let loaded = load_str("list.yaml", text);
    assert_eq!(loaded.objects.len(), 1);
    assert_eq!(loaded.skipped_documents, 2);
    let account = &loaded.objects[0];
    assert_eq!(account.source.as_ref().unwrap().item, Some(0));
    assert_eq!(account.location("/metadata/name").map(|l| l.line), Some(6));
}

#[test]
fn items_of_a_typed_list_take_their_kind_from_the_list() {
    // The API server leaves `kind` and `apiVersion` out of list items (GET /api/v1/namespaces).
    let text = "\
apiVersion: v1
kind: NamespaceList
items:
  - metadata: {name: shop, labels: {team: a}}
  - apiVersion: v1
    kind: Namespace
    metadata: {name: written}
---
apiVersion: v1
kind: List
items:
  - metadata: {name: unknown-kind}
";
    let loaded = load_str("ns.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let identities: Vec<(&str, &str, &str)> = loaded
        .objects
        .iter()
        .map(|o| (o.api_version.as_str(), o.kind.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(
        identities,
        [("v1", "Namespace", "shop"), ("v1", "Namespace", "written")]
    );
    // A plain List says nothing about its items' kind.
    assert_eq!(loaded.skipped_documents, 1);
    // Positions of the item's own fields are kept; the filled-in kind has none.
    let shop = &loaded.objects[0];
    assert_eq!(shop.location("/metadata/name").map(|l| l.line), Some(4));
    assert_eq!(shop.root.get("kind").map(|k| k.pos.is_known()), Some(false));
}

#[test]
fn json_list_positions_are_inside_the_json_file() {
    let text = r#"{
    "apiVersion": "v1",
    "kind": "PodList",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "a", "namespace": "default"},
            "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx"}]}
        }
    ]
}"#;
    let loaded = load_str("pods.json", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let pod = &loaded.objects[0];
    let location = pod.location("/spec/hostNetwork").unwrap();
    assert_eq!((location.line, location.column), (9, 22));
    assert_eq!(
        pod.root
            .get_path(&["spec", "hostNetwork"])
            .map(|n| &n.value),
        Some(&Value::Bool(true))
    );
}

#[test]
fn json_detected_without_extension_and_yaml_flow_falls_back() {
    let loaded = load_str(
        "-",
        "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}",
    );
    assert_eq!(loaded.objects.len(), 1);
    let loaded = load_str(
        "-",
        "{apiVersion: v1, kind: Namespace, metadata: {name: b}}",
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.objects[0].name, "b");
    assert_eq!(&*loaded.objects[0].location("/kind").unwrap().file, "-");
}

#[test]
fn quoted_template_text_is_an_ordinary_string() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules}\ndata:\n  summary: \"{{ $labels.pod }} is down\"\n  block: |\n    {{ .Values.x }}\n";
    let loaded = load_str("rules.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
}

#[test]
fn positions_count_characters() {
    let docs = parse_documents(
        "x.yaml",
        "name: \"héllo wörld\"\nkey: 1\nnested: {é: 1, x: 2}\n",
    )
    .unwrap();
    assert_eq!(docs[0].locate("/nested/x"), Pos::new(3, 16));
}

#[test]
fn go_yaml_leniency_for_under_indented_continuation_lines() {
    let flow = "\
spec:
  containers:
    - name: c
      args: [
          \"-a\", \"1\",
      ]
      image: x
";
    let docs = parse_documents("flow.yaml", flow).unwrap();
    let container = docs[0].pointer("/spec/containers/0").unwrap();
    assert_eq!(container.get("args").map(|a| a.items().len()), Some(2));
    assert_eq!(container.get("image").and_then(Node::as_str), Some("x"));
    let quoted = "\
command:
  - sh
  - \"exec server --a=1 \\
  --b=2\"
after: 1
";
    let docs = parse_documents("quoted.yaml", quoted).unwrap();
    assert_eq!(
        docs[0].pointer("/command/1").and_then(Node::as_str),
        Some("exec server --a=1 --b=2")
    );
    assert_eq!(docs[0].locate("/after"), Pos::new(5, 1));
}

#[test]
fn a_dockerfile_is_one_object_with_positions() {
    let text = "# syntax=docker/dockerfile:1\nFROM golang:1.23 AS build\nRUN go build -o /app \\\n    ./cmd/app\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\nUSER 65532\n";
    let loaded = load_str("services/api/Dockerfile", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.objects.len(), 1);
    let object = &loaded.objects[0];
    assert!(object.is_dockerfile());
    assert_eq!(object.kind, "Dockerfile");
    assert_eq!(object.api_version, "palisade.dev/v1");
    assert_eq!(object.name, "services/api/Dockerfile");
    assert_eq!(object.namespace, None);
    let instructions = object.root.get("instructions").unwrap().items();
    assert_eq!(instructions.len(), 5);
    assert_eq!(
        instructions[1].get("arguments").and_then(Node::as_str),
        Some("go build -o /app     ./cmd/app")
    );
    let location = object.location("/instructions/4/arguments").unwrap();
    assert_eq!((location.line, location.column), (7, 6));
    let location = object.location("/instructions/3/flags/from").unwrap();
    assert_eq!((location.line, location.column), (6, 6));
}

#[test]
fn dockerfile_names_choose_the_dockerfile_syntax() {
    use palisade_load::Syntax;
    for path in [
        "Dockerfile",
        "deploy/Dockerfile",
        "a/b/api.Dockerfile",
        "Containerfile",
        "x/Dockerfile.dev",
        "web.containerfile",
    ] {
        assert_eq!(Syntax::for_path(path), Syntax::Dockerfile, "{path}");
    }
    for path in [
        "Dockerfile.md",
        "Dockerfile.yaml",
        "docs/Dockerfile.txt",
        "dockerfile/x.yaml",
    ] {
        assert_ne!(Syntax::for_path(path), Syntax::Dockerfile, "{path}");
    }
    for path in [
        "Dockerfile",
        "deploy/app.Dockerfile",
        "Containerfile.prod",
        "a.YAML",
        "b.json",
    ] {
        assert!(
            palisade_load::is_manifest_file(std::path::Path::new(path)),
            "{path}"
        );
    }
    for path in [
        "Dockerfile.md",
        "notes.txt",
        "Dockerfile.dockerignore",
        ".dockerignore",
    ] {
        assert!(
            !palisade_load::is_manifest_file(std::path::Path::new(path)),
            "{path}"
        );
    }
}

#[test]
fn comment_only_dockerfile_yields_nothing() {
    let loaded = load_str("Dockerfile", "# nothing here yet\n\n");
    assert!(loaded.errors.is_empty() && loaded.objects.is_empty());
    assert_eq!(loaded.skipped_documents, 0);
}
