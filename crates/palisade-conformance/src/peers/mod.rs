//! Readers of each peer's `expected.json`: every labelled case becomes a [`Case`] (a peer
//! check that fires or stays quiet on a fixture, or on one object of it) or an [`Excluded`]
//! entry that says why it cannot be compared. Nothing is dropped silently.
//!
//! The formats differ (see each peer's `how_to_read` and `EXPECTED.md`); each module explains
//! how its labels become per-fixture or per-object verdicts.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod checkov;
pub mod kube_linter;
pub mod kube_score;
pub mod kubeaudit;
pub mod kubesec;
pub mod polaris;

/// Which object of a fixture a verdict is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Selector {
    pub kind: String,
    /// `None`: every object of the kind (the peer names none, or the object has no name).
    pub name: Option<String>,
    /// `None`: any namespace. `Some("default")` also matches an object without a namespace.
    pub namespace: Option<String>,
}

impl Selector {
    pub fn new(kind: &str, name: Option<&str>) -> Selector {
        Selector {
            kind: kind.to_string(),
            name: name.map(str::to_string),
            namespace: None,
        }
    }

    /// Whether an object (kind, namespace, name) is selected.
    pub fn matches(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        kind == self.kind
            && self.name.as_deref().is_none_or(|wanted| wanted == name)
            && match self.namespace.as_deref() {
                None => true,
                Some("default") => matches!(namespace, None | Some("default") | Some("")),
                Some(wanted) => namespace == Some(wanted),
            }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.kind)?;
        if let Some(namespace) = &self.namespace {
            write!(f, "{namespace}/")?;
        }
        f.write_str(self.name.as_deref().unwrap_or("*"))
    }
}

/// One labelled verdict of a peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The peer check, as the mapping table names it.
    pub check: String,
    /// The fixture file, relative to the peer's folder.
    pub fixture: String,
    /// The object the verdict is about; `None` for the whole fixture.
    pub object: Option<Selector>,
    /// What palisade loads for this case, relative to the peer's folder: the fixture itself, or
    /// its folder where the peer ran on the folder (Checkov).
    pub load: String,
    /// Whether the peer check fires (reports a problem, or for a check that awards points for a
    /// hardening, finds the hardening).
    pub fires: bool,
    /// Every other check the peer reported in the same run (kubeaudit): a broader result name
    /// can stand for a narrower one.
    pub also_reported: Vec<String>,
    /// Rules a peer test switched off by its configuration (an equivalent of its setting).
    pub disabled_rules: Vec<String>,
    /// Where the label comes from.
    pub basis: &'static str,
    /// The peer run the case belongs to: cases of one run on the same object whose checks map
    /// to the same rules are one verdict (kubeaudit reports several names for one finding).
    pub run: String,
}

/// A labelled case that is not compared, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub check: Option<String>,
    pub fixture: String,
    pub object: Option<String>,
    pub reason: String,
}

/// Everything read from one peer's `expected.json`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PeerData {
    /// Every check that appears in the file; the mapping must have a row for each.
    pub checks: BTreeSet<String>,
    pub cases: Vec<Case>,
    pub excluded: Vec<Excluded>,
}

impl PeerData {
    fn exclude(
        &mut self,
        check: Option<&str>,
        fixture: &str,
        object: Option<String>,
        reason: impl Into<String>,
    ) {
        self.excluded.push(Excluded {
            check: check.map(str::to_string),
            fixture: fixture.to_string(),
            object,
            reason: reason.into(),
        });
    }
}

/// Reads a peer's `expected.json` from its text. `peer` is the folder name.
pub fn read_peer(peer: &str, text: &str) -> Result<PeerData, String> {
    match peer {
        "kube-linter" => kube_linter::read(text),
        "polaris" => polaris::read(text),
        "kubeaudit" => kubeaudit::read(text),
        "kubesec" => kubesec::read(text),
        "checkov" => checkov::read(text),
        "kube-score" => kube_score::read(text),
        other => Err(format!("no reader for peer {other:?}")),
    }
}

/// Reads `<peer_dir>/expected.json`.
pub fn read_peer_dir(peer: &str, peer_dir: &Path) -> Result<PeerData, String> {
    let path = peer_dir.join("expected.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    read_peer(peer, &text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("unexpected format: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_matching() {
        let any = Selector::new("Deployment", None);
        assert!(any.matches("Deployment", Some("x"), "a"));
        assert!(!any.matches("Pod", None, "a"));
        let named = Selector::new("Deployment", Some("app"));
        assert!(named.matches("Deployment", None, "app"));
        assert!(!named.matches("Deployment", None, "app2"));
        let defaulted = Selector {
            namespace: Some("default".into()),
            ..named.clone()
        };
        assert!(defaulted.matches("Deployment", None, "app"));
        assert!(defaulted.matches("Deployment", Some("default"), "app"));
        assert!(!defaulted.matches("Deployment", Some("prod"), "app"));
        let prod = Selector {
            namespace: Some("prod".into()),
            ..named
        };
        assert!(prod.matches("Deployment", Some("prod"), "app"));
        assert!(!prod.matches("Deployment", None, "app"));
        assert_eq!(prod.to_string(), "Deployment/prod/app");
        assert_eq!(any.to_string(), "Deployment/*");
    }

    #[test]
    fn unknown_peer_and_bad_json_are_errors() {
        assert!(read_peer("trivy", "{}").is_err());
        for peer in crate::mapping::PEERS {
            let error = read_peer(peer, "[1, 2]").expect_err("not the expected shape");
            assert!(error.contains("unexpected format"), "{peer}: {error}");
            assert!(read_peer(peer, "").is_err());
        }
    }
}
