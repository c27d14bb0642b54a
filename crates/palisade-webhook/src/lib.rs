//! `palisade serve`: the admission webhook. It judges the objects of AdmissionReviews with the
//! same rules, messages and configuration as `palisade scan`, over HTTPS only.

pub mod admission;
pub mod metrics;
pub mod policy;

mod routes;
pub mod server;
pub mod shutdown;
mod tls;

pub use server::{ServeError, ServeOptions, Server, WorkerPool, serve};
pub use tls::TlsError;
