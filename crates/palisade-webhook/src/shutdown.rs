//! The signals that stop `palisade serve`: SIGTERM (what the kubelet sends) and SIGINT (Ctrl-C).

use std::future::Future;
use std::io;

/// Listens for SIGTERM and SIGINT from now on (so that a signal arriving before the server
/// runs is not lost, nor kills the process) and resolves on the first one, after logging it.
/// Must be called within a tokio runtime.
#[cfg(unix)]
pub fn signals() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        let name = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "received {name}");
    })
}

/// Ctrl-C only, where there are no Unix signals.
#[cfg(not(unix))]
pub fn signals() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!(signal = "ctrl-c", "received Ctrl-C");
        } else {
            std::future::pending::<()>().await;
        }
    })
}
