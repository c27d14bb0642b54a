//! STAND-IN for helper W1's `webhook:` policy (issue 6). Only the API the server and the CLI
//! call is here; W1's policy.rs replaces this file at merge.

use palisade_rules::{Config, ConfigError};

/// Stand-in: remembers only the dry-run switch.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub dry_run: bool,
}

impl Policy {
    /// Stand-in: the `webhook:` section is not read.
    pub fn from_config(_config: &Config, _file: &str) -> Result<Policy, ConfigError> {
        Ok(Policy::default())
    }

    pub fn dry_run(&mut self, on: bool) {
        self.dry_run = on;
    }
}
