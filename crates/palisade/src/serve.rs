//! `palisade serve`: read the configuration, start the webhook server, stop on SIGTERM/SIGINT.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use palisade_rules::Config;
use palisade_webhook::admission::Admission;
use palisade_webhook::policy::Policy;
use palisade_webhook::{ServeOptions, Server, WorkerPool, shutdown};

use crate::cli::{LogFormat, ServeArgs};
use crate::output::{EXIT_CLEAN, EXIT_ERROR};
use crate::scan::{find_config, load_config};

pub fn run(arguments: &ServeArgs) -> u8 {
    init_logging(arguments.log_format);
    let fail = |message: &str| fail(arguments.log_format, message);
    let admission = match admission(arguments) {
        Ok(admission) => Arc::new(admission),
        Err(message) => return fail(&format!("invalid configuration: {message}")),
    };
    let options = ServeOptions {
        listen: arguments.listen,
        cert_file: arguments.tls_cert.clone(),
        key_file: arguments.tls_key.clone(),
        reload_interval: arguments.reload_interval,
        max_body_bytes: arguments.max_body_bytes,
        header_read_timeout: arguments.header_read_timeout,
        request_timeout: arguments.request_timeout,
        shutdown_grace: arguments.shutdown_grace,
        workers: arguments
            .workers
            .unwrap_or_else(WorkerPool::default_bounded),
        inline_max_body_bytes: arguments.inline_max_body_bytes,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    let served = runtime.block_on(async {
        // Before the server is up, so that an early SIGTERM stops it gracefully too.
        let stop = shutdown::signals()
            .map_err(|error| format!("cannot listen for SIGTERM and SIGINT: {error}"))?;
        let server = Server::bind(options, admission).map_err(|error| error.to_string())?;
        server.run(stop).await.map_err(|error| error.to_string())
    });
    // A review still being judged on the blocking pool after the grace period is abandoned.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match served {
        Ok(()) => EXIT_CLEAN,
        Err(message) => fail(&message),
    }
}

/// The rules configuration and the `webhook:` policy, from the same file `palisade scan` reads.
fn admission(arguments: &ServeArgs) -> Result<Admission, String> {
    let (config, file) = match find_config(arguments.config.as_deref(), arguments.no_config) {
        Some(path) => {
            let config = load_config(&path)?;
            tracing::info!(config = %path.display(), "configuration");
            (config, path.display().to_string())
        }
        None => {
            tracing::info!("no configuration file: the default rules and policy");
            (Config::default(), String::new())
        }
    };
    let mut policy = Policy::from_config(&config, &file).map_err(|error| error.to_string())?;
    // Only ever turned on here: `dryRun: true` in the file stays on without the flag.
    if arguments.dry_run {
        policy.dry_run(true);
    }
    Ok(Admission::new(config, policy))
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // Fails only if a logger is set already, which then stays.
    let _ = match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).try_init(),
        LogFormat::Json => logs.json().flatten_event(true).try_init(),
    };
}

/// Reports why palisade cannot serve, as the other commands do (or as a log event, so that
/// JSON logs stay JSON), and gives the exit code.
fn fail(format: LogFormat, message: &str) -> u8 {
    match format {
        LogFormat::Text => eprintln!("palisade: {message}"),
        LogFormat::Json => tracing::error!("palisade: {message}"),
    }
    EXIT_ERROR
}
