//! `palisade scan --cluster`: the flags to palisade-cluster's options, and its outcome to
//! objects and report errors.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal};

use palisade_cluster::{ClusterRead, Options, read_cluster};
use palisade_model::{Finding, InputError, Inventory, Object};
use palisade_rules::absence::rules_resting_on_absence_of;

use crate::cli::{ScanArgs, program_name};

/// What the cluster gave the scan.
pub struct Read {
    pub objects: Vec<Object>,
    /// Kinds that could not be read, already printed on stderr.
    pub errors: Vec<InputError>,
    /// Rules whose findings would rest on there being none of a kind that could not be read.
    pub withheld_rules: BTreeSet<&'static str>,
}

/// Reads the cluster; `Err` when nothing could be read at all.
pub fn read(arguments: &ScanArgs) -> Result<Read, String> {
    let options = Options {
        kubeconfig: arguments.kubeconfig.clone(),
        context: arguments.context.clone(),
        namespace: arguments.namespace.clone(),
        progress: io::stderr().is_terminal(),
        ..Options::default()
    };
    let read = read_cluster(&options).map_err(|error| error.to_string())?;
    Ok(report(read, arguments.namespace.as_deref()))
}

fn report(read: ClusterRead, namespace: Option<&str>) -> Read {
    let name = program_name();
    let ClusterRead {
        server,
        context,
        objects,
        problems,
        notes,
        lists,
        ..
    } = read;
    let scope = match namespace {
        Some(namespace) => format!("namespace {namespace}"),
        None => "all namespaces".to_string(),
    };
    let context = context
        .map(|context| format!("context {context}, "))
        .unwrap_or_default();
    eprintln!(
        "{name}: read {} objects from {server} ({context}{scope}) in {lists} lists",
        objects.len()
    );
    for note in &notes {
        eprintln!("{name}: note: {note}");
    }
    let mut withheld_rules = BTreeSet::new();
    let errors: Vec<InputError> = problems
        .iter()
        .map(|problem| {
            let withheld = rules_resting_on_absence_of(&problem.kind);
            let mut message = problem.to_string();
            if !withheld.is_empty() {
                message.push_str(&format!(
                    "; the findings of {} are withheld, since they would rest on there being none",
                    withheld.join(", ")
                ));
            }
            withheld_rules.extend(withheld);
            InputError {
                file: server.clone(),
                line: None,
                column: None,
                message,
            }
        })
        .collect();
    for error in &errors {
        eprintln!("{name}: {error}");
    }
    Read {
        objects,
        errors,
        withheld_rules,
    }
}

/// Drops the findings of rules that rest on the absence of a kind that could not be read.
pub fn withhold(findings: &mut Vec<Finding>, rules: &BTreeSet<&'static str>) {
    if !rules.is_empty() {
        findings.retain(|finding| !rules.contains(finding.rule.as_ref()));
    }
}

/// Drops the findings on Pods, ReplicaSets and Jobs that repeat their controller's (the same
/// rule at the same place of the template), and says how many on stderr.
pub fn drop_repeats_of_owners(findings: &mut Vec<Finding>, inventory: &Inventory) {
    let repeated = palisade_cluster::drop_repeats_of_owners(findings, inventory);
    if repeated > 0 {
        eprintln!(
            "{}: note: {repeated} findings on Pods, ReplicaSets and Jobs only repeat their controller's and are not shown",
            program_name()
        );
    }
}
