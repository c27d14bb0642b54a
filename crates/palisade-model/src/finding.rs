use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::object::ObjectRef;
use crate::severity::{Layer, Severity};

/// A position in an input file: 1-based line and column (Unicode scalar values).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

/// One problem found: the same type whatever found it and whatever renders it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
/// Text that is the same for many findings (the rule name, its fix, the object) is shared,
/// not copied: a scan can produce hundreds of thousands of findings.
pub struct Finding {
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub layer: Layer,
    pub object: Arc<ObjectRef>,
    /// JSON pointer of the offending field inside the object, or of the object that should
    /// hold a missing field.
    pub path: String,
    /// Where the path is in the input; `None` for objects read from a live cluster.
    pub location: Option<Location>,
    pub message: String,
    pub fix: Cow<'static, str>,
}

impl Finding {
    /// The order every renderer uses: by file position, then by object, rule and path, so that
    /// a parallel scan prints the same report every time.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location.as_ref().map(|l| (&l.file, l.line, l.column)),
            &self.object,
            &self.rule,
            &self.path,
            &self.message,
        )
    }
}

/// An input that could not be read or parsed. It never stops the scan of other inputs, and
/// it always makes the exit code 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{}:{}: {}", self.file, line, column, self.message)
            }
            (Some(line), None) => write!(f, "{}:{}: {}", self.file, line, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub files: usize,
    pub objects: usize,
    /// Documents without `apiVersion`/`kind` (comments only, values files, fragments).
    pub skipped_documents: usize,
    pub findings: usize,
    /// Findings per severity, every severity present (zero when none).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings silenced by an annotation or the configuration file.
    pub suppressed: usize,
    pub errors: usize,
}

impl ScanSummary {
    /// Fills the finding counts from `findings`.
    pub fn count_findings(&mut self, findings: &[Finding]) {
        self.findings = findings.len();
        self.by_severity = Severity::ALL.into_iter().map(|s| (s, 0)).collect();
        for finding in findings {
            *self.by_severity.entry(finding.severity).or_default() += 1;
        }
    }
}
