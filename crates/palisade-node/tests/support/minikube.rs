//! minikube's rendered kubeadm configurations (`node-configs/minikube-kubeadm-golden`): every
//! file is read as the node kubeadm would build from it and judged. The files carry no verdicts,
//! so there is nothing to agree with: the source shows that every kubeadm API version and both
//! `extraArgs` shapes read, and the per-version counts show what minikube's defaults give.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use palisade_node::Status;
use palisade_node::kubeadm::read_kubeadm_config;

use super::{evaluate_caught, parse, status_name};

pub const SOURCE: &str = "minikube-kubeadm-golden";

/// One Kubernetes version's folder.
#[derive(Default)]
pub struct Version {
    pub files: usize,
    pub read: usize,
    pub statuses: BTreeMap<Status, usize>,
    /// `file: error` for every file that did not read.
    pub errors: Vec<String>,
}

#[derive(Default)]
pub struct Report {
    pub versions: BTreeMap<String, Version>,
    /// Nodes on which the benchmark panicked, and folders that could not be listed.
    pub failures: Vec<String>,
}

impl Report {
    pub fn files(&self) -> usize {
        self.versions.values().map(|version| version.files).sum()
    }

    pub fn read(&self) -> usize {
        self.versions.values().map(|version| version.read).sum()
    }

    pub fn render(&self) -> String {
        let mut text = format!(
            "node-agreement {SOURCE}: no labels to agree with; {}/{} configurations read and judged\n",
            self.read(),
            self.files()
        );
        for (name, version) in &self.versions {
            let statuses = [Status::Pass, Status::Fail, Status::Warn, Status::Manual]
                .into_iter()
                .map(|status| {
                    format!(
                        "{} {}",
                        version.statuses.get(&status).copied().unwrap_or(0),
                        status_name(status)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                text,
                "  {name}: {}/{} read; results over the files read: {statuses}",
                version.read, version.files
            );
            for error in &version.errors {
                let _ = writeln!(text, "    - not read: {error}");
            }
        }
        for failure in &self.failures {
            let _ = writeln!(text, "  error: {failure}");
        }
        text
    }
}

pub fn judge(corpus: &Path) -> Report {
    let folder = corpus.join("node-configs/minikube-kubeadm-golden");
    let mut report = Report::default();
    let versions = match sorted_entries(&folder) {
        Ok(entries) => entries,
        Err(error) => {
            report.failures.push(error);
            return report;
        }
    };
    for dir in versions.into_iter().filter(|path| path.is_dir()) {
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut version = Version::default();
        let files = match sorted_entries(&dir) {
            Ok(files) => files,
            Err(error) => {
                report.failures.push(error);
                continue;
            }
        };
        for file in files.into_iter().filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        }) {
            version.files += 1;
            let shown = format!(
                "{name}/{}",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            match read_kubeadm_config(&file, parse) {
                Ok(state) => match evaluate_caught(&state) {
                    Ok(results) => {
                        version.read += 1;
                        for result in results {
                            *version.statuses.entry(result.status).or_default() += 1;
                        }
                    }
                    Err(panic) => report
                        .failures
                        .push(format!("{shown}: the benchmark panicked: {panic}")),
                },
                Err(error) => version.errors.push(format!("{shown}: {error}")),
            }
        }
        report.versions.insert(name, version);
    }
    report
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();
    Ok(paths)
}
