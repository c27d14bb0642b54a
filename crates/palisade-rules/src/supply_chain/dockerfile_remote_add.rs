//! ## What it does
//!
//! Finds `ADD` instructions (also as `ONBUILD` triggers) whose source is a remote URL:
//! `http://`, `https://`, or a Git repository (`git://`, `ssh://`, `git@host:repo`). An `ADD`
//! with `--checksum=sha256:...` is a verified download and passes. Local `ADD` (of a file or an
//! archive to unpack) is not reported.
//!
//! ## Why is this bad?
//!
//! `ADD https://...` puts whatever the server returns at build time into the image, unverified,
//! and the result changes whenever the remote content does. Whoever controls that server, its
//! DNS name, a proxy on the way or (for plain `http://`) the network, can hand the build a
//! backdoored binary, which then runs in production inside the cluster: a supply-chain foothold
//! for an attacker who never touched the cluster. The download also escapes review, caching and
//! the image's provenance. CIS Docker Benchmark 4.9 asks for `COPY` instead of `ADD` for this
//! reason.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM debian:12-slim
//! ADD https://example.com/tool-1.4.2-linux-amd64.tar.gz /opt/
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM debian:12-slim
//! # the published checksum of the release, checked by BuildKit
//! ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
//!     https://example.com/tool-1.4.2-linux-amd64.tar.gz /opt/
//! ```
//!
//! or fetch the file in the build context (where it is reviewed and versioned) and `COPY` it.
//!
//! ## References
//!
//! - CIS Docker Benchmark 4.9: Ensure that COPY is used instead of ADD in Dockerfiles
//! - Dockerfile reference: `ADD`, `--checksum` (docs.docker.com/reference/dockerfile/#add)
//! - MITRE ATT&CK T1195.002 Compromise Software Supply Chain

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::dockerfile::{Dockerfile, redacted_url};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dockerfile-remote-add",
        severity: Severity::Medium,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.9",
            "docker-docs:reference/dockerfile/#add",
            "mitre:T1195.002",
        ],
        summary: "Dockerfile ADDs a remote URL without verifying it",
        fix: "Download the file into the build context and COPY it, or pin its content with `ADD --checksum=sha256:<digest> <url> <dest>`.",
    },
    check: Check::Object(check),
};

fn is_remote(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    ["http://", "https://", "git://", "ssh://", "git@"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    for instruction in dockerfile.instructions() {
        for (node, pointer) in instruction.with_trigger() {
            if node.get("instruction").and_then(Node::as_str) != Some("ADD")
                || node.get_path(&["flags", "checksum"]).is_some()
            {
                continue;
            }
            let paths = node.get("paths").map(Node::items).unwrap_or(&[]);
            // The last path is the destination.
            let sources = &paths[..paths.len().saturating_sub(1)];
            for (index, source) in sources.iter().enumerate() {
                let Some(url) = source.as_str().filter(|url| is_remote(url)) else {
                    continue;
                };
                let via = if pointer.as_str().ends_with("/trigger") {
                    "ONBUILD ADD"
                } else {
                    "ADD"
                };
                out.report(
                    &pointer.key("paths").index(index),
                    format_args!(
                        "{via} downloads {} at build time without verifying its content: whoever controls that server or the network path decides what goes into the image",
                        redacted_url(url)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::dockerfile::testing::{findings, paths};

    #[test]
    fn remote_sources() {
        let rule = &RULE;
        assert_eq!(
            paths(
                rule,
                "FROM a\nADD https://e.com/x.tgz http://e.com/y /opt/\n"
            ),
            ["/instructions/1/paths/0", "/instructions/1/paths/1"]
        );
        assert_eq!(
            paths(
                rule,
                "FROM a\nADD [\"git@github.com:org/repo.git\", \"/src\"]\n"
            ),
            ["/instructions/1/paths/0"]
        );
        assert_eq!(
            paths(rule, "FROM a\nONBUILD ADD HTTPS://e.com/x /x\n"),
            ["/instructions/1/trigger/paths/0"]
        );
        assert!(
            paths(
                rule,
                "FROM a\nADD --checksum=sha256:abc https://e.com/x /x\n"
            )
            .is_empty()
        );
        assert!(
            paths(
                rule,
                "FROM a\nADD app.tar.gz /opt/\nCOPY https://e.com/x /x\n"
            )
            .is_empty()
        );
        // The destination is not a source, even when it looks like a URL.
        assert!(paths(rule, "FROM a\nADD https://e.com/x\n").is_empty());
    }

    #[test]
    fn credentials_in_urls_are_not_printed() {
        let found = findings(
            &RULE,
            "FROM a\nADD https://bot:ghp_s3cret@e.com/x.tgz?token=t0ken /x\n",
        );
        assert_eq!(found.len(), 1);
        assert!(!found[0].message.contains("s3cret"), "{}", found[0].message);
        assert!(!found[0].message.contains("t0ken"), "{}", found[0].message);
    }
}
