//! The HTTPS server of `palisade serve`: TLS from files reloaded when they change, the five
//! endpoints, limits and timeouts against slow or hostile clients, and a graceful shutdown.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum_server::Handle;
use axum_server::accept::{TcpConfigAcceptor, TcpSocketConfig};
use axum_server::tls_rustls::RustlsConfig;

use crate::admission::Admission;
use crate::routes::{self, AppState, Limits, Workers};
use crate::tls::{self, CertificateFiles, TlsError};

/// How `palisade serve` serves. [`ServeOptions::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on; port 0 picks a free port ([`Server::local_addr`] says which).
    pub listen: SocketAddr,
    /// PEM: the serving certificate, then any intermediates.
    pub cert_file: PathBuf,
    /// PEM: its private key (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub key_file: PathBuf,
    /// How often the two files are read to see whether they changed.
    pub reload_interval: Duration,
    /// The largest request body accepted; a larger one is answered 413.
    pub max_body_bytes: usize,
    /// The time a client has to complete the TLS handshake, and then each request's headers
    /// (HTTP/1.1; an idle keep-alive connection is closed after it too).
    pub header_read_timeout: Duration,
    /// The time a client has to send a request body once its headers arrived; a slower one is
    /// answered 408 and disconnected.
    pub request_timeout: Duration,
    /// After a shutdown signal, how long requests in flight may take to finish.
    pub shutdown_grace: Duration,
    /// Where the rule checks of reviews larger than `inline_max_body_bytes` run, off the
    /// threads that serve connections.
    pub workers: WorkerPool,
    /// A review whose body is at most this large is judged on the thread that read it, saving
    /// the handoff to a worker; 0 (the default) sends every review to the workers. Judging on
    /// the thread that reads holds up the other connections it serves: with oha at 32
    /// connections on 2 cores, the p99 of inline judging was 6.6 ms against 4.4 ms on a pool
    /// bounded to 2 per core (`bench/webhook.sh`).
    pub inline_max_body_bytes: usize,
}

/// Where the rule checks of a large review run. Both keep that CPU work off the async
/// runtime's threads, which must stay free to accept connections and move bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerPool {
    /// tokio's blocking pool, as many at once as there are requests.
    SpawnBlocking,
    /// tokio's blocking pool, at most this many at once; the rest wait their turn.
    Bounded(usize),
}

impl WorkerPool {
    /// Checks running at once, per core, in the default pool.
    pub const DEFAULT_PER_CORE: usize = 2;

    /// The default: tokio's blocking pool bounded to [`WorkerPool::DEFAULT_PER_CORE`] checks
    /// per core. Fewer leave a core idle while a check waits to be scheduled; many more share
    /// the cores among every review in flight, so that each waits longer and the slowest
    /// longest (unbounded, p99 5.3 ms against 4.4 ms in `bench/webhook.sh` on 2 cores), and
    /// hold as many objects in memory at once.
    pub fn default_bounded() -> WorkerPool {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        WorkerPool::Bounded(cores * Self::DEFAULT_PER_CORE)
    }
}

impl ServeOptions {
    /// The API server itself refuses request bodies over 3 MiB, so no genuine review is larger.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 3 * 1024 * 1024;
    pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(10);
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// The API server gives a webhook 10 s by default (`timeoutSeconds`).
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
    /// Under Kubernetes' default 30 s termination grace period, so that palisade finishes
    /// before it would be killed.
    pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
    /// None: see [`ServeOptions::inline_max_body_bytes`].
    pub const DEFAULT_INLINE_MAX_BODY_BYTES: usize = 0;

    pub fn new(listen: SocketAddr, cert_file: PathBuf, key_file: PathBuf) -> ServeOptions {
        ServeOptions {
            listen,
            cert_file,
            key_file,
            reload_interval: Self::DEFAULT_RELOAD_INTERVAL,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: Self::DEFAULT_SHUTDOWN_GRACE,
            workers: WorkerPool::default_bounded(),
            inline_max_body_bytes: Self::DEFAULT_INLINE_MAX_BODY_BYTES,
        }
    }

    fn check(&self) -> Result<(), ServeError> {
        let positive = [
            ("reload interval", self.reload_interval),
            ("header read timeout", self.header_read_timeout),
            ("request timeout", self.request_timeout),
        ];
        for (name, value) in positive {
            if value.is_zero() {
                return Err(ServeError::Option(format!(
                    "the {name} must be more than 0"
                )));
            }
        }
        if self.max_body_bytes == 0 {
            return Err(ServeError::Option(
                "the maximum body size must be at least 1 byte".to_string(),
            ));
        }
        if self.workers == WorkerPool::Bounded(0) {
            return Err(ServeError::Option(
                "a bounded worker pool needs at least 1 worker".to_string(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The certificate or the key cannot be served: the file and the reason.
    #[error("{0}")]
    Tls(#[from] TlsError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: io::Error,
    },
    #[error("{0}")]
    Option(String),
    #[error("the server stopped: {0}")]
    Stopped(io::Error),
}

/// A server with its certificate loaded and its port bound, not yet serving.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    options: ServeOptions,
    admission: Arc<Admission>,
    certificate: tls::Loaded,
}

impl Server {
    /// Loads the certificate and key, then binds the port: every mistake in the setup is an
    /// error here, before anything is served.
    pub fn bind(options: ServeOptions, admission: Arc<Admission>) -> Result<Server, ServeError> {
        options.check()?;
        // What rustls builds without naming a provider uses the process default: make it ring
        // (fails only when one is installed already, which is then kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certificate = CertificateFiles {
            cert: options.cert_file.clone(),
            key: options.key_file.clone(),
        }
        .load()?;
        let listen_error = |source| ServeError::Listen {
            address: options.listen,
            source,
        };
        let listener = TcpListener::bind(options.listen).map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        listener.set_nonblocking(true).map_err(listen_error)?;
        Ok(Server {
            listener,
            local_addr,
            options,
            admission,
            certificate,
        })
    }

    /// The address it listens on (the port chosen, when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves, then stops accepting connections, lets the requests
    /// in flight finish within the grace period, and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server {
            listener,
            local_addr,
            options,
            admission,
            certificate,
        } = self;
        let served = RustlsConfig::from_config(Arc::new(certificate.config));
        let reloader = tokio::spawn(tls::reload_when_changed(
            CertificateFiles {
                cert: options.cert_file.clone(),
                key: options.key_file.clone(),
            },
            served.clone(),
            Arc::clone(&admission),
            options.reload_interval,
            certificate.contents,
        ));

        let state = AppState::new(
            admission,
            Limits {
                max_body_bytes: options.max_body_bytes,
                request_timeout: options.request_timeout,
            },
            match options.workers {
                WorkerPool::SpawnBlocking => Workers::spawn_blocking(options.inline_max_body_bytes),
                WorkerPool::Bounded(count) => {
                    Workers::bounded(count, options.inline_max_body_bytes)
                }
            },
        );
        let handle: Handle<SocketAddr> = Handle::new();
        let mut server = axum_server::from_tcp_rustls(listener, served)
            .map_err(|source| ServeError::Listen {
                address: local_addr,
                source,
            })?
            .handle(handle.clone())
            // Covers HTTP/2, which has no header timeout: a connection that never sends a
            // request is closed.
            .first_request_timeout(options.header_read_timeout)
            .map(|acceptor| {
                // TCP_NODELAY, as Go's servers set it: an HTTP/2 answer leaves as a HEADERS and
                // a DATA frame written one after the other, and Nagle's algorithm held the
                // second until the client's delayed ACK, 40 ms later (the p99 of POST /validate
                // over HTTP/2 was 42 ms without it).
                acceptor
                    .handshake_timeout(options.header_read_timeout)
                    .acceptor(tcp_acceptor())
            })
            .accept_error_handler(|peer, error| {
                // Mostly clients speaking plain HTTP, or port scanners.
                tracing::debug!(peer = ?peer, error = %error, "connection refused at the TLS handshake");
            });
        server
            .http_builder()
            .http1()
            .header_read_timeout(options.header_read_timeout);

        tracing::info!(
            address = %local_addr,
            cert = %options.cert_file.display(),
            sha256 = %certificate.fingerprint,
            "listening on https://{local_addr} (POST /validate, POST /mutate, GET /healthz, GET /readyz, GET /metrics)"
        );
        state.set_ready(true);
        let serving = server.serve(routes::router(state.clone()).into_make_service());
        tokio::pin!(serving);
        tokio::pin!(shutdown);
        let stopped = tokio::select! {
            stopped = &mut serving => Some(stopped),
            () = &mut shutdown => None,
        };
        let result = match stopped {
            Some(stopped) => stopped.map_err(ServeError::Stopped),
            None => {
                state.set_ready(false);
                let started = Instant::now();
                handle.graceful_shutdown(Some(options.shutdown_grace));
                tracing::info!(
                    connections = handle.connection_count(),
                    grace_seconds = options.shutdown_grace.as_secs_f64(),
                    "shutting down: no new connections; finishing the requests in flight"
                );
                let stopped = serving.await.map_err(ServeError::Stopped);
                if started.elapsed() >= options.shutdown_grace {
                    tracing::warn!("the shutdown grace period ended; the requests left were cut");
                }
                tracing::info!(seconds = started.elapsed().as_secs_f64(), "stopped");
                stopped
            }
        };
        reloader.abort();
        result
    }
}

/// Loads the certificate, binds `options.listen` and serves until `shutdown` resolves.
pub async fn serve(
    options: ServeOptions,
    admission: Arc<Admission>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    Server::bind(options, admission)?.run(shutdown).await
}

/// What is done to each accepted connection before TLS: TCP_NODELAY (see [`Server::run`]).
fn tcp_acceptor() -> TcpConfigAcceptor {
    TcpConfigAcceptor::new(TcpSocketConfig::new().nodelay(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum_server::accept::Accept;

    #[tokio::test]
    async fn accepted_connections_send_at_once() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = tokio::net::TcpStream::connect(address);
        let (accepted, _client) = tokio::join!(listener.accept(), client);
        let (stream, _) = accepted.unwrap();
        assert!(
            !stream.nodelay().unwrap(),
            "the kernel's default is Nagle's algorithm"
        );
        let (stream, ()) = tcp_acceptor().accept(stream, ()).await.unwrap();
        assert!(stream.nodelay().unwrap());
    }

    #[test]
    fn by_default_every_review_goes_to_a_pool_of_two_checks_per_core() {
        let options = ServeOptions::new(
            "127.0.0.1:0".parse().unwrap(),
            "tls.crt".into(),
            "tls.key".into(),
        );
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(options.workers, WorkerPool::Bounded(2 * cores));
        assert_eq!(options.inline_max_body_bytes, 0);
        assert!(options.check().is_ok());
    }
}
