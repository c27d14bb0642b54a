//! The audit rules, one file each (see `crate::registry`).

pub mod common;

pub mod exec_into_pod;
pub mod unexpected_namespace_created;
pub mod untrusted_image_deployed;
