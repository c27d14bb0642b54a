//! What the server tests share: a test CA and certificates from rcgen, a server on a free
//! loopback port, an HTTPS client that trusts the CA, and a raw TLS connection for the tests
//! that need to control every byte.

#![allow(dead_code)] // each test file uses its own part

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use palisade_rules::Config;
use palisade_webhook::admission::Admission;
use palisade_webhook::policy::Policy;
use palisade_webhook::{ServeError, ServeOptions, Server};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

/// The name in the test certificates; clients resolve it to the server's loopback address.
pub const HOST: &str = "palisade.test";

/// A test certificate authority.
pub struct Pki {
    issuer: Issuer<'static, KeyPair>,
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
}

/// A serving certificate and its key.
#[derive(Clone)]
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "palisade test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Pki {
            ca_pem: cert.pem(),
            ca_der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for [`HOST`] and 127.0.0.1 with this common name and serial number.
    pub fn leaf(&self, common_name: &str, serial: u64) -> Leaf {
        let mut params =
            CertificateParams::new(vec![HOST.to_string(), "127.0.0.1".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.serial_number = Some(SerialNumber::from(serial));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }
}

/// The two files the server reads, in their own directory.
pub struct Files {
    pub dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Files {
    pub fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        Files {
            cert: dir.path().join("tls.crt"),
            key: dir.path().join("tls.key"),
            dir,
        }
    }

    /// Writes both files, each atomically (as a Secret volume update appears).
    pub fn write(&self, leaf: &Leaf) {
        self.write_raw(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes());
    }

    pub fn write_raw(&self, cert: &[u8], key: &[u8]) {
        for (path, contents) in [(&self.cert, cert), (&self.key, key)] {
            let temporary = path.with_extension("new");
            std::fs::write(&temporary, contents).unwrap();
            std::fs::rename(&temporary, path).unwrap();
        }
    }
}

/// Options for a test server: a free loopback port, short intervals.
pub fn options(files: &Files) -> ServeOptions {
    let mut options = ServeOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        files.cert.clone(),
        files.key.clone(),
    );
    options.reload_interval = Duration::from_millis(100);
    options
}

pub fn admission() -> Arc<Admission> {
    let config = Config::default();
    let policy = Policy::from_config(&config, "test").unwrap();
    Arc::new(Admission::new(config, policy))
}

/// A server running in the test's runtime until [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    pub fn start(options: ServeOptions) -> Running {
        let server = Server::bind(options, admission()).unwrap();
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        Running {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Begins the graceful shutdown; [`Running::finished`] waits for its end.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn finished(self) -> Result<(), ServeError> {
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the server stops")
            .expect("the server task does not panic")
    }

    pub async fn stop(mut self) {
        self.begin_shutdown();
        self.finished().await.unwrap();
    }
}

/// A server with a fresh CA and certificate, and everything needed to talk to it.
pub struct Fixture {
    pub pki: Pki,
    pub leaf: Leaf,
    pub files: Files,
}

impl Fixture {
    pub fn new() -> Fixture {
        let pki = Pki::new();
        let leaf = pki.leaf("palisade-webhook-1", 1);
        let files = Files::new();
        files.write(&leaf);
        Fixture { pki, leaf, files }
    }

    pub fn options(&self) -> ServeOptions {
        options(&self.files)
    }

    /// An HTTPS client that trusts the test CA (HTTP/2 when the server offers it).
    pub fn client(&self, addr: SocketAddr) -> reqwest::Client {
        self.client_builder(addr).build().unwrap()
    }

    pub fn client_builder(&self, addr: SocketAddr) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.pki.ca_pem.as_bytes()).unwrap(),
            )
            .tls_built_in_root_certs(false)
            .resolve(HOST, addr)
            .tls_info(true)
            .timeout(Duration::from_secs(20))
    }

    /// A TLS connection (HTTP/1.1) on which the test writes and reads the bytes itself.
    pub async fn raw(&self, addr: SocketAddr) -> TlsStream<TcpStream> {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.pki.ca_der.clone()))
            .unwrap();
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = TcpStream::connect(addr).await.unwrap();
        TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from(HOST).unwrap(), tcp)
            .await
            .unwrap()
    }
}

pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("https://{HOST}:{}{path}", addr.port())
}

/// The certificate the server presented on the connection of this response.
pub fn served_certificate(response: &reqwest::Response) -> Vec<u8> {
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .expect("TLS information on the response")
        .to_vec()
}

/// The certificate the server presented on a raw connection.
pub fn raw_served_certificate(stream: &TlsStream<TcpStream>) -> Vec<u8> {
    stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a server certificate")
        .to_vec()
}

/// A response read from a raw connection.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A complete HTTP/1.1 request with a JSON body.
pub fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n").into_bytes()
}

/// Reads one response (with a Content-Length) from a raw connection; None when the server
/// closed the connection before a complete response.
pub async fn read_response(stream: &mut (impl AsyncRead + Unpin)) -> Option<RawResponse> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.parse().unwrap())
        .expect("responses carry a Content-Length");
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => body.extend_from_slice(&chunk[..read]),
        }
    }
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

pub async fn exchange(stream: &mut TlsStream<TcpStream>, request: &[u8]) -> RawResponse {
    stream.write_all(request).await.unwrap();
    stream.flush().await.unwrap();
    read_response(stream).await.expect("a response")
}

/// True when the peer closed the connection (or reset it) within `within`.
pub async fn closed_within(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    let read_until_closed = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(within, read_until_closed)
        .await
        .is_ok()
}

/// An AdmissionReview of a CREATE of a realistic Deployment.
pub fn review(uid: &str) -> String {
    serde_json::json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": "web",
            "namespace": "shop",
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["developers", "system:authenticated"]},
            "object": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {
                            "containers": [{
                                "name": "web",
                                "image": "registry.example.com/shop/web:1.4.2",
                                "ports": [{"containerPort": 8080}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"cpu": "500m", "memory": "256Mi"}
                                }
                            }]
                        }
                    }
                }
            },
            "oldObject": null,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
    .to_string()
}

/// The value of one sample of the Prometheus text: the metric with at least these labels.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (label_text, value) = match rest.strip_prefix('{') {
            Some(rest) => rest.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        labels
            .iter()
            .all(|(key, value)| label_text.contains(&format!("{key}=\"{value}\"")))
            .then(|| value.trim().parse().ok())?
    })
}
