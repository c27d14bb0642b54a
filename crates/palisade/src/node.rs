//! `palisade node` and `palisade generate kubeadm`.

use std::io::{self, IsTerminal};
use std::path::Path;

use palisade_model::InputError;
use palisade_model::benchmark::{CheckResult, Status};
use palisade_node::{Component, NodeState};
use palisade_report::{BenchmarkReport, Format, RenderOptions, render_benchmark};

use crate::cli::{GenerateKubeadmArgs, NodeArgs, NodeFailOn};
use crate::output::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, use_color, write_atomically_with_mode, write_report,
};

pub fn run(arguments: &NodeArgs) -> u8 {
    let state: NodeState = match &arguments.kubeadm_config {
        Some(path) => {
            match palisade_node::kubeadm::read_kubeadm_config(path, palisade_load::parse_documents)
            {
                Ok(state) => state,
                Err(error) => {
                    eprintln!("palisade: {error}");
                    return EXIT_ERROR;
                }
            }
        }
        None => {
            let root = arguments.root.as_deref().unwrap_or(Path::new("/"));
            if !root.is_dir() {
                eprintln!("palisade: --root {}: not a directory", root.display());
                return EXIT_ERROR;
            }
            palisade_node::rootfs::read_node(root, palisade_load::parse_documents)
        }
    };

    let mut results = palisade_node::evaluate::evaluate(&state);
    let not_found: Vec<String> = Component::ALL
        .into_iter()
        .filter(|component| !palisade_node::evaluate::component_found(&state, *component))
        .map(|component| component.binary().to_string())
        .collect();
    if not_found.len() == Component::ALL.len() {
        eprintln!(
            "palisade: no Kubernetes component found in {} (no static pod manifest, process, \
             kubelet unit or configuration of {}); check a copy of a node with --root DIR or a \
             kubeadm configuration with --kubeadm-config PATH",
            state.origin,
            not_found.join(", ")
        );
        return EXIT_ERROR;
    }
    // A worker has no API server: its checks would only say so, once per check. They are left
    // out (and the report names the missing components) unless asked for by id.
    if arguments.checks.is_empty() {
        results.retain(|result| !not_found.contains(&result.component));
    }
    if !arguments.checks.is_empty() {
        let unknown: Vec<&String> = arguments
            .checks
            .iter()
            .filter(|wanted| !results.iter().any(|r| selected(&r.id, wanted)))
            .collect();
        if !unknown.is_empty() {
            eprintln!(
                "palisade: no check {} (`palisade node -o json` lists every id)",
                unknown
                    .iter()
                    .map(|id| format!("{id:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return EXIT_ERROR;
        }
        results.retain(|result| {
            arguments
                .checks
                .iter()
                .any(|wanted| selected(&result.id, wanted))
        });
    }
    let errors: Vec<InputError> = state
        .unreadable
        .iter()
        .map(|unreadable| InputError {
            file: unreadable.path.clone(),
            line: None,
            column: None,
            message: unreadable.reason.clone(),
        })
        .collect();

    let report = BenchmarkReport {
        target: &state.origin,
        results: &results,
        components_not_found: &not_found,
        errors: &errors,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let format: Format = arguments.output.into();
    let to_terminal = arguments.output_file.is_none() && io::stdout().is_terminal();
    let options = RenderOptions {
        color: format == Format::Table && use_color(arguments.color, to_terminal),
    };
    let written = write_report(arguments.output_file.as_deref(), |out| {
        render_benchmark(&report, format, &options, out)
    });
    if let Err(message) = written {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    if !errors.is_empty() {
        if format != Format::Table || arguments.output_file.is_some() {
            for error in &errors {
                eprintln!("palisade: could not read {error}");
            }
        }
        return EXIT_ERROR;
    }
    if failing(&results, arguments.fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `1.2.1` selects itself; `1.2` selects its section; `1` the whole part.
fn selected(id: &str, wanted: &str) -> bool {
    let wanted = wanted.trim();
    id == wanted
        || id
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn failing(results: &[CheckResult], fail_on: NodeFailOn) -> bool {
    results.iter().any(|result| match fail_on {
        NodeFailOn::Fail => result.status == Status::Fail,
        NodeFailOn::Warn => matches!(result.status, Status::Fail | Status::Warn),
        NodeFailOn::Never => false,
    })
}

pub fn generate_kubeadm(arguments: &GenerateKubeadmArgs) -> u8 {
    let directory = &arguments.output_dir;
    if let Err(error) = std::fs::create_dir_all(directory) {
        eprintln!("palisade: cannot create {}: {error}", directory.display());
        return EXIT_ERROR;
    }
    let bundle = match palisade_node::generate::kubeadm_bundle_with_random_key() {
        Ok(bundle) => bundle,
        Err(error) => {
            eprintln!("palisade: cannot make an encryption key from /dev/urandom: {error}");
            return EXIT_ERROR;
        }
    };
    if !arguments.force {
        let existing: Vec<String> = bundle
            .iter()
            .map(|(name, _)| directory.join(name))
            .filter(|path| path.exists())
            .map(|path| path.display().to_string())
            .collect();
        if !existing.is_empty() {
            eprintln!(
                "palisade: {} already exist; nothing was written (--force replaces them)",
                existing.join(", ")
            );
            return EXIT_ERROR;
        }
    }
    for (name, content) in &bundle {
        let path = directory.join(name);
        // The encryption key must not be readable by other users, even for a moment.
        let mode = if palisade_node::generate::is_secret(name) {
            0o600
        } else if name.ends_with(".sh") {
            0o755
        } else {
            0o644
        };
        if let Err(error) =
            write_atomically_with_mode(&path, mode, |out| out.write_all(content.as_bytes()))
        {
            eprintln!("palisade: cannot write {}: {error}", path.display());
            return EXIT_ERROR;
        }
    }
    println!(
        "Wrote the hardened kubeadm bundle to {} ({} files; see its README.md).",
        directory.display(),
        bundle.len()
    );
    println!(
        "Check it: palisade node --kubeadm-config {}",
        directory.display()
    );
    EXIT_CLEAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_select_checks_and_sections() {
        assert!(selected("1.2.1", "1.2.1"));
        assert!(selected("1.2.1", "1.2"));
        assert!(selected("1.2.1", "1"));
        assert!(!selected("1.2.10", "1.2.1"));
        assert!(!selected("1.2.1", "1.2.10"));
        assert!(!selected("4.1.1", "1"));
    }
}
