//! What keeps the webhook up: certificate rotation without dropped connections, slow clients
//! cut off while others are served, a graceful shutdown, and clear errors for bad certificates.

mod server_common;

use std::time::{Duration, Instant};

use palisade_webhook::{ServeError, Server};
use reqwest::StatusCode;
use server_common::{
    Files, Fixture, Running, closed_within, exchange, get, metric, post, raw_served_certificate,
    read_response, review, served_certificate, url,
};
use tokio::io::AsyncWriteExt;

/// Polls with fresh connections until the server presents `expected` (or gives up).
async fn wait_for_certificate(fixture: &Fixture, addr: std::net::SocketAddr, expected: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let fresh = fixture.client(addr);
        let response = fresh.get(url(addr, "/healthz")).send().await.unwrap();
        if served_certificate(&response) == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scrape(fixture: &Fixture, addr: std::net::SocketAddr) -> String {
    fixture
        .client(addr)
        .get(url(addr, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_certificate_is_served_to_new_connections_and_open_ones_keep_working() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());

    let mut open = fixture.raw(server.addr).await;
    assert_eq!(raw_served_certificate(&open), fixture.leaf.der);
    let response = exchange(&mut open, &post("/validate", &review("before"))).await;
    assert_eq!(response.status, 200);

    let renewed = fixture.pki.leaf("palisade-webhook-2", 2);
    assert_ne!(renewed.der, fixture.leaf.der);
    fixture.files.write(&renewed);
    wait_for_certificate(&fixture, server.addr, &renewed.der).await;

    // The connection opened before the rotation is still up, on its old certificate.
    let response = exchange(&mut open, &post("/validate", &review("after"))).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["response"]["uid"], "after");
    assert_eq!(raw_served_certificate(&open), fixture.leaf.der);

    let metrics = scrape(&fixture, server.addr).await;
    assert_eq!(
        metric(
            &metrics,
            "palisade_tls_reloads_total",
            &[("result", "success")]
        ),
        Some(1.0),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_new_pair_keeps_the_old_certificate_and_is_counted_once() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let other = fixture.pki.leaf("palisade-webhook-other", 3);

    // A new certificate with the old key: they do not belong together.
    fixture
        .files
        .write_raw(other.cert_pem.as_bytes(), fixture.leaf.key_pem.as_bytes());
    wait_for_failures(&fixture, server.addr, 1.0).await;
    // Many more reload intervals pass: the failure is counted for the change, not per poll.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(failures(&fixture, server.addr).await, Some(1.0));
    let response = fixture
        .client(server.addr)
        .get(url(server.addr, "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(served_certificate(&response), fixture.leaf.der);

    // Garbage, then a file that vanished: each a failure, and still the old certificate.
    // (One file changes at a time, so that the poller cannot see two states.)
    let garbage = fixture.files.cert.with_extension("garbage");
    std::fs::write(&garbage, "not a certificate").unwrap();
    std::fs::rename(&garbage, &fixture.files.cert).unwrap();
    wait_for_failures(&fixture, server.addr, 2.0).await;
    std::fs::remove_file(&fixture.files.cert).unwrap();
    wait_for_failures(&fixture, server.addr, 3.0).await;
    let response = fixture
        .client(server.addr)
        .get(url(server.addr, "/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(served_certificate(&response), fixture.leaf.der);

    // A good pair at last is taken.
    fixture.files.write(&other);
    wait_for_certificate(&fixture, server.addr, &other.der).await;
    let metrics = scrape(&fixture, server.addr).await;
    assert_eq!(
        metric(
            &metrics,
            "palisade_tls_reloads_total",
            &[("result", "success")]
        ),
        Some(1.0),
        "{metrics}"
    );
    server.stop().await;
}

async fn failures(fixture: &Fixture, addr: std::net::SocketAddr) -> Option<f64> {
    let metrics = scrape(fixture, addr).await;
    metric(
        &metrics,
        "palisade_tls_reloads_total",
        &[("result", "failure")],
    )
}

/// Polls the metrics until this many reloads have failed (or gives up).
async fn wait_for_failures(fixture: &Fixture, addr: std::net::SocketAddr, expected: f64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = failures(fixture, addr).await;
        if now == Some(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{now:?} failed reloads, {expected} expected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_trickle_headers_are_cut_off_while_others_are_served() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.header_read_timeout = Duration::from_secs(1);
    let server = Running::start(options);

    // Many connections, each sending its request head one byte at a time.
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = fixture.raw(server.addr).await;
        stream
            .write_all(b"POST /validate HTTP/1.1\r\n")
            .await
            .unwrap();
        slow.push(tokio::spawn(async move {
            let started = Instant::now();
            for byte in b"Host: palisade.test\r\nContent-Type: application/json\r\n"
                .iter()
                .cycle()
            {
                if stream.write_all(&[*byte]).await.is_err() || stream.flush().await.is_err() {
                    break; // the server hung up
                }
                if started.elapsed() > Duration::from_secs(15) {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Some(started.elapsed())
        }));
    }

    // Meanwhile a normal client is answered.
    let client = fixture.client(server.addr);
    for index in 0..10 {
        let response = client
            .post(url(server.addr, "/validate"))
            .header("content-type", "application/json")
            .body(review(&format!("normal-{index}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    for handle in slow {
        let cut_after = handle.await.unwrap();
        assert!(
            cut_after.is_some(),
            "a client trickling its headers held its connection for 15 s"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trickles_its_body_gets_408_and_is_disconnected() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.request_timeout = Duration::from_secs(1);
    let server = Running::start(options);

    let stream = fixture.raw(server.addr).await;
    let (mut reader, mut writer) = tokio::io::split(stream);
    writer
        .write_all(
            b"POST /validate HTTP/1.1\r\nHost: palisade.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b" ").await.is_err() || writer.flush().await.is_err() {
                break;
            }
        }
    });
    // The answer arrives while the client is still sending.
    let response = tokio::time::timeout(Duration::from_secs(15), read_response(&mut reader))
        .await
        .expect("the server answers a client that trickles its body")
        .expect("a response before the connection closes");
    assert_eq!(response.status, 408);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(
        response.json()["error"].as_str().unwrap().contains("1 s"),
        "{:?}",
        response.json()
    );
    assert!(closed_within(&mut reader, Duration::from_secs(5)).await);
    trickle.abort();
    let metrics = scrape(&fixture, server.addr).await;
    assert_eq!(
        metric(
            &metrics,
            "palisade_http_requests_total",
            &[("endpoint", "validate"), ("code", "408")]
        ),
        Some(1.0),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_finish_the_handshake_or_never_ask_are_closed() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.header_read_timeout = Duration::from_secs(1);
    let server = Running::start(options);

    let mut silent_tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut silent_tls = fixture.raw(server.addr).await;
    let mut buffer = [0u8; 64];
    let tcp_closed = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read(&mut silent_tcp, &mut buffer),
    )
    .await;
    assert!(
        matches!(tcp_closed, Ok(Ok(0)) | Ok(Err(_))),
        "a connection without a handshake stayed open"
    );
    assert!(
        closed_within(&mut silent_tls, Duration::from_secs(10)).await,
        "a TLS connection without a request stayed open"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_and_refuses_new_connections() {
    let fixture = Fixture::new();
    let mut server = Running::start(fixture.options());
    let addr = server.addr;

    // A request in flight: its headers and half its body are sent.
    let body = review("in-flight");
    let (first, second) = body.split_at(body.len() / 2);
    let mut stream = fixture.raw(addr).await;
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: palisade.test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    // An idle keep-alive connection, which the shutdown may close at once.
    let mut idle = fixture.raw(addr).await;
    assert_eq!(exchange(&mut idle, &get("/healthz")).await.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.begin_shutdown();
    // The listener closes as soon as the accept loop sees the shutdown.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections are still accepted during the shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await);

    stream.write_all(second.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    let response = read_response(&mut stream).await.expect("the answer");
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["response"]["uid"], "in-flight");
    server.finished().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grace_period_bounds_the_shutdown() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.shutdown_grace = Duration::from_millis(500);
    options.request_timeout = Duration::from_secs(60);
    let mut server = Running::start(options);
    let mut stream = fixture.raw(server.addr).await;
    stream
        .write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    server.begin_shutdown();
    server.finished().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
}

fn bind_error(files: &Files) -> String {
    match Server::bind(server_common::options(files), server_common::admission()) {
        Ok(_) => panic!("the server started"),
        Err(error @ ServeError::Tls(_)) => error.to_string(),
        Err(other) => panic!("not a certificate error: {other}"),
    }
}

#[test]
fn unusable_certificates_and_keys_are_errors_that_name_the_file_and_the_reason() {
    let pki = server_common::Pki::new();
    let leaf = pki.leaf("one", 1);
    let other = pki.leaf("two", 2);
    let files = Files::new();
    let cert = files.cert.display().to_string();
    let key = files.key.display().to_string();

    // Missing.
    let message = bind_error(&files);
    assert!(
        message.starts_with(&cert) && message.contains("cannot read"),
        "{message}"
    );

    files.write_raw(leaf.cert_pem.as_bytes(), b"");
    let message = bind_error(&files);
    assert!(
        message.starts_with(&key) && message.contains("empty"),
        "{message}"
    );

    files.write_raw(b"hello", leaf.key_pem.as_bytes());
    let message = bind_error(&files);
    assert!(
        message.starts_with(&cert) && message.contains("no PEM certificate"),
        "{message}"
    );

    // Swapped.
    files.write_raw(leaf.key_pem.as_bytes(), leaf.cert_pem.as_bytes());
    let message = bind_error(&files);
    assert!(
        message.starts_with(&cert) && message.contains("swapped"),
        "{message}"
    );

    // Truncated.
    let truncated = &leaf.cert_pem.as_bytes()[..leaf.cert_pem.len() - 40];
    files.write_raw(truncated, leaf.key_pem.as_bytes());
    let message = bind_error(&files);
    assert!(
        message.starts_with(&cert) && message.contains("truncated"),
        "{message}"
    );

    // Not a certificate inside, though well-formed PEM.
    files.write_raw(
        b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        leaf.key_pem.as_bytes(),
    );
    let message = bind_error(&files);
    assert!(
        message.starts_with(&cert) && message.contains("X.509"),
        "{message}"
    );

    // A key that belongs to another certificate.
    files.write_raw(leaf.cert_pem.as_bytes(), other.key_pem.as_bytes());
    let message = bind_error(&files);
    assert!(
        message.starts_with(&key) && message.contains("does not belong") && message.contains(&cert),
        "{message}"
    );

    // Never a word of the key in a message.
    let key_body: String = leaf.key_pem.lines().nth(1).unwrap().to_string();
    files.write_raw(
        leaf.cert_pem.as_bytes(),
        &leaf.key_pem.as_bytes()[..leaf.key_pem.len() / 2],
    );
    let message = bind_error(&files);
    assert!(message.starts_with(&key), "{message}");
    assert!(!message.contains(&key_body[..20]), "{message}");

    // And a good pair starts.
    files.write(&leaf);
    assert!(Server::bind(server_common::options(&files), server_common::admission()).is_ok());
}

#[test]
fn a_port_in_use_is_an_error_that_names_it() {
    let fixture = Fixture::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut options = fixture.options();
    options.listen = taken.local_addr().unwrap();
    let error = Server::bind(options, server_common::admission())
        .err()
        .expect("an error");
    let message = error.to_string();
    assert!(
        message.contains(&taken.local_addr().unwrap().to_string()),
        "{message}"
    );
}

#[test]
fn zero_intervals_and_limits_are_refused() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.reload_interval = Duration::ZERO;
    let error = Server::bind(options, server_common::admission())
        .err()
        .expect("an error");
    assert!(error.to_string().contains("reload interval"), "{error}");
    let mut options = fixture.options();
    options.max_body_bytes = 0;
    assert!(Server::bind(options, server_common::admission()).is_err());
}
