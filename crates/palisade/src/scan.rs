//! `palisade scan`: load, check, render, exit.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use palisade_load::{Input, Limits, load_inputs, parse_documents};
use palisade_model::{InputError, Inventory, ScanSummary};
use palisade_report::{Format, RenderOptions, Report, render};
use palisade_rules::{Config, check, rule_docs};

use crate::cli::{ScanArgs, program_name};
use crate::cluster;
use crate::output::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, use_color, write_report};

const CONFIG_NAMES: [&str; 2] = [".palisade.yaml", ".palisade.yml"];

/// The configuration file: the one named (`--config`), or `.palisade.yaml` here or in a parent
/// directory; none with `--no-config`.
pub fn find_config(named: Option<&Path>, no_config: bool) -> Option<PathBuf> {
    if no_config {
        return None;
    }
    if let Some(path) = named {
        return Some(path.to_path_buf());
    }
    let mut directory = std::env::current_dir().ok()?;
    loop {
        for name in CONFIG_NAMES {
            let candidate = directory.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if !directory.pop() {
            return None;
        }
    }
}

pub fn load_config(path: &Path) -> Result<Config, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let documents = parse_documents(&shown, &text).map_err(|e| e.to_string())?;
    // Every mistake in the file is an error: a second document would otherwise be ignored.
    let mut documents = documents.iter().filter(|document| !document.is_null());
    let first = documents.next();
    if let Some(extra) = documents.next() {
        return Err(format!(
            "{shown}:{}:{}: a second YAML document; the configuration must be a single document",
            extra.pos.line, extra.pos.column
        ));
    }
    match first {
        Some(root) => Config::from_node(root, &shown).map_err(|e| e.to_string()),
        None => Ok(Config {
            source: Some(shown),
            ..Config::default()
        }),
    }
}

pub fn run(arguments: &ScanArgs) -> u8 {
    let config = match find_config(arguments.config.as_deref(), arguments.no_config) {
        Some(path) => match load_config(&path) {
            Ok(config) => config,
            Err(message) => {
                eprintln!("palisade: invalid configuration: {message}");
                return EXIT_ERROR;
            }
        },
        None => Config::default(),
    };

    let timings = Timings::from_env();
    let inputs: Vec<Input> = arguments.paths.iter().map(|p| Input::parse(p)).collect();
    let mut loaded = load_inputs(&inputs, &mut io::stdin(), &Limits::default());
    let mut errors: Vec<InputError> = loaded.errors;
    // What could not be read from the cluster: reported on stderr as it is known, and in the
    // report; like an unreadable file, it makes the exit code 2 (an incomplete scan is never
    // clean), while every finding on what was read is still reported.
    let mut cluster_errors: Vec<InputError> = Vec::new();
    let mut withheld_rules = BTreeSet::new();
    if arguments.cluster {
        match cluster::read(arguments) {
            Ok(read) => {
                cluster_errors = read.errors;
                withheld_rules = read.withheld_rules;
                loaded.objects.extend(read.objects);
            }
            Err(message) => {
                eprintln!("{}: cannot scan the cluster: {message}", program_name());
                return EXIT_ERROR;
            }
        }
    }
    let inventory = Inventory::from_objects(loaded.objects);
    timings.mark("load");
    let mut outcome = check(&inventory, &config);
    if arguments.cluster {
        cluster::drop_repeats_of_owners(&mut outcome.findings, &inventory);
        cluster::withhold(&mut outcome.findings, &withheld_rules);
    }
    timings.mark("check");
    errors.extend(outcome.errors);
    let printed_already = cluster_errors.len();
    errors.splice(0..0, cluster_errors);

    let mut summary = ScanSummary {
        files: loaded.files,
        objects: inventory.len(),
        skipped_documents: loaded.skipped_documents,
        suppressed: outcome.suppressed,
        errors: errors.len(),
        ..ScanSummary::default()
    };
    summary.count_findings(&outcome.findings);

    let format: Format = arguments.output.into();
    // The catalogue comes from parsing every rule's documentation: only for the formats that
    // list it.
    let rules = if format.lists_rules() {
        rule_docs()
    } else {
        Vec::new()
    };
    let report = Report {
        findings: &outcome.findings,
        errors: &errors,
        summary: &summary,
        rules: &rules,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let to_terminal = arguments.output_file.is_none() && io::stdout().is_terminal();
    let options = RenderOptions {
        color: format == Format::Table && use_color(arguments.color, to_terminal),
    };
    let written = write_report(arguments.output_file.as_deref(), |out| {
        render(&report, format, &options, out)
    });
    timings.mark("render");
    if let Err(message) = written {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }

    // The process is about to exit: freeing millions of nodes one by one would only cost time.
    std::mem::forget(inventory);

    if !errors.is_empty() {
        if format != Format::Table || arguments.output_file.is_some() {
            for error in &errors[printed_already..] {
                eprintln!("palisade: {error}");
            }
        }
        return EXIT_ERROR;
    }
    let failing = arguments.fail_on.threshold().is_some_and(|threshold| {
        outcome
            .findings
            .iter()
            .any(|finding| finding.severity >= threshold)
    });
    std::mem::forget(outcome.findings);
    if failing { EXIT_FINDINGS } else { EXIT_CLEAN }
}

/// `PALISADE_TIMINGS=1` prints the time of each phase to stderr, for benchmarks.
struct Timings(Option<std::time::Instant>);

impl Timings {
    fn from_env() -> Self {
        Timings(std::env::var_os("PALISADE_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn mark(&self, phase: &str) {
        if let Some(start) = self.0 {
            // Resident memory too, where the system tells it: memory is much of a scan's cost.
            let resident = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map(|pages| format!(", resident {} MB", pages * 4096 / 1_000_000))
                .unwrap_or_default();
            // And the CPU time of every thread so far (in the kernel's ticks of 10 ms), to
            // tell a phase that waits from one that keeps both cores busy.
            let cpu = std::fs::read_to_string("/proc/self/stat")
                .ok()
                .and_then(|stat| {
                    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
                    let user = fields.next()?.parse::<u64>().ok()?;
                    let system = fields.next()?.parse::<u64>().ok()?;
                    Some(format!(
                        ", cpu {} ms user + {} ms system",
                        user * 10,
                        system * 10
                    ))
                })
                .unwrap_or_default();
            eprintln!(
                "palisade timings: {phase} done at {:.1} ms{resident}{cpu}",
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
