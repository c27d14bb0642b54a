//! palisade's audit-log reader.
//!
//! [`EventReader`] streams Kubernetes audit events out of one source (a file, a gzip file,
//! stdin), each with the position where its JSON starts; [`Follower`] does the same on a log
//! that is still being written and rotated. A malformed event is an [`InputError`] with its
//! file and line, and reading goes on after it. Detections and RBAC generation build on the
//! typed [`Event`].
//!
//! [`InputError`]: palisade_model::InputError

pub mod event;
pub mod follow;
pub mod reader;

pub use event::{
    AuditVersion, DecodeError, Event, Level, ObjectReference, ResponseStatus, Stage, UserInfo,
    decode_event, parse_timestamp,
};
pub use follow::{FollowOptions, Follower};
pub use reader::{Background, EventReader, Limits, Record};
