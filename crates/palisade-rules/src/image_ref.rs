//! Container image references as the container runtime reads them: `nginx`, `library/nginx`,
//! `docker.io/library/nginx` and `index.docker.io/library/nginx:latest` are the same image.
//!
//! The grammar is the distribution reference grammar that containerd and Docker use:
//! `[registry/]path[:tag][@digest]`, where the first `/`-separated component is a registry
//! only when it contains a `.` or a `:`, is `localhost`, or has upper-case letters.

/// Docker Hub, under every name it answers to.
pub const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_ALIASES: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// One parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (with port), `docker.io` when none is written.
    pub registry: String,
    /// The repository path, lower-case as written, with `library/` added for Docker Hub
    /// names of one component (`nginx` → `library/nginx`).
    pub path: String,
    /// The tag, when one is written.
    pub tag: Option<String>,
    /// The digest (`sha256:...`), when one is written.
    pub digest: Option<String>,
    /// Whether the text named a registry explicitly.
    pub explicit_registry: bool,
}

impl ImageRef {
    /// Parses an image reference. `None` for text that is not one: empty, whitespace inside,
    /// an unrendered template, or a variable such as `$(IMAGE)`.
    pub fn parse(text: &str) -> Option<ImageRef> {
        let text = text.trim();
        if text.is_empty()
            || text.contains(char::is_whitespace)
            || text.contains("{{")
            || text.contains('$')
        {
            return None;
        }
        let (rest, digest) = match text.split_once('@') {
            Some((name, digest)) if !digest.is_empty() => (name, Some(digest.to_string())),
            Some(_) => return None,
            None => (text, None),
        };
        // A tag follows the last ':' only when no '/' comes after it (else it was a port).
        let (name, tag) = match rest.rfind(':') {
            Some(colon) if !rest[colon..].contains('/') => {
                let tag = &rest[colon + 1..];
                if tag.is_empty() {
                    return None;
                }
                (&rest[..colon], Some(tag.to_string()))
            }
            _ => (rest, None),
        };
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
            return None;
        }
        let (registry, path, explicit_registry) = match name.split_once('/') {
            // Docker also reads a first component with upper-case letters as a host: a
            // repository path must be lower-case, so it cannot be a Docker Hub namespace.
            Some((first, remainder))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_ascii_lowercase(), remainder.to_string(), true)
            }
            _ => (DOCKER_HUB.to_string(), name.to_string(), false),
        };
        let registry = if DOCKER_HUB_ALIASES.contains(&registry.as_str()) {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let path = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Some(ImageRef {
            registry,
            path,
            tag,
            digest,
            explicit_registry,
        })
    }

    /// `registry/path`, without tag or digest: the name an allow-list is matched against.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB
    }

    /// The official-image name (`nginx` for `docker.io/library/nginx`), if it is one.
    pub fn official_name(&self) -> Option<&str> {
        if self.is_docker_hub() {
            self.path.strip_prefix("library/")
        } else {
            None
        }
    }

    /// The last path component (`nginx` for `someuser/nginx` or `quay.io/org/nginx`).
    pub fn repository(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Whether the reference names its content by digest (`@sha256:...`): what the runtime runs
    /// then cannot change when a tag is moved. The digest must have the `algorithm:encoded`
    /// form; its length is not checked, since a malformed digest makes the pull fail rather than
    /// fetch something else.
    pub fn is_pinned(&self) -> bool {
        self.digest
            .as_deref()
            .and_then(|digest| digest.split_once(':'))
            .is_some_and(|(algorithm, encoded)| !algorithm.is_empty() && !encoded.is_empty())
    }

    /// The tag the runtime pulls: the written one, or `latest` when neither a tag nor a digest
    /// is written.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ImageRef {
        ImageRef::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn docker_hub_spellings_are_the_same_image() {
        for text in [
            "nginx",
            "library/nginx",
            "docker.io/nginx",
            "docker.io/library/nginx",
            "index.docker.io/library/nginx",
            "registry-1.docker.io/library/nginx",
        ] {
            let image = parse(text);
            assert_eq!(image.name(), "docker.io/library/nginx", "{text}");
            assert_eq!(image.official_name(), Some("nginx"), "{text}");
        }
    }

    #[test]
    fn tags_digests_and_ports() {
        let image = parse("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(image.registry, "registry.example.com:5000");
        assert_eq!(image.path, "team/app");
        assert_eq!(image.tag.as_deref(), Some("1.2"));
        assert_eq!(image.digest.as_deref(), Some("sha256:abc"));
        assert!(image.explicit_registry);
        assert_eq!(image.official_name(), None);
        assert_eq!(image.repository(), "app");

        let image = parse("localhost:5000/app");
        assert_eq!(image.registry, "localhost:5000");
        assert_eq!(image.tag, None);
        assert_eq!(image.effective_tag(), Some("latest"));

        let image = parse("someuser/nginx:1.27");
        assert_eq!(image.registry, "docker.io");
        assert_eq!(image.path, "someuser/nginx");
        assert_eq!(image.official_name(), None);
        assert_eq!(image.repository(), "nginx");

        assert_eq!(parse("nginx@sha256:abc").effective_tag(), None);

        // As Docker splits it: an upper-case first component is a host, not a namespace.
        let image = parse("MyRegistry/app:1.0");
        assert_eq!(image.registry, "myregistry");
        assert_eq!(image.path, "app");
        assert!(image.explicit_registry);
        assert!(parse("someuser/app").is_docker_hub());
    }

    #[test]
    fn pinned_by_digest() {
        assert!(parse("nginx@sha256:abc").is_pinned());
        assert!(parse("nginx:1.27@sha256:abc").is_pinned());
        assert!(parse("nginx:latest@sha512:abc").is_pinned());
        assert!(!parse("nginx:1.27").is_pinned());
        assert!(!parse("nginx").is_pinned());
        // Not digests: no algorithm, or nothing after it.
        assert!(!parse("nginx@latest").is_pinned());
        assert!(!parse("nginx@sha256:").is_pinned());
        assert!(!parse("nginx@:abc").is_pinned());
    }

    #[test]
    fn what_is_not_an_image_reference() {
        for text in [
            "",
            "  ",
            "nginx:",
            "nginx@",
            "/nginx",
            "a//b",
            "{{ .Values.image }}",
            "$(IMAGE)",
            "my image",
        ] {
            assert_eq!(ImageRef::parse(text), None, "{text:?}");
        }
    }
}
