//! Every endpoint over real TLS on a loopback port: answers, status codes, limits, metrics.

mod server_common;

use std::time::Duration;

use reqwest::StatusCode;
use server_common::{Fixture, Running, exchange, get, metric, post, review, url};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn validate_and_mutate_answer_the_review_with_its_uid() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let client = fixture.client(server.addr);
    for path in ["/validate", "/mutate"] {
        let uid = format!("705ab4f5-6393-11e8-b7cc-42010a800002{path}");
        let response = client
            .post(url(server.addr, path))
            .header("content-type", "application/json")
            .body(review(&uid))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["apiVersion"], "admission.k8s.io/v1", "{path}");
        assert_eq!(answer["kind"], "AdmissionReview", "{path}");
        assert_eq!(answer["response"]["uid"], uid.as_str(), "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn http2_and_http1_both_work() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let h2 = fixture.client(server.addr);
    let response = h2.get(url(server.addr, "/healthz")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    let h1 = fixture
        .client_builder(server.addr)
        .http1_only()
        .build()
        .unwrap();
    let response = h1.get(url(server.addr, "/healthz")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let client = fixture.client(server.addr);

    let health = client
        .get(url(server.addr, "/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = client
        .get(url(server.addr, "/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );

    let metrics = client
        .get(url(server.addr, "/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    assert_eq!(
        metrics.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = metrics.text().await.unwrap();
    let requests = "palisade_http_requests_total";
    assert_eq!(
        metric(&text, requests, &[("endpoint", "healthz"), ("code", "200")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, requests, &[("endpoint", "readyz"), ("code", "200")]),
        Some(1.0),
        "{text}"
    );
    assert!(
        metric(
            &text,
            "palisade_http_request_duration_seconds_count",
            &[("endpoint", "healthz")]
        ) == Some(1.0),
        "{text}"
    );
    // The scrape itself is the one request in flight.
    assert_eq!(
        metric(&text, "palisade_http_requests_in_flight", &[]),
        Some(1.0),
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_and_truncated_json_is_answered_400_with_a_message() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let client = fixture.client(server.addr);
    let whole = review("3f1c0ab2-0000-4000-8000-000000000001");
    for body in [&whole[..whole.len() / 2], "{", "not json at all", ""] {
        let response = client
            .post(url(server.addr, "/validate"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|message| !message.is_empty()),
            "{answer}"
        );
    }
    let metrics = client
        .get(url(server.addr, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        metric(
            &metrics,
            "palisade_http_requests_total",
            &[("endpoint", "validate"), ("code", "400")]
        ),
        Some(4.0),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_default_3_mib_limit_is_answered_413() {
    let fixture = Fixture::new();
    let options = fixture.options();
    assert_eq!(options.max_body_bytes, 3 * 1024 * 1024);
    let server = Running::start(options);
    let client = fixture
        .client_builder(server.addr)
        .http1_only()
        .build()
        .unwrap();
    // A review padded to just over 3 MiB with an annotation: well-formed, only too large.
    let padding = "x".repeat(3 * 1024 * 1024);
    let huge = review("uid-huge").replacen(
        r#""labels":{"app":"web"}"#,
        &format!(r#""labels":{{"app":"web"}},"annotations":{{"padding":"{padding}"}}"#),
        1,
    );
    assert!(huge.len() > 3 * 1024 * 1024);
    let response = client
        .post(url(server.addr, "/validate"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"].as_str().unwrap().contains("3145728 bytes"),
        "{answer}"
    );
    // The connection was drained: the same client goes on.
    let response = client
        .post(url(server.addr, "/validate"))
        .header("content-type", "application/json")
        .body(review("uid-after"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn the_body_limit_holds_with_and_without_a_content_length() {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    options.max_body_bytes = 10_000;
    let server = Running::start(options);

    // Exactly at the limit is judged.
    let body = format!("{:<10000}", review("uid-at-limit"));
    let mut stream = fixture.raw(server.addr).await;
    let response = exchange(&mut stream, &post("/validate", &body)).await;
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );

    // One byte over, declared: refused before it is read.
    let over = format!("{body} ");
    let response = exchange(&mut stream, &post("/validate", &over)).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.header("content-type"), Some("application/json"));

    // Chunked, with no length announced: refused once the limit is passed.
    let mut stream = fixture.raw(server.addr).await;
    let mut request = b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        request.extend_from_slice(format!("{:x}\r\n{}\r\n", 4000, "a".repeat(4000)).as_bytes());
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let response = exchange(&mut stream, &request).await;
    assert_eq!(response.status, 413);
    server.stop().await;
}

#[tokio::test]
async fn wrong_methods_get_405_and_unknown_paths_404_as_json() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let client = fixture.client(server.addr);
    let cases = [
        (
            reqwest::Method::GET,
            "/validate",
            StatusCode::METHOD_NOT_ALLOWED,
            Some("POST"),
        ),
        (
            reqwest::Method::PUT,
            "/mutate",
            StatusCode::METHOD_NOT_ALLOWED,
            Some("POST"),
        ),
        (
            reqwest::Method::POST,
            "/healthz",
            StatusCode::METHOD_NOT_ALLOWED,
            Some("GET, HEAD"),
        ),
        (
            reqwest::Method::DELETE,
            "/metrics",
            StatusCode::METHOD_NOT_ALLOWED,
            Some("GET, HEAD"),
        ),
        (reqwest::Method::GET, "/", StatusCode::NOT_FOUND, None),
        (
            reqwest::Method::POST,
            "/validate/extra",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            reqwest::Method::GET,
            "/admission",
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (method, path, status, allow) in cases {
        let response = client
            .request(method.clone(), url(server.addr, path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .map(|value| value.to_str().unwrap()),
            allow,
            "{method} {path}"
        );
        assert_eq!(response.headers()["content-type"], "application/json");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert!(answer["error"].is_string(), "{method} {path}: {answer}");
    }
    // Refused while the client is still sending a large body: it still reads why, over HTTP/2
    // (no reset stream) and HTTP/1.1 (no reset connection).
    let large = "x".repeat(2 * 1024 * 1024);
    let h1 = fixture
        .client_builder(server.addr)
        .http1_only()
        .build()
        .unwrap();
    for client in [&client, &h1] {
        for (path, status) in [
            ("/healthz", StatusCode::METHOD_NOT_ALLOWED),
            ("/nowhere", StatusCode::NOT_FOUND),
        ] {
            let response = client
                .post(url(server.addr, path))
                .header("content-type", "application/json")
                .body(large.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), status, "{path}");
            let answer: serde_json::Value = response.json().await.unwrap();
            assert!(answer["error"].is_string());
        }
    }
    let metrics = client
        .get(url(server.addr, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        metric(
            &metrics,
            "palisade_http_requests_total",
            &[("endpoint", "other"), ("code", "404")]
        ),
        Some(5.0),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_body_declared_as_another_format_is_refused_415() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let client = fixture.client(server.addr);
    let response = client
        .post(url(server.addr, "/validate"))
        .header("content-type", "application/yaml")
        .body(review("uid-yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    // Without the header the body is read as JSON.
    let response = client
        .post(url(server.addr, "/validate"))
        .body(review("uid-bare"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn plain_http_gets_no_http_answer() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let attempt = plain
        .get(format!("http://127.0.0.1:{}/healthz", server.addr.port()))
        .send()
        .await;
    assert!(attempt.is_err(), "{attempt:?}");

    // On the wire: the bytes of a plain request get no HTTP response back.
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(&get("/healthz")).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut tcp, &mut answer),
    )
    .await;
    assert!(
        !answer.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    server.stop().await;
}

#[tokio::test]
async fn the_bounded_worker_pool_answers_concurrent_reviews() {
    concurrent_reviews_are_answered(|options| {
        options.workers = palisade_webhook::WorkerPool::Bounded(1);
        // Every review to the pool, however small.
        options.inline_max_body_bytes = 0;
    })
    .await;
}

#[tokio::test]
async fn reviews_judged_inline_or_on_the_blocking_pool_are_answered_alike() {
    let small = review("uid-0").len();
    for inline_max_body_bytes in [0, small - 1, small + 64, usize::MAX] {
        concurrent_reviews_are_answered(|options| {
            options.inline_max_body_bytes = inline_max_body_bytes;
        })
        .await;
    }
}

/// Sends 16 reviews at once and checks that each is answered for its own uid.
async fn concurrent_reviews_are_answered(adjust: impl FnOnce(&mut palisade_webhook::ServeOptions)) {
    let fixture = Fixture::new();
    let mut options = fixture.options();
    adjust(&mut options);
    let server = Running::start(options);
    let client = fixture.client(server.addr);
    let requests = (0..16).map(|index| {
        let client = client.clone();
        let uid = format!("uid-{index}");
        let addr = server.addr;
        async move {
            let response = client
                .post(url(addr, "/validate"))
                .header("content-type", "application/json")
                .body(review(&uid))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let answer: serde_json::Value = response.json().await.unwrap();
            assert_eq!(answer["response"]["uid"], uid.as_str());
        }
    });
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    for handle in handles {
        handle.await.unwrap();
    }
    server.stop().await;
}

#[tokio::test]
async fn a_refused_request_is_answered_after_its_body_and_the_connection_stays_usable() {
    let fixture = Fixture::new();
    let server = Running::start(fixture.options());
    let mut stream = fixture.raw(server.addr).await;
    for (path, content_type, status) in [
        ("/nowhere", "application/json", 404),
        ("/healthz", "application/json", 405),
        ("/validate", "application/yaml", 415),
    ] {
        let body = "kind: Pod\n".repeat(100);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body.as_bytes()[..10]).await.unwrap();
        stream.flush().await.unwrap();
        // A client still sending: the answer waits for the rest, and the connection goes on.
        tokio::time::sleep(Duration::from_millis(200)).await;
        stream.write_all(&body.as_bytes()[10..]).await.unwrap();
        let response = server_common::read_response(&mut stream)
            .await
            .expect("an answer");
        assert_eq!(response.status, status, "{path}");
        assert_eq!(response.header("connection"), None, "{path}");
    }
    let response = exchange(&mut stream, &get("/healthz")).await;
    assert_eq!(response.status, 200);
    server.stop().await;
}
