//! The results of a benchmark (`palisade node`: the CIS Kubernetes Benchmark): one result per
//! check, with its status, the evidence and where it was found. Renderers print them beside
//! findings; a failed check also becomes a [`crate::Finding`].

use std::fmt;

use serde::Serialize;

/// Where a value was read: the evidence a result shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// How it was found: `static pod manifest`, `process 1234`, `kubelet config file`,
    /// `systemd drop-in`, `kubeadm-flags.env`, `kubeadm configuration`, `default`, ...
    pub kind: String,
    /// The file (as the user named it: under `--root`, the path inside the node), if any.
    pub file: Option<String>,
    /// 1-based line and column in `file`, when known.
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Source {
    pub fn new(kind: impl Into<String>) -> Source {
        Source {
            kind: kind.into(),
            file: None,
            line: None,
            column: None,
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Source {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, line: u32, column: u32) -> Source {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if let Some(file) = &self.file {
            write!(f, " {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be decided: the component or file was not found or could not be read, or a
    /// manual check whose evidence needs a person's judgement.
    Warn,
    /// A manual check that nothing on the node can show.
    Manual,
}

/// Whether the CIS Benchmark marks the check Automated or Manual.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckType {
    Automated,
    Manual,
}

/// One value the check looked at, and where it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// `--anonymous-auth=false`, `mode 0644 of /etc/kubernetes/admin.conf`, `flag not set
    /// (default: true)`.
    pub found: String,
    pub source: Option<Source>,
}

/// The result of one check, as `palisade node -o json` prints it in `results[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The CIS number, `1.2.1`.
    pub id: String,
    pub title: String,
    pub status: Status,
    #[serde(rename = "type")]
    pub check_type: CheckType,
    /// The component (or `files`) the check is about.
    pub component: String,
    /// Why the status is what it is, in one sentence.
    pub reason: String,
    pub evidence: Vec<Evidence>,
    pub remediation: String,
}
