//! palisade's data model.
//!
//! Every front end (file scan, live cluster, webhook, audit stream, node benchmark) produces the
//! same types: [`Node`] trees that remember where each value came from, [`Object`]s gathered in an
//! [`Inventory`], and [`Finding`]s that every renderer accepts.

pub mod alert;
pub mod benchmark;
mod finding;
mod inventory;
pub mod json;
pub mod keys;
mod node;
mod object;
mod pointer;
mod rule_meta;
mod severity;

pub use alert::{Alert, AlertRequest, AlertUser};
pub use finding::{Finding, InputError, Location, ScanSummary};
pub use inventory::Inventory;
pub use node::{Entry, Node, Pos, Value};
pub use object::{DOCKERFILE_KIND, Object, ObjectRef, PALISADE_API_VERSION, SourceRef};
pub use pointer::{Pointer, escape_pointer_token};
pub use rule_meta::{RuleDoc, RuleMeta, RuleScope, ThreatActor, reference_url};
pub use severity::{Layer, Severity};
