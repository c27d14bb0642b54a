//! The outcome of one benchmark check.

use serde::Serialize;

use crate::state::Source;

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
