//! `palisade serve`, the real binary: it starts on a certificate made for the test, answers
//! over TLS, stops gracefully on SIGTERM and SIGINT with a request in flight, and refuses to
//! start, with exit code 2 and the reason, on a bad certificate, key or configuration.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_palisade");
const HOST: &str = "palisade.test";

/// A CA, a serving certificate signed by it, and both files in a fresh directory (which is
/// also the server's working directory, so no `.palisade.yaml` from elsewhere is found).
struct Setup {
    dir: tempfile::TempDir,
    ca_der: Vec<u8>,
    cert: PathBuf,
    key: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params = CertificateParams::new(vec![HOST.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, HOST);
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("tls.crt");
        let key_file = dir.path().join("tls.key");
        std::fs::write(&cert, leaf.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        Setup {
            dir,
            ca_der: ca.der().to_vec(),
            cert,
            key: key_file,
        }
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `palisade serve` with the test's certificate and key, unless `extra` names others.
    fn command(&self, extra: &[&str]) -> Command {
        let mut command = Command::new(BINARY);
        command
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .arg("serve");
        if !extra.contains(&"--tls-cert") {
            command.arg("--tls-cert").arg(&self.cert);
        }
        if !extra.contains(&"--tls-key") {
            command.arg("--tls-key").arg(&self.key);
        }
        command.args(extra);
        command
    }

    /// Runs `palisade serve` to its end, for the runs that must not start.
    fn refused(&self, extra: &[&str]) -> (ExitStatus, String) {
        let mut child = self
            .command(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("palisade serve {extra:?} started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    }

    /// Starts `palisade serve` on a free loopback port with JSON logs and waits until it listens.
    fn start(&self, extra: &[&str]) -> Serving {
        let mut arguments = vec!["--listen", "127.0.0.1:0", "--log-format", "json"];
        arguments.extend_from_slice(extra);
        let mut child = self
            .command(&arguments)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (send, logs) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut serving = Serving {
            child,
            logs,
            seen: Vec::new(),
            addr: "0.0.0.0:0".parse().unwrap(),
            ca_der: self.ca_der.clone(),
        };
        let listening = serving.wait_for_log("listening");
        serving.addr = listening["address"]
            .as_str()
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("no address in {listening}"));
        serving
    }
}

/// A running `palisade serve` and its log events.
struct Serving {
    child: Child,
    logs: Receiver<String>,
    seen: Vec<String>,
    addr: SocketAddr,
    ca_der: Vec<u8>,
}

impl Serving {
    /// The first log event (JSON) whose message contains `needle`, logged already or awaited.
    fn wait_for_log(&mut self, needle: &str) -> Value {
        let matches = |event: &Value| {
            event["message"]
                .as_str()
                .is_some_and(|message| message.contains(needle))
        };
        if let Some(event) = self
            .seen
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(matches)
        {
            return event;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    let event: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|_| panic!("a log line that is not JSON: {line}"));
                    if matches(&event) {
                        return event;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    panic!(
                        "no log event with {needle:?}; logs so far: {:#?}",
                        self.seen
                    );
                }
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn exit_status(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("palisade serve did not exit; logs: {:#?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn connect(&self) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.ca_der.clone()))
            .unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connection =
            rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(HOST).unwrap())
                .unwrap();
        let tcp = TcpStream::connect(self.addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        rustls::StreamOwned::new(connection, tcp)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn review(uid: &str) -> String {
    serde_json::json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}
            }
        }
    })
    .to_string()
}

/// Reads one HTTP/1.1 response with a Content-Length: the status and the body.
fn read_response(stream: &mut impl Read) -> (u16, Vec<u8>) {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).to_string();
            let status = head.split(' ').nth(1).unwrap().parse().unwrap();
            let length: usize = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap();
            while received.len() < end + 4 + length {
                let read = stream.read(&mut chunk).unwrap();
                assert!(read > 0, "the connection closed mid-response");
                received.extend_from_slice(&chunk[..read]);
            }
            return (status, received[end + 4..end + 4 + length].to_vec());
        }
        let read = stream.read(&mut chunk).unwrap();
        assert!(read > 0, "the connection closed before a response");
        received.extend_from_slice(&chunk[..read]);
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let setup = Setup::new();
    let mut server = setup.start(&["--no-config", "--dry-run"]);

    let mut stream = server.connect();
    let body = review("7c1f-in-flight");
    let (first, second) = body.split_at(body.len() / 3);
    write!(
        stream,
        "POST /validate HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    server.signal("TERM");
    server.wait_for_log("shutting down");
    // The listener closes (as soon as the accept loop sees the signal): no new connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(server.addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections are still accepted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "it exited with a request in flight"
    );

    stream.write_all(second.as_bytes()).unwrap();
    stream.flush().unwrap();
    let (status, answer) = read_response(&mut stream);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["response"]["uid"], "7c1f-in-flight");

    let status = server.exit_status();
    assert_eq!(status.code(), Some(0), "logs: {:#?}", server.seen);
    server.wait_for_log("stopped");
}

#[test]
fn sigint_stops_it_too() {
    let setup = Setup::new();
    let mut server = setup.start(&["--no-config"]);
    let mut stream = server.connect();
    write!(stream, "GET /readyz HTTP/1.1\r\nHost: {HOST}\r\n\r\n").unwrap();
    stream.flush().unwrap();
    let (status, body) = read_response(&mut stream);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["status"],
        "ready"
    );
    server.signal("INT");
    assert_eq!(server.exit_status().code(), Some(0));
}

#[test]
fn the_configuration_is_found_as_scan_finds_it() {
    let setup = Setup::new();
    setup.write(".palisade.yaml", "rules:\n  missing-cpu-limit: off\n");
    let mut server = setup.start(&[]);
    let event = server.wait_for_log("configuration");
    assert!(
        event["config"]
            .as_str()
            .unwrap()
            .ends_with(".palisade.yaml"),
        "{event}"
    );
    server.signal("TERM");
    assert_eq!(server.exit_status().code(), Some(0));
}

#[test]
fn configuration_errors_stop_it_with_the_line_and_column() {
    let setup = Setup::new();
    setup.write(
        ".palisade.yaml",
        "rules:\n  missing-cpu-limit: off\n  no-such-rule: off\n",
    );
    let (status, stderr) = setup.refused(&[]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".palisade.yaml:3:3: unknown rule \"no-such-rule\""),
        "{stderr}"
    );
    // --no-config ignores the file: it then starts.
    let mut server = setup.start(&["--no-config"]);
    server.signal("TERM");
    assert_eq!(server.exit_status().code(), Some(0));

    let named = setup.write("webhook.yaml", "rules: [\n");
    let (status, stderr) = setup.refused(&["--config", named.to_str().unwrap()]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("webhook.yaml:"), "{stderr}");
}

#[test]
fn bad_certificates_and_keys_stop_it_naming_the_file_and_why() {
    let setup = Setup::new();
    let cert = std::fs::read_to_string(&setup.cert).unwrap();
    let key = std::fs::read_to_string(&setup.key).unwrap();
    let check = |extra: &[&str], file: &Path, why: &str| {
        let (status, stderr) = setup.refused(extra);
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("{}: ", file.display())) && stderr.contains(why),
            "expected {} and {why:?} in: {stderr}",
            file.display()
        );
        assert!(
            !stderr.contains(key.lines().nth(1).unwrap()),
            "the key leaked: {stderr}"
        );
    };

    let missing = setup.dir.path().join("missing.crt");
    check(
        &["--no-config", "--tls-cert", missing.to_str().unwrap()],
        &missing,
        "cannot read",
    );
    let broken_key = setup.write("broken.key", &key[..key.len() / 2]);
    check(
        &["--no-config", "--tls-key", broken_key.to_str().unwrap()],
        &broken_key,
        "invalid PEM",
    );
    let not_a_cert = setup.write("notes.txt", "hello\n");
    check(
        &["--no-config", "--tls-cert", not_a_cert.to_str().unwrap()],
        &not_a_cert,
        "no PEM certificate",
    );
    let other_key = setup.write("other.key", &KeyPair::generate().unwrap().serialize_pem());
    check(
        &["--no-config", "--tls-key", other_key.to_str().unwrap()],
        &other_key,
        "does not belong",
    );
    // Swapped arguments.
    let (status, stderr) = setup.refused(&[
        "--no-config",
        "--tls-cert",
        setup.key.to_str().unwrap(),
        "--tls-key",
        setup.cert.to_str().unwrap(),
    ]);
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("swapped"), "{stderr}");
    assert!(!cert.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let setup = Setup::new();
    for extra in [
        &["--no-config", "--reload-interval", "soon"][..],
        &["--no-config", "--reload-interval", "0s"],
        &["--no-config", "--listen", "localhost"],
        &["--no-config", "--max-body-bytes", "0"],
        &["--no-config", "--log-format", "xml"],
    ] {
        let (status, stderr) = setup.refused(extra);
        assert_eq!(status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{extra:?}");
    }
    let output = Command::new(BINARY)
        .args(["serve", "--tls-key", "k.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-cert"));
}
