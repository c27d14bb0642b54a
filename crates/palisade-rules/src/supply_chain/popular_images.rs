//! The names a typosquatter imitates, and the publishers and registries that are genuine
//! (this module is data, not a rule).
//!
//! Source of the official-image list, its tiers and the deprecated names: the snapshot of
//! `docker-library/official-images` (`library/`, 144 images) in palisade's shared reference
//! `image-security.md`, section (b). The tier order there is by approximate popularity; it only
//! breaks ties between two equally close matches here.

/// How popular an official image is: a near miss of a tier-1 name is reported before one of a
/// tier-3 name when a candidate is as close to both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// Very high pull counts.
    One,
    Two,
    /// The rest of the official list.
    Three,
    /// Removed from `library/` but still widely referenced.
    Deprecated,
}

const TIER_ONE: &[&str] = &[
    "busybox",
    "alpine",
    "ubuntu",
    "nginx",
    "python",
    "redis",
    "postgres",
    "node",
    "mysql",
    "mongo",
    "httpd",
    "debian",
    "memcached",
    "traefik",
    "mariadb",
    "rabbitmq",
    "golang",
    "hello-world",
    "registry",
    "docker",
    "openjdk",
    "amazonlinux",
    "elasticsearch",
    "wordpress",
    "php",
];

const TIER_TWO: &[&str] = &[
    "eclipse-temurin",
    "maven",
    "tomcat",
    "sonarqube",
    "influxdb",
    "haproxy",
    "caddy",
    "kibana",
    "logstash",
    "cassandra",
    "nextcloud",
    "ruby",
    "telegraf",
    "zookeeper",
    "gradle",
    "bash",
    "amazoncorretto",
    "rust",
    "fedora",
    "adminer",
    "phpmyadmin",
    "ghost",
    "percona",
    "solr",
    "couchdb",
    "neo4j",
    "nats",
    "redmine",
    "mongo-express",
    "drupal",
    "joomla",
    "kong",
    "buildpack-deps",
    "clickhouse",
    "oraclelinux",
    "rockylinux",
    "almalinux",
    "perl",
    "composer",
    "gcc",
    "eclipse-mosquitto",
    "varnish",
    "odoo",
    "matomo",
    "flink",
    "spark",
    "jetty",
    "groovy",
];

/// The full official list of the snapshot; names already in tier 1 or 2 are skipped when the
/// table is built.
const FULL_OFFICIAL_LIST: &[&str] = &[
    "adminer",
    "aerospike",
    "almalinux",
    "alpine",
    "alt",
    "amazoncorretto",
    "amazonlinux",
    "api-firewall",
    "arangodb",
    "archlinux",
    "azul-zulu",
    "backdrop",
    "bash",
    "bonita",
    "buildpack-deps",
    "busybox",
    "caddy",
    "cassandra",
    "chronograf",
    "cirros",
    "clearlinux",
    "clefos",
    "clickhouse",
    "clojure",
    "composer",
    "convertigo",
    "couchbase",
    "couchdb",
    "crate",
    "dart",
    "debian",
    "docker",
    "drupal",
    "eclipse-mosquitto",
    "eclipse-temurin",
    "eggdrop",
    "elasticsearch",
    "elixir",
    "emqx",
    "erlang",
    "espocrm",
    "fedora",
    "flink",
    "fluentd",
    "friendica",
    "gazebo",
    "gcc",
    "geonetwork",
    "ghost",
    "golang",
    "gradle",
    "groovy",
    "haproxy",
    "haskell",
    "haxe",
    "hello-world",
    "hitch",
    "httpd",
    "hylang",
    "ibm-semeru-runtimes",
    "ibmjava",
    "influxdb",
    "irssi",
    "jetty",
    "joomla",
    "jruby",
    "julia",
    "kapacitor",
    "kibana",
    "kong",
    "krakend",
    "lightstreamer",
    "liquibase",
    "logstash",
    "mageia",
    "mariadb",
    "matomo",
    "maven",
    "mediawiki",
    "memcached",
    "mongo",
    "mongo-express",
    "monica",
    "mysql",
    "nats",
    "neo4j",
    "neurodebian",
    "nextcloud",
    "nginx",
    "nim",
    "node",
    "notary",
    "odoo",
    "open-liberty",
    "openjdk",
    "oraclelinux",
    "orientdb",
    "percona",
    "perl",
    "photon",
    "php",
    "php-zendserver",
    "phpmyadmin",
    "plone",
    "postfixadmin",
    "postgres",
    "pypy",
    "python",
    "r-base",
    "rabbitmq",
    "rakudo-star",
    "redis",
    "redmine",
    "registry",
    "rethinkdb",
    "rocket.chat",
    "rockylinux",
    "ros",
    "ruby",
    "rust",
    "sapmachine",
    "satosa",
    "silverpeas",
    "solr",
    "sonarqube",
    "spark",
    "spiped",
    "storm",
    "swift",
    "swipl",
    "teamspeak",
    "telegraf",
    "tomcat",
    "tomee",
    "traefik",
    "ubuntu",
    "unit",
    "varnish",
    "websphere-liberty",
    "wordpress",
    "xwiki",
    "yourls",
    "znc",
    "zookeeper",
];

const DEPRECATED: &[&str] = &["centos", "consul", "vault", "jenkins", "java"];

/// Names that resolve to `docker.io/library/<name>` but are not images one pulls: `scratch` is
/// the empty base of a Dockerfile. Never reported as a near miss of anything.
pub(crate) const RESERVED_LIBRARY_NAMES: &[&str] = &["scratch"];

/// Every protected official name with its tier, tier 1 first, each name once.
pub(crate) fn official_images() -> impl Iterator<Item = (&'static str, Tier)> {
    let tiered = TIER_ONE
        .iter()
        .map(|name| (*name, Tier::One))
        .chain(TIER_TWO.iter().map(|name| (*name, Tier::Two)));
    let rest = FULL_OFFICIAL_LIST
        .iter()
        .filter(|name| !TIER_ONE.contains(name) && !TIER_TWO.contains(name))
        .map(|name| (*name, Tier::Three));
    tiered
        .chain(rest)
        .chain(DEPRECATED.iter().map(|name| (*name, Tier::Deprecated)))
}

/// Whether `name` is an official image (current or deprecated) or a reserved library name.
pub(crate) fn is_official(name: &str) -> bool {
    official_images().any(|(official, _)| official == name)
        || RESERVED_LIBRARY_NAMES.contains(&name)
}

/// Popular Docker Hub images outside `library/` (image-security.md (b), "namespace must match
/// exactly"), as (namespace, repository).
pub(crate) const POPULAR_NAMESPACED: &[(&str, &str)] = &[
    ("grafana", "grafana"),
    ("minio", "minio"),
    ("jenkins", "jenkins"),
    ("hashicorp", "vault"),
    ("hashicorp", "consul"),
    ("prom", "prometheus"),
];

/// Docker Hub namespaces of well-known publishers, who legitimately publish images under the
/// name of an official image (`bitnami/redis`, `ubuntu/nginx`, `arm64v8/alpine`). Only the
/// publisher can push to its namespace, so an image there is what it says it is. Collected from
/// the publishers whose images appear across the real-world manifests palisade is tested on and
/// from the architecture namespaces of the official images themselves.
pub(crate) const TRUSTED_PUBLISHERS: &[&str] = &[
    // Docker itself: official images, per-architecture builds of them, Docker Inc.
    "library",
    "docker",
    "dockersamples",
    "amd64",
    "arm32v5",
    "arm32v6",
    "arm32v7",
    "arm64v8",
    "i386",
    "mips64le",
    "ppc64le",
    "riscv64",
    "s390x",
    "winamd64",
    // Vendors and projects re-packaging or publishing under their own name.
    "alpine",
    "amazon",
    "apache",
    "atlassian",
    "bitnami",
    "bitnamicharts",
    "bitnamilegacy",
    "caddy",
    "calico",
    "centos",
    "cilium",
    "cimg",
    "circleci",
    "clickhouse",
    "confluentinc",
    "couchbase",
    "elastic",
    "envoyproxy",
    "fedora",
    "fluent",
    "gitlab",
    "google",
    "grafana",
    "haproxytech",
    "hashicorp",
    "influxdata",
    "istio",
    "jaegertracing",
    "jenkins",
    "jenkinsci",
    "jetbrains",
    "kindest",
    "kubernetes",
    "kubernetesui",
    "linuxserver",
    "mariadb",
    "minio",
    "mongodb",
    "mysql",
    "neo4j",
    "nginx",
    "nginxinc",
    "nvidia",
    "openshift",
    "openzipkin",
    "oracle",
    "otel",
    "percona",
    "portainer",
    "prom",
    "rabbitmq",
    "rancher",
    "redis",
    "redislabs",
    "sonarsource",
    "sonatype",
    "tigera",
    "traefik",
    "ubuntu",
    "vmware",
    "wurstmeister",
];

/// The registries whose hosts a look-alike host imitates.
pub(crate) const POPULAR_REGISTRIES: &[&str] = &[
    "docker.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "gcr.io",
    "k8s.gcr.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
];

/// Genuine registries whose hosts happen to be close to a popular one (`icr.io` is IBM's,
/// one letter from `gcr.io`), and domains whose subdomains are registries of one provider.
/// A host equal to one of these, or under one, is never a look-alike.
pub(crate) const OTHER_GENUINE_REGISTRIES: &[&str] = &[
    "icr.io",
    "nvcr.io",
    "lscr.io",
    "cgr.dev",
    "dhi.io",
    "ocir.io",
    "azurecr.io",
    "pkg.dev",
    "amazonaws.com",
    "docker.elastic.co",
    "registry.gitlab.com",
    "registry.redhat.io",
    "registry.access.redhat.com",
    "registry.suse.com",
];

/// Paths on other registries that mirror Docker Hub's official images: `<prefix>/<name>` is
/// `docker.io/library/<name>`.
pub(crate) const OFFICIAL_MIRRORS: &[(&str, &str)] = &[
    ("public.ecr.aws", "docker/library/"),
    ("mirror.gcr.io", "library/"),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_table_holds_every_official_name_once() {
        let names: Vec<&str> = official_images().map(|(name, _)| name).collect();
        let unique: HashSet<&str> = names.iter().copied().collect();
        assert_eq!(names.len(), unique.len(), "a name is listed twice");
        // 144 official images of the snapshot plus 5 deprecated names.
        assert_eq!(names.len(), 144 + DEPRECATED.len());
        for name in TIER_ONE.iter().chain(TIER_TWO) {
            assert!(FULL_OFFICIAL_LIST.contains(name), "{name} is not official");
        }
        assert!(is_official("nginx") && is_official("centos") && is_official("scratch"));
        assert!(!is_official("ngnix") && !is_official(""));
    }

    #[test]
    fn names_are_lower_case_and_publishers_unique() {
        for (name, _) in official_images() {
            assert_eq!(name, name.to_ascii_lowercase());
        }
        let publishers: HashSet<&str> = TRUSTED_PUBLISHERS.iter().copied().collect();
        assert_eq!(publishers.len(), TRUSTED_PUBLISHERS.len());
        for (namespace, _) in POPULAR_NAMESPACED {
            assert!(publishers.contains(namespace), "{namespace} is not trusted");
        }
    }
}
