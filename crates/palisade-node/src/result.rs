//! The outcome of one benchmark check: the model's benchmark types, which every renderer knows.

pub use palisade_model::benchmark::{CheckResult, CheckType, Evidence, Status};
