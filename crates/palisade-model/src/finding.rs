use std::borrow::Cow;
use std::cmp::Ordering;
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
    pub path: Arc<str>,
    /// Where the path is in the input; `None` for objects read from a live cluster.
    pub location: Option<Location>,
    pub message: Arc<str>,
    pub fix: Cow<'static, str>,
}

impl Finding {
    /// The order every renderer uses: by file position, then by object, rule and path, so that
    /// a parallel scan prints the same report every time.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location
                .as_ref()
                .map(|l| (Shared(&l.file), l.line, l.column)),
            Shared(&self.object),
            &self.rule,
            &self.path,
            &self.message,
        )
    }
}

/// Orders what an `Arc` points to, asking first whether both are the same `Arc`: the findings
/// of one object share their file name and identity, and sorting compares them often.
struct Shared<'a, T: ?Sized>(&'a Arc<T>);

impl<T: ?Sized + Ord> Ord for Shared<'_, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(self.0, other.0) {
            Ordering::Equal
        } else {
            (**self.0).cmp(&**other.0)
        }
    }
}

impl<T: ?Sized + Ord> PartialOrd for Shared<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: ?Sized + Ord> PartialEq for Shared<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: ?Sized + Ord> Eq for Shared<'_, T> {}

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
        // Counted in an array: a map lookup per finding was a visible part of a large scan.
        let mut counts = [0; Severity::ALL.len()];
        for finding in findings {
            counts[finding.severity as usize] += 1;
        }
        self.by_severity = Severity::ALL.into_iter().zip(counts).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(file: Arc<str>, object: Arc<ObjectRef>, line: u32) -> Finding {
        Finding {
            rule: "r".into(),
            severity: Severity::Low,
            layer: Layer::Workload,
            object,
            path: "".into(),
            location: Some(Location {
                file,
                line,
                column: 1,
            }),
            message: "".into(),
            fix: "".into(),
        }
    }

    #[test]
    fn sort_key_compares_contents_whether_or_not_they_are_shared() {
        let object = |name: &str| {
            Arc::new(ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: None,
                name: name.into(),
            })
        };
        let shared_file: Arc<str> = "a.yaml".into();
        let shared_object = object("p");
        let one = finding(shared_file.clone(), shared_object.clone(), 1);
        let same = finding(shared_file.clone(), shared_object.clone(), 1);
        let copy = finding("a.yaml".into(), object("p"), 1);
        assert!(one.sort_key() == same.sort_key());
        assert!(one.sort_key() == copy.sort_key());
        let later_file = finding("b.yaml".into(), shared_object.clone(), 1);
        assert!(one.sort_key() < later_file.sort_key());
        let later_object = finding(shared_file.clone(), object("q"), 1);
        assert!(one.sort_key() < later_object.sort_key());
        let later_line = finding(shared_file, shared_object, 2);
        assert!(copy.sort_key() < later_line.sort_key());
    }
}
