//! `palisade audit rbac`.

use std::io;
use std::path::Path;

use palisade_audit::rbac::{Options, RbacGenerator, Subject};
use palisade_audit::{EventReader, Limits};

use crate::cli::AuditRbacArgs;
use crate::output::{EXIT_CLEAN, EXIT_ERROR, write_report};

pub fn rbac(arguments: &AuditRbacArgs) -> u8 {
    let subject = match (&arguments.user, &arguments.serviceaccount) {
        (Some(user), None) => Subject::user(user),
        (None, Some(account)) => Subject::service_account(account),
        _ => {
            eprintln!("palisade: give exactly one of --user and --serviceaccount");
            return EXIT_ERROR;
        }
    };
    let subject = match subject {
        Ok(subject) => subject,
        Err(error) => {
            eprintln!("palisade: {error}");
            return EXIT_ERROR;
        }
    };
    let options = Options {
        namespace: arguments.namespace.clone(),
        ..Options::default()
    };
    let described = subject.to_string();
    let mut generator = RbacGenerator::new(subject, options);
    let mut errors = 0usize;
    for file in &arguments.files {
        let reader = if file == "-" {
            EventReader::new("-", io::stdin(), Limits::default())
        } else {
            EventReader::open(Path::new(file), Limits::default())
        };
        for item in reader {
            match item {
                Ok(record) => {
                    generator.observe(&record.event);
                }
                Err(error) => {
                    // A broken line is said and skipped; the rest of the log still counts.
                    eprintln!("palisade: {error}");
                    errors += 1;
                }
            }
        }
    }
    let policy = match generator.finish() {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("palisade: {error}");
            return EXIT_ERROR;
        }
    };
    if policy.is_empty() {
        eprintln!(
            "palisade: every request of {described} is one any authenticated user may make \
             (API discovery): there is no RBAC to write"
        );
    } else if let Err(message) = write_report(arguments.output_file.as_deref(), |out| {
        out.write_all(policy.to_yaml().as_bytes())
    }) {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    // Never a clean exit after input that could not be read: the RBAC may be incomplete.
    if errors > 0 { EXIT_ERROR } else { EXIT_CLEAN }
}
