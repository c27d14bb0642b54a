//! Access: service accounts, their tokens, and (later) RBAC.
