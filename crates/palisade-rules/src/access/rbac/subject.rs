//! Binding subjects, and the principals (a user name with its groups) they apply to, matched
//! as the RBAC authorizer's `appliesTo` matches them.

use std::fmt;

use palisade_model::{Node, Object};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKind {
    User,
    Group,
    ServiceAccount,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::User => "User",
            SubjectKind::Group => "Group",
            SubjectKind::ServiceAccount => "ServiceAccount",
        }
    }
}

/// One entry of a binding's `subjects`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject<'a> {
    /// Its index in `subjects`, for the finding's path.
    pub index: usize,
    pub kind: SubjectKind,
    pub name: &'a str,
    /// For a ServiceAccount: its namespace, else the RoleBinding's (`None` when neither says).
    pub namespace: Option<&'a str>,
}

pub const ANONYMOUS_USER: &str = "system:anonymous";
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
pub const AUTHENTICATED: &str = "system:authenticated";
pub const ALL_SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
pub const MASTERS: &str = "system:masters";
const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

impl Subject<'_> {
    /// The user name a ServiceAccount authenticates as (`system:serviceaccount:NS:NAME`).
    pub fn username(&self) -> Option<String> {
        match self.kind {
            SubjectKind::User => Some(self.name.to_string()),
            SubjectKind::ServiceAccount => self
                .namespace
                .map(|namespace| format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{}", self.name)),
            SubjectKind::Group => None,
        }
    }

    /// The ServiceAccount this subject is, also when written as its user name.
    pub fn service_account(&self) -> Option<(Option<&str>, &str)> {
        match self.kind {
            SubjectKind::ServiceAccount => Some((self.namespace, self.name)),
            SubjectKind::User => {
                let (namespace, name) = self
                    .name
                    .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?
                    .split_once(':')?;
                Some((Some(namespace), name))
            }
            SubjectKind::Group => None,
        }
    }

    /// Whether the subject stands for one identity (a user or a ServiceAccount), not a group.
    pub fn is_individual(&self) -> bool {
        self.kind != SubjectKind::Group
    }

    /// Whether the subject is a group of "everyone" (or the anonymous user): who it covers.
    pub fn everyone(&self) -> Option<Everyone> {
        match (self.kind, self.name) {
            (SubjectKind::User, ANONYMOUS_USER) => Some(Everyone::Anonymous),
            (SubjectKind::Group, UNAUTHENTICATED) => Some(Everyone::Unauthenticated),
            (SubjectKind::Group, AUTHENTICATED) => Some(Everyone::Authenticated),
            (SubjectKind::Group, ALL_SERVICE_ACCOUNTS) => Some(Everyone::AllServiceAccounts),
            (SubjectKind::Group, name) => name
                .strip_prefix("system:serviceaccounts:")
                .filter(|namespace| !namespace.is_empty())
                .map(|_| Everyone::NamespaceServiceAccounts),
            _ => None,
        }
    }
}

/// The groups that stand for (nearly) everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Everyone {
    Anonymous,
    Unauthenticated,
    Authenticated,
    AllServiceAccounts,
    NamespaceServiceAccounts,
}

impl fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.namespace) {
            (SubjectKind::ServiceAccount, Some(namespace)) => {
                write!(f, "ServiceAccount {namespace}/{}", self.name)
            }
            (kind, _) => write!(f, "{} {}", kind.as_str(), self.name),
        }
    }
}

/// The subjects of a binding, as the authorizer reads them: entries without a known kind or a
/// name are skipped (the API server rejects them). `namespace` is a RoleBinding's, which a
/// ServiceAccount subject without one takes.
pub(crate) fn read_subjects<'a>(
    binding: &'a Object,
    namespace: Option<&'a str>,
) -> Vec<Subject<'a>> {
    binding
        .root
        .get("subjects")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(index, subject)| {
            let kind = match subject.get("kind").and_then(Node::as_str)? {
                "User" => SubjectKind::User,
                "Group" => SubjectKind::Group,
                "ServiceAccount" => SubjectKind::ServiceAccount,
                _ => return None,
            };
            let name = subject
                .get("name")
                .and_then(Node::as_str)
                .filter(|name| !name.is_empty())?;
            let namespace = match kind {
                SubjectKind::ServiceAccount => subject
                    .get("namespace")
                    .and_then(Node::as_str)
                    .filter(|namespace| !namespace.is_empty())
                    .or(namespace),
                _ => None,
            };
            Some(Subject {
                index,
                kind,
                name,
                namespace,
            })
        })
        .collect()
}

/// Who asks: a user name (absent for a bare group question) and the groups it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub username: Option<String>,
    pub groups: Vec<String>,
    /// How the question was written, for the output.
    pub display: String,
}

impl Principal {
    /// Parses `user:alice`, `group:devs`, `serviceaccount:NS:NAME` (or `sa:NS:NAME`) and
    /// `system:serviceaccount:NS:NAME`. A user is given the groups every authenticated user
    /// has (`system:authenticated`; `system:unauthenticated` for `system:anonymous`), a
    /// ServiceAccount also `system:serviceaccounts` and `system:serviceaccounts:NS`; other
    /// groups a user may hold come from the authenticator and are not in the input.
    pub fn parse(text: &str) -> Result<Principal, String> {
        let service_account = |namespace: &str, name: &str| {
            if namespace.is_empty() || name.is_empty() || name.contains(':') {
                return Err(format!(
                    "{text:?}: a service account is serviceaccount:NAMESPACE:NAME"
                ));
            }
            Ok(Principal {
                username: Some(format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}")),
                groups: vec![
                    ALL_SERVICE_ACCOUNTS.to_string(),
                    format!("{ALL_SERVICE_ACCOUNTS}:{namespace}"),
                    AUTHENTICATED.to_string(),
                ],
                display: format!("ServiceAccount {namespace}/{name}"),
            })
        };
        if let Some(rest) = text.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX) {
            let (namespace, name) = rest.split_once(':').unwrap_or((rest, ""));
            return service_account(namespace, name);
        }
        let (kind, rest) = text.split_once(':').ok_or_else(|| {
            format!(
                "{text:?}: write the subject as user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME"
            )
        })?;
        match kind.to_ascii_lowercase().as_str() {
            "user" if !rest.is_empty() => {
                let everyone = if rest == ANONYMOUS_USER {
                    UNAUTHENTICATED
                } else {
                    AUTHENTICATED
                };
                Ok(Principal {
                    username: Some(rest.to_string()),
                    groups: vec![everyone.to_string()],
                    display: format!("User {rest}"),
                })
            }
            "group" if !rest.is_empty() => Ok(Principal {
                username: None,
                groups: vec![rest.to_string()],
                display: format!("Group {rest}"),
            }),
            "serviceaccount" | "sa" => {
                let (namespace, name) = rest.split_once(':').unwrap_or((rest, ""));
                service_account(namespace, name)
            }
            _ => Err(format!(
                "{text:?}: write the subject as user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME"
            )),
        }
    }

    /// Whether a binding subject applies to this principal, and through which of its names.
    pub fn matched_by(&self, subject: &Subject) -> bool {
        match subject.kind {
            SubjectKind::Group => self.groups.iter().any(|group| group == subject.name),
            _ => subject
                .username()
                .is_some_and(|username| self.username.as_deref() == Some(username.as_str())),
        }
    }

    /// Members of `system:masters` pass every authorization check, whatever the bindings say.
    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|group| group == MASTERS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_parse_as_kubectl_writes_them() {
        let alice = Principal::parse("user:alice").unwrap();
        assert_eq!(alice.username.as_deref(), Some("alice"));
        assert_eq!(alice.groups, vec![AUTHENTICATED]);
        let sa = Principal::parse("serviceaccount:shop:web").unwrap();
        assert_eq!(
            sa.username.as_deref(),
            Some("system:serviceaccount:shop:web")
        );
        assert!(
            sa.groups
                .contains(&"system:serviceaccounts:shop".to_string())
        );
        assert_eq!(
            Principal::parse("system:serviceaccount:shop:web").unwrap(),
            sa
        );
        assert_eq!(Principal::parse("sa:shop:web").unwrap(), sa);
        assert_eq!(
            Principal::parse("group:system:masters").unwrap().groups,
            vec!["system:masters"]
        );
        assert_eq!(
            Principal::parse("user:system:anonymous").unwrap().groups,
            vec![UNAUTHENTICATED]
        );
        for bad in [
            "alice",
            "user:",
            "serviceaccount:shop",
            "robot:x",
            "sa::x",
            "",
        ] {
            assert!(Principal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_accounts_match_by_user_name_too() {
        let sa = Principal::parse("serviceaccount:shop:web").unwrap();
        let subject = |kind, name, namespace| Subject {
            index: 0,
            kind,
            name,
            namespace,
        };
        assert!(sa.matched_by(&subject(SubjectKind::ServiceAccount, "web", Some("shop"))));
        assert!(!sa.matched_by(&subject(SubjectKind::ServiceAccount, "web", Some("other"))));
        assert!(!sa.matched_by(&subject(SubjectKind::ServiceAccount, "web", None)));
        assert!(sa.matched_by(&subject(
            SubjectKind::User,
            "system:serviceaccount:shop:web",
            None
        )));
        assert!(sa.matched_by(&subject(SubjectKind::Group, "system:serviceaccounts", None)));
        assert!(!sa.matched_by(&subject(SubjectKind::User, "web", None)));
        assert_eq!(
            subject(SubjectKind::User, "system:serviceaccount:a:b", None).service_account(),
            Some((Some("a"), "b"))
        );
    }
}
