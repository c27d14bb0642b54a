//! palisade's audit-log reader.
//!
//! [`EventReader`] streams Kubernetes audit events out of one source (a file, a gzip file,
//! stdin), each with the position where its JSON starts; [`EventReader::spawn`] does the
//! reading in a thread of its own; [`Follower`] follows a log that is still being written and
//! rotated. A malformed event is an [`InputError`] with its file and line, and reading goes on
//! after it. Detections and RBAC generation build on the typed [`Event`]: its strings are
//! [`Text`] (a `str` borrowed from the decoded text until the event is kept), its request and
//! response bodies are [`Body`] (JSON parsed on first use, never printed).
//!
//! [`InputError`]: palisade_model::InputError

pub mod config;
pub mod detect;
pub mod event;
pub mod follow;
pub mod rbac;
pub mod reader;
pub mod registry;
pub mod rules;

pub use config::{AuditConfig, Principals};
pub use detect::{
    AlertEmitter, AuditCheck, AuditRule, Detector, EventContext, EventJudge, StatefulCheck, Verdict,
};
pub use event::{
    Annotations, AuditVersion, Body, DecodeError, Event, Level, ObjectReference, ResponseStatus,
    Stage, Text, UserInfo, decode_event, parse_timestamp,
};
pub use follow::{FollowOptions, Follower};
pub use reader::{Background, Decoded, EventReader, Limits, Record, SharedRecord, Step};
pub use registry::{RegisteredAuditRule, all_rules, find_rule, rule_docs};
