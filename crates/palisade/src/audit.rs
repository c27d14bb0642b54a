//! `palisade audit FILE...`: judge audit events as they are read and write each alert at once;
//! `palisade audit rbac`: the RBAC that covers what a user did.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use palisade_audit::rbac::{Options, RbacGenerator, Subject};
use palisade_audit::{
    AuditConfig, Detector, EventReader, FollowOptions, Follower, Limits, Verdict, rule_docs,
};
use palisade_model::{Alert, InputError};
use palisade_report::{AlertWriter, AuditFormat, AuditSummary, RenderOptions};

use crate::cli::{AuditArgs, AuditCommand, AuditDetectArgs, AuditRbacArgs};
use crate::output::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, use_color, write_report};
use crate::scan::{find_config, load_config};

pub fn run(arguments: &AuditArgs) -> u8 {
    match &arguments.command {
        Some(AuditCommand::Rbac(arguments)) => rbac(arguments),
        None => detect(&arguments.detect),
    }
}

/// What `--follow` cannot be combined with, as the message that says so.
fn follow_conflict(arguments: &AuditDetectArgs, format: AuditFormat) -> Option<String> {
    if !arguments.follow {
        return None;
    }
    if arguments.files.len() != 1 {
        return Some(format!(
            "--follow follows one file, and {} were given",
            arguments.files.len()
        ));
    }
    if arguments.files[0] == "-" {
        return Some(
            "--follow follows a file by its name; standard input is judged as it arrives \
             without it (`tail -F audit.log | palisade audit -o jsonl -`)"
                .to_string(),
        );
    }
    if !format.is_streaming() {
        return Some(
            "-o json writes one document when the input ends, and a followed log does not end: \
             use -o jsonl or -o ecs (one alert per line) or the table"
                .to_string(),
        );
    }
    if arguments.output_file.is_some() {
        return Some(
            "--output-file is written at once when the input ends, and a followed log does not \
             end: redirect the output instead (`palisade audit --follow -o jsonl audit.log >> \
             alerts.jsonl`)"
                .to_string(),
        );
    }
    None
}

/// The audit configuration: the `audit:` section of `.palisade.yaml` (found as `palisade scan`
/// finds it) with the `--cluster-cidr` networks added.
fn audit_config(arguments: &AuditDetectArgs) -> Result<AuditConfig, String> {
    let mut config = match find_config(arguments.config.as_deref(), arguments.no_config) {
        Some(path) => {
            let scan = load_config(&path)
                .map_err(|message| format!("invalid configuration: {message}"))?;
            AuditConfig::from_config(scan, &path.display().to_string())
                .map_err(|error| format!("invalid configuration: {error}"))?
        }
        None => AuditConfig::default(),
    };
    for network in &arguments.cluster_cidrs {
        config
            .add_cluster_network(network)
            .map_err(|error| format!("invalid --cluster-cidr: {error}"))?;
    }
    Ok(config)
}

/// Judges events one at a time and hands each alert to the writer as soon as it is found.
struct Judge<'a> {
    detector: Detector,
    writer: AlertWriter<'a>,
    summary: AuditSummary,
    /// The input errors, for the JSON document; other formats only count them.
    errors: Vec<InputError>,
    keep_errors: bool,
    /// The alerts of the current event (reused).
    alerts: Vec<Alert>,
    /// Whether alerts are flushed before palisade waits for more input, so that a reader of a
    /// pipe or a terminal sees them at once; not for a file written at the end.
    flush: bool,
}

impl Judge<'_> {
    /// Concludes the judgement of one event (see [`Detector::conclude`]) and writes its alerts.
    fn judge(&mut self, item: Result<Verdict, InputError>, out: &mut dyn Write) -> io::Result<()> {
        let verdict = match item {
            Ok(verdict) => verdict,
            Err(error) => {
                self.error(error);
                return Ok(());
            }
        };
        self.summary.events += 1;
        self.alerts.clear();
        if let Err(error) = self.detector.conclude(verdict, &mut self.alerts) {
            self.error(error);
        }
        for alert in &self.alerts {
            self.summary.count(alert);
            self.writer.write(alert, out)?;
        }
        Ok(())
    }

    /// Flushes what was written, if alerts are to be seen at once: called before waiting for
    /// more input.
    fn waiting(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.flush {
            out.flush()?;
        }
        Ok(())
    }

    /// A line or input that could not be read: said at once on stderr, with its file and line,
    /// and reading goes on.
    fn error(&mut self, error: InputError) {
        eprintln!("palisade: {error}");
        self.summary.errors += 1;
        if self.keep_errors {
            self.errors.push(error);
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.writer.finish(&self.errors, &self.summary, out)
    }
}

fn detect(arguments: &AuditDetectArgs) -> u8 {
    let format: AuditFormat = arguments.output.into();
    if let Some(message) = follow_conflict(arguments, format) {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    let config = match audit_config(arguments) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("palisade: {message}");
            return EXIT_ERROR;
        }
    };
    let rules = rule_docs();
    let to_terminal = arguments.output_file.is_none() && io::stdout().is_terminal();
    let options = RenderOptions {
        color: use_color(arguments.color, to_terminal),
    };
    let mut judge = Judge {
        detector: Detector::new(config),
        writer: AlertWriter::new(format, &options, &rules, env!("CARGO_PKG_VERSION")),
        summary: AuditSummary::default(),
        errors: Vec::new(),
        keep_errors: format == AuditFormat::Json,
        alerts: Vec::new(),
        flush: arguments.output_file.is_none(),
    };

    let written = if arguments.follow {
        let path = Path::new(&arguments.files[0]);
        // Nothing sets the flag: a followed log is read until palisade is interrupted.
        let stop = Arc::new(AtomicBool::new(false));
        let follower = match Follower::new(path, FollowOptions::default(), stop) {
            Ok(follower) => follower,
            Err(error) => {
                eprintln!("palisade: {error}");
                return EXIT_ERROR;
            }
        };
        judge.summary.files = 1;
        let event_judge = judge.detector.event_judge();
        write_report(None, |out| {
            for item in follower {
                judge.judge(item.map(|record| event_judge.judge(record.into())), out)?;
                // Events of a followed log come as they are written: each one may be the last
                // for a while.
                judge.waiting(out)?;
            }
            judge.finish(out)
        })
    } else {
        write_report(arguments.output_file.as_deref(), |out| {
            for file in &arguments.files {
                judge.summary.files += 1;
                // Decoding, and the rules that judge an event on its own, run in threads of
                // their own while the rules that remember conclude in order.
                let mut reader = EventReader::open(Path::new(file), Limits::default())
                    .with_step(judge.detector.event_judge())
                    .spawn();
                while let Some(item) = reader.next() {
                    judge.judge(item, out)?;
                    if !reader.ready() {
                        judge.waiting(out)?;
                    }
                }
            }
            judge.finish(out)
        })
    };
    if let Err(message) = written {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    eprintln!("palisade: {}", judge.summary.line());
    // Never a clean exit after input that could not be read: alerts may be missing.
    if judge.summary.errors > 0 {
        return EXIT_ERROR;
    }
    let failing = arguments
        .fail_on
        .threshold()
        .is_some_and(|threshold| judge.summary.any_at_or_above(threshold));
    if failing { EXIT_FINDINGS } else { EXIT_CLEAN }
}

pub fn rbac(arguments: &AuditRbacArgs) -> u8 {
    let subject = match (&arguments.user, &arguments.serviceaccount) {
        (Some(user), None) => Subject::user(user),
        (None, Some(account)) => Subject::service_account(account),
        _ => {
            eprintln!("palisade: give exactly one of --user and --serviceaccount");
            return EXIT_ERROR;
        }
    };
    let subject = match subject {
        Ok(subject) => subject,
        Err(error) => {
            eprintln!("palisade: {error}");
            return EXIT_ERROR;
        }
    };
    let options = Options {
        namespace: arguments.namespace.clone(),
        ..Options::default()
    };
    let described = subject.to_string();
    let mut generator = RbacGenerator::new(subject, options);
    let mut errors = 0usize;
    for file in &arguments.files {
        let reader = if file == "-" {
            EventReader::new("-", io::stdin(), Limits::default())
        } else {
            EventReader::open(Path::new(file), Limits::default())
        };
        for item in reader {
            match item {
                Ok(record) => {
                    generator.observe(&record.event);
                }
                Err(error) => {
                    // A broken line is said and skipped; the rest of the log still counts.
                    eprintln!("palisade: {error}");
                    errors += 1;
                }
            }
        }
    }
    let policy = match generator.finish() {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("palisade: {error}");
            return EXIT_ERROR;
        }
    };
    if policy.is_empty() {
        eprintln!(
            "palisade: every request of {described} is one any authenticated user may make \
             (API discovery): there is no RBAC to write"
        );
    } else if let Err(message) = write_report(arguments.output_file.as_deref(), |out| {
        out.write_all(policy.to_yaml().as_bytes())
    }) {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    // Never a clean exit after input that could not be read: the RBAC may be incomplete.
    if errors > 0 { EXIT_ERROR } else { EXIT_CLEAN }
}
