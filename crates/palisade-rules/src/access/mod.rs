//! Access: service accounts, their tokens, and (later) RBAC.

mod service_accounts;

// Service accounts.
pub mod automounted_service_account_token;
pub mod default_service_account;
pub mod long_lived_service_account_token;
