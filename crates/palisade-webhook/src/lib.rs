//! `palisade serve`: the admission webhook. It judges the objects of AdmissionReviews with the
//! same rules, messages and configuration as `palisade scan`, over HTTPS only.

pub mod admission;
mod json;
pub mod metrics;
pub mod mutate;
pub mod policy;
pub mod review;
mod routes;
pub mod server;
pub mod shutdown;
mod tls;
pub mod validate;

pub use admission::{Admission, Reply};
pub use metrics::Metrics;
pub use policy::Policy;
pub use server::{ServeError, ServeOptions, Server, WorkerPool, serve};
pub use tls::TlsError;
