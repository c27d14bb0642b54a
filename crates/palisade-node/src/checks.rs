//! The benchmark as data: one row per CIS check (sections 1 to 4 of the CIS Kubernetes
//! Benchmark v1.12, as kube-bench checks kubeadm-built nodes). The evaluator in
//! [`crate::evaluate`] interprets the rows; no check is a function of its own.

use crate::result::CheckType;

/// One CIS check.
#[derive(Debug)]
pub struct Check {
    /// The CIS number, `1.2.1`.
    pub id: &'static str,
    pub title: &'static str,
    pub check_type: CheckType,
    /// What the check looks at: a component name (`kube-apiserver`) or `files`.
    pub component: &'static str,
    pub test: Test,
    pub remediation: &'static str,
}

/// How a check decides.
#[derive(Debug)]
pub enum Test {
    /// Nothing on the node can show the answer.
    Manual { note: &'static str },
}

/// Every check, in CIS order.
pub static CHECKS: &[Check] = &[];
