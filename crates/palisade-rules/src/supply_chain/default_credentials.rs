//! ## What it does
//!
//! Finds containers that run popular images with their well-known default or insecure
//! credential settings, from a table of known settings (one row per setting):
//!
//! - default or trivially weak passwords: `POSTGRES_PASSWORD=postgres` (or `password`,
//!   `example`, `mysecretpassword`), `MYSQL_ROOT_PASSWORD=my-secret-pw`,
//!   `RABBITMQ_DEFAULT_PASS=guest`, `GF_SECURITY_ADMIN_PASSWORD=admin`,
//!   `MINIO_ROOT_PASSWORD=minioadmin`, `ELASTIC_PASSWORD=changeme`, `NEO4J_AUTH=neo4j/neo4j`,
//!   `HARBOR_ADMIN_PASSWORD=Harbor12345`, Keycloak, pgAdmin, InfluxDB, CouchDB, Airflow, GitLab ...;
//! - settings that switch authentication off: `POSTGRES_HOST_AUTH_METHOD=trust`,
//!   `MYSQL_ALLOW_EMPTY_PASSWORD`, `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD`, Bitnami's
//!   `ALLOW_EMPTY_PASSWORD=yes`, `NEO4J_AUTH=none`, `xpack.security.enabled=false`,
//!   `CLICKHOUSE_SKIP_USER_SETUP=1`, `GF_AUTH_ANONYMOUS_ENABLED=true`, `PMA_ARBITRARY=1`,
//!   Traefik's `--api.insecure`, Vault's `-dev` mode, MongoDB's `--noauth`;
//! - images that start without authentication when nothing is configured: the official `mongo`
//!   image without `MONGO_INITDB_ROOT_USERNAME`, the official `redis` image without
//!   `--requirepass` or a configuration file, `minio/minio` without `MINIO_ROOT_PASSWORD`
//!   (it then uses `minioadmin`/`minioadmin`), Grafana without an admin password
//!   (`admin`/`admin`). These rows apply only to the server container of the image (not a
//!   client such as `mongosh` run from the same image), only when the container has no
//!   `envFrom` (which may bring the variable in) and no configuration file that may set it.
//!
//! The empty- and random-password switches of MySQL and MariaDB are reported only when no root
//! password is given beside them (they are moot then); any non-empty value turns them on, even
//! `no`. A literal password is also secret-in-env-var's finding; this rule says that it is a
//! default one.
//!
//! Rows about a variable that only one product reads apply to every image (an application
//! container connecting with `POSTGRES_PASSWORD=postgres` shows the database's password);
//! rows that depend on the image's own defaults match the image name. Passwords are never
//! printed, not even default ones; non-secret settings such as `trust` are quoted.
//!
//! ## Why is this bad?
//!
//! Default credentials are the first thing an attacker tries: scanners and worms (the ones that
//! hijack open Redis, MongoDB and Elasticsearch instances for ransom or crypto-mining) try
//! `postgres/postgres`, `guest/guest`, `admin/admin` and `minioadmin` within minutes of reaching a
//! port. An end user who reaches an exposed service, or an internal attacker in any pod that can
//! connect to it (without NetworkPolicies, every pod can), logs in as the administrator of the
//! database, broker or dashboard, reads and changes all data, and often runs code on it. A
//! setting that disables authentication needs no guessing at all.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata:
//!   name: db
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: postgres
//!           image: postgres:16
//!           env:
//!             - name: POSTGRES_HOST_AUTH_METHOD
//!               value: trust
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           env:
//!             - name: POSTGRES_PASSWORD
//!               valueFrom:
//!                 secretKeyRef:
//!                   name: db-credentials      # a generated, unique password
//!                   key: password
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1078.001 Valid Accounts: Default Accounts; T1110 Brute Force
//! - Kubernetes documentation: concepts/security/secrets-good-practices/
//! - Docker Official Images documentation of each image (postgres, mysql, mariadb, mongo,
//!   rabbitmq, redis): the environment variables section

use std::sync::LazyLock;

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor, Value};

use crate::image_ref::ImageRef;
use crate::pod::{ContainerKind, ContainerView};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "default-credentials",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1078.001",
            "mitre:T1110",
            "k8s-docs:concepts/security/secrets-good-practices/",
        ],
        summary: "Container runs an image with its well-known default credentials or with authentication switched off",
        fix: "Set a unique, generated password from a Secret (`valueFrom.secretKeyRef` or a `_FILE` variable), and remove settings that switch authentication off.",
    },
    check: Check::Object(check),
};

/// One known default or insecure setting.
struct Setting {
    /// The images the row is about, as a repository path suffix (`library/mongo`,
    /// `grafana/grafana`, `traefik`). Empty: any image, because only that product reads the
    /// setting.
    images: &'static [&'static str],
    /// The environment variable or command-line flag.
    name: &'static str,
    condition: Condition,
    /// What the setting gives an attacker.
    why: &'static str,
    /// When the row is less (or more) severe than the rule.
    severity: Option<Severity>,
}

enum Condition {
    /// The variable's literal value is one of the image's documented default or example
    /// passwords (first list), another password known to be used with it (second list), or a
    /// common weak one; compared without case. Never printed.
    DefaultPassword(&'static [&'static str], &'static [&'static str]),
    /// The same, for `user/password` values (`NEO4J_AUTH`).
    DefaultUserPassword(&'static [&'static str], &'static [&'static str]),
    /// The variable has one of these values (without case); empty: any non-empty value.
    /// Quoted in messages, since these are switches, not secrets.
    Value(&'static [&'static str]),
    /// A switch that matters only when no password is given: on (as `Value`) while none of
    /// these variables (nor its `_FILE` variant) is set, and no `envFrom` may set one.
    SwitchWithout(&'static [&'static str], &'static [&'static str]),
    /// The variable holds any literal value, and that value is a credential (never printed).
    AnyLiteral,
    /// The command-line flag is given bare, or as `flag=value` with one of these values.
    Flag(&'static [&'static str]),
    /// The image's server runs without any of these variables, flags or configuration files.
    Unset(&'static Unconfigured),
}

/// What configures credentials for an image that has none by default.
struct Unconfigured {
    /// Any of these variables (or its `_FILE` / `__FILE` variant) configures the credentials.
    variables: &'static [&'static str],
    /// Any of these flags (bare or `flag=value`) configures them.
    flags: &'static [&'static str],
    /// An argument ending so names a configuration file, which may configure them.
    config_files: &'static [&'static str],
    /// A volume mounted under one of these paths may hold a configuration file that does.
    config_mounts: &'static [&'static str],
    /// The programs that are the server (a container of the image running another program,
    /// such as a client, is not judged).
    servers: &'static [&'static str],
    /// Whether the image runs the server when the container sets no command and no program.
    server_by_default: bool,
}

/// Passwords weak enough to be a default anywhere.
const COMMON_WEAK_PASSWORDS: &[&str] = &[
    "password",
    "passw0rd",
    "pass",
    "changeme",
    "change_me",
    "changeit",
    "secret",
    "admin",
    "administrator",
    "root",
    "toor",
    "default",
    "example",
    "test",
    "test123",
    "123456",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty",
    "letmein",
    "welcome",
];

const MONGO_UNCONFIGURED: Unconfigured = Unconfigured {
    variables: &["MONGO_INITDB_ROOT_USERNAME"],
    // `--noauth` has its own row.
    flags: &[
        "--auth",
        "--noauth",
        "--keyFile",
        "--config",
        "-f",
        "--clusterAuthMode",
        "--transitionToAuth",
    ],
    config_files: &[".conf", ".yaml", ".yml"],
    config_mounts: &[],
    servers: &["mongod"],
    server_by_default: true,
};

const REDIS_UNCONFIGURED: Unconfigured = Unconfigured {
    variables: &[],
    flags: &["--requirepass", "--aclfile", "--user"],
    config_files: &[".conf"],
    config_mounts: &[],
    servers: &["redis-server"],
    server_by_default: true,
};

const MINIO_UNCONFIGURED: Unconfigured = Unconfigured {
    variables: &[
        "MINIO_ROOT_PASSWORD",
        "MINIO_SECRET_KEY",
        "MINIO_CONFIG_ENV_FILE",
    ],
    flags: &[],
    config_files: &[],
    config_mounts: &[],
    servers: &["server"],
    server_by_default: false,
};

const GRAFANA_UNCONFIGURED: Unconfigured = Unconfigured {
    variables: &["GF_SECURITY_ADMIN_PASSWORD", "GF_PATHS_CONFIG"],
    flags: &["--config", "-config"],
    config_files: &[".ini"],
    config_mounts: &["/etc/grafana"],
    servers: &["grafana-server", "grafana", "run.sh"],
    server_by_default: true,
};

const GRAFANA_IMAGES: &[&str] = &[
    "grafana/grafana",
    "grafana/grafana-oss",
    "grafana/grafana-enterprise",
];

const ANY_IMAGE: &[&str] = &[];

/// The variables that give MySQL's root account a password, making the empty and random
/// password switches moot.
const MYSQL_ROOT_PASSWORDS: &[&str] = &["MYSQL_ROOT_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"];
const MARIADB_ROOT_PASSWORDS: &[&str] = &[
    "MARIADB_ROOT_PASSWORD",
    "MARIADB_ROOT_PASSWORD_HASH",
    "MARIADB_RANDOM_ROOT_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "MYSQL_RANDOM_ROOT_PASSWORD",
];

/// The table. Sources: the Docker Official Images documentation of each image and the vendors'
/// documentation (../shared/reference/image-security.md, section c).
#[rustfmt::skip]
const SETTINGS: &[Setting] = &[
    // PostgreSQL
    Setting { images: ANY_IMAGE, name: "POSTGRES_PASSWORD", condition: Condition::DefaultPassword(&["mysecretpassword", "example"], &["postgres"]), why: "the PostgreSQL superuser password", severity: None },
    Setting { images: ANY_IMAGE, name: "POSTGRES_HOST_AUTH_METHOD", condition: Condition::Value(&["trust"]), why: "PostgreSQL then accepts every connection without a password, even when one is set", severity: None },
    // MySQL, Percona, MariaDB
    Setting { images: ANY_IMAGE, name: "MYSQL_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["my-secret-pw", "example"], &["mysql"]), why: "the MySQL root password", severity: None },
    Setting { images: ANY_IMAGE, name: "MYSQL_PASSWORD", condition: Condition::DefaultPassword(&["my-secret-pw", "example"], &["mysql"]), why: "the password of the MySQL user the image creates", severity: None },
    Setting { images: ANY_IMAGE, name: "MYSQL_ALLOW_EMPTY_PASSWORD", condition: Condition::SwitchWithout(&[], MYSQL_ROOT_PASSWORDS), why: "with no root password given, the MySQL root account has an empty password (any non-empty value turns this on)", severity: None },
    Setting { images: ANY_IMAGE, name: "MYSQL_RANDOM_ROOT_PASSWORD", condition: Condition::SwitchWithout(&[], &["MYSQL_ROOT_PASSWORD"]), why: "the generated root password is printed to the container log, where everyone who can read pod logs finds it", severity: Some(Severity::Low) },
    Setting { images: ANY_IMAGE, name: "MARIADB_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["my-secret-pw", "example"], &["mariadb", "mysql"]), why: "the MariaDB root password", severity: None },
    Setting { images: ANY_IMAGE, name: "MARIADB_PASSWORD", condition: Condition::DefaultPassword(&["my-secret-pw", "example"], &["mariadb", "mysql"]), why: "the password of the MariaDB user the image creates", severity: None },
    Setting { images: ANY_IMAGE, name: "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", condition: Condition::SwitchWithout(&[], MARIADB_ROOT_PASSWORDS), why: "with no root password given, the MariaDB root account has an empty password (any non-empty value turns this on)", severity: None },
    Setting { images: ANY_IMAGE, name: "MARIADB_RANDOM_ROOT_PASSWORD", condition: Condition::SwitchWithout(&[], &["MARIADB_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_HASH", "MYSQL_ROOT_PASSWORD"]), why: "the generated root password is printed to the container log, where everyone who can read pod logs finds it", severity: Some(Severity::Low) },
    // MongoDB and mongo-express
    Setting { images: &["library/mongo"], name: "MONGO_INITDB_ROOT_USERNAME", condition: Condition::Unset(&MONGO_UNCONFIGURED), why: "MongoDB then starts without authentication: anyone who reaches port 27017 reads and changes every database", severity: None },
    Setting { images: &["library/mongo"], name: "--noauth", condition: Condition::Flag(&[]), why: "MongoDB then accepts every client without authentication", severity: None },
    Setting { images: ANY_IMAGE, name: "MONGO_INITDB_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["example"], &["mongo", "mongodb"]), why: "the MongoDB root password", severity: None },
    Setting { images: ANY_IMAGE, name: "ME_CONFIG_BASICAUTH_PASSWORD", condition: Condition::DefaultPassword(&["pass"], &["mongo-express"]), why: "the password of the mongo-express web UI, which administers every database", severity: None },
    Setting { images: ANY_IMAGE, name: "ME_CONFIG_MONGODB_ADMINPASSWORD", condition: Condition::DefaultPassword(&["example"], &["mongo", "mongodb"]), why: "the MongoDB admin password mongo-express connects with", severity: None },
    // RabbitMQ
    Setting { images: ANY_IMAGE, name: "RABBITMQ_DEFAULT_PASS", condition: Condition::DefaultPassword(&["guest"], &["rabbitmq"]), why: "the password of the RabbitMQ user that administers the broker and its management UI", severity: None },
    // Redis
    Setting { images: &["library/redis"], name: "--requirepass", condition: Condition::Unset(&REDIS_UNCONFIGURED), why: "the official Redis image runs without a password and with protected mode off: anyone who reaches port 6379 reads and changes all data, and can often run code through CONFIG SET or MODULE LOAD", severity: None },
    Setting { images: ANY_IMAGE, name: "REDIS_PASSWORD", condition: Condition::DefaultPassword(&[], &["redis"]), why: "the Redis password", severity: None },
    // CouchDB, ClickHouse, Neo4j, Cassandra, OrientDB
    Setting { images: ANY_IMAGE, name: "COUCHDB_PASSWORD", condition: Condition::DefaultPassword(&[], &["couchdb"]), why: "the CouchDB admin password", severity: None },
    Setting { images: ANY_IMAGE, name: "CLICKHOUSE_SKIP_USER_SETUP", condition: Condition::Value(&["1"]), why: "ClickHouse's built-in default user is then reachable over the network without a password", severity: None },
    Setting { images: ANY_IMAGE, name: "CLICKHOUSE_PASSWORD", condition: Condition::DefaultPassword(&[], &["clickhouse"]), why: "the ClickHouse user's password", severity: None },
    Setting { images: ANY_IMAGE, name: "NEO4J_AUTH", condition: Condition::Value(&["none"]), why: "Neo4j then runs without authentication", severity: None },
    Setting { images: ANY_IMAGE, name: "NEO4J_AUTH", condition: Condition::DefaultUserPassword(&["neo4j"], &[]), why: "the Neo4j admin password", severity: None },
    Setting { images: ANY_IMAGE, name: "CASSANDRA_PASSWORD", condition: Condition::DefaultPassword(&["cassandra"], &[]), why: "the Cassandra superuser password", severity: None },
    Setting { images: ANY_IMAGE, name: "ORIENTDB_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["rootpwd"], &["orientdb"]), why: "the OrientDB root password", severity: None },
    Setting { images: &["library/odoo"], name: "PASSWORD", condition: Condition::DefaultPassword(&["odoo"], &[]), why: "the password of Odoo's database role", severity: None },
    // Bitnami images
    Setting { images: ANY_IMAGE, name: "ALLOW_EMPTY_PASSWORD", condition: Condition::Value(&["yes", "true", "1"]), why: "Bitnami images then start their database or cache without a password", severity: None },
    Setting { images: ANY_IMAGE, name: "ALLOW_PLAINTEXT_LISTENER", condition: Condition::Value(&["yes", "true", "1"]), why: "Bitnami's Kafka then accepts unauthenticated, unencrypted clients", severity: None },
    // Elasticsearch and Kibana
    Setting { images: ANY_IMAGE, name: "xpack.security.enabled", condition: Condition::Value(&["false"]), why: "Elasticsearch then runs without authentication and without TLS", severity: None },
    Setting { images: ANY_IMAGE, name: "XPACK_SECURITY_ENABLED", condition: Condition::Value(&["false"]), why: "the Elastic Stack component then runs without authentication", severity: None },
    Setting { images: ANY_IMAGE, name: "ELASTIC_PASSWORD", condition: Condition::DefaultPassword(&["changeme"], &["elastic", "elasticsearch"]), why: "the password of the built-in Elasticsearch superuser", severity: None },
    Setting { images: ANY_IMAGE, name: "ELASTICSEARCH_PASSWORD", condition: Condition::DefaultPassword(&["changeme"], &["elastic", "elasticsearch"]), why: "the Elasticsearch password Kibana connects with", severity: None },
    // Grafana
    Setting { images: ANY_IMAGE, name: "GF_SECURITY_ADMIN_PASSWORD", condition: Condition::DefaultPassword(&["admin"], &["grafana"]), why: "the Grafana admin password", severity: None },
    Setting { images: GRAFANA_IMAGES, name: "GF_SECURITY_ADMIN_PASSWORD", condition: Condition::Unset(&GRAFANA_UNCONFIGURED), why: "Grafana then creates its admin user with the well-known default password", severity: None },
    Setting { images: ANY_IMAGE, name: "GF_AUTH_ANONYMOUS_ENABLED", condition: Condition::Value(&["true"]), why: "everyone who reaches Grafana uses it without logging in", severity: Some(Severity::Medium) },
    Setting { images: ANY_IMAGE, name: "GF_USERS_ALLOW_SIGN_UP", condition: Condition::Value(&["true"]), why: "everyone who reaches Grafana can create an account", severity: Some(Severity::Medium) },
    // MinIO
    Setting { images: ANY_IMAGE, name: "MINIO_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["minioadmin"], &["minio", "minio123"]), why: "the MinIO root password, which administers every bucket", severity: None },
    Setting { images: ANY_IMAGE, name: "MINIO_SECRET_KEY", condition: Condition::DefaultPassword(&["minioadmin"], &["minio", "minio123"]), why: "the MinIO root secret key, which administers every bucket", severity: None },
    Setting { images: &["minio/minio"], name: "MINIO_ROOT_PASSWORD", condition: Condition::Unset(&MINIO_UNCONFIGURED), why: "MinIO then uses its well-known default root user and password, which administer every bucket", severity: None },
    // InfluxDB
    Setting { images: ANY_IMAGE, name: "DOCKER_INFLUXDB_INIT_PASSWORD", condition: Condition::DefaultPassword(&["my-password"], &["influxdb"]), why: "the InfluxDB admin password", severity: None },
    Setting { images: ANY_IMAGE, name: "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN", condition: Condition::DefaultPassword(&["my-super-secret-auth-token"], &["my-token"]), why: "the InfluxDB admin token", severity: None },
    Setting { images: ANY_IMAGE, name: "INFLUXDB_HTTP_AUTH_ENABLED", condition: Condition::Value(&["false"]), why: "InfluxDB's HTTP API then runs without authentication", severity: None },
    // Web UIs and tools
    Setting { images: ANY_IMAGE, name: "PMA_ARBITRARY", condition: Condition::Value(&["1"]), why: "phpMyAdmin then lets its users connect to any database server, reachable from inside the cluster", severity: Some(Severity::Medium) },
    Setting { images: ANY_IMAGE, name: "PGADMIN_DEFAULT_PASSWORD", condition: Condition::DefaultPassword(&["SuperSecret"], &["pgadmin"]), why: "the pgAdmin login password", severity: None },
    Setting { images: ANY_IMAGE, name: "KEYCLOAK_ADMIN_PASSWORD", condition: Condition::DefaultPassword(&["admin"], &["keycloak"]), why: "the Keycloak admin password, which controls every realm", severity: None },
    Setting { images: ANY_IMAGE, name: "KEYCLOAK_PASSWORD", condition: Condition::DefaultPassword(&["admin"], &["keycloak"]), why: "the Keycloak admin password, which controls every realm", severity: None },
    Setting { images: ANY_IMAGE, name: "KC_BOOTSTRAP_ADMIN_PASSWORD", condition: Condition::DefaultPassword(&["admin"], &["keycloak"]), why: "the Keycloak admin password, which controls every realm", severity: None },
    Setting { images: ANY_IMAGE, name: "HARBOR_ADMIN_PASSWORD", condition: Condition::DefaultPassword(&["Harbor12345"], &["harbor"]), why: "the Harbor admin password, which controls every image in the registry", severity: None },
    Setting { images: ANY_IMAGE, name: "_AIRFLOW_WWW_USER_PASSWORD", condition: Condition::DefaultPassword(&["airflow"], &[]), why: "the Airflow admin password", severity: None },
    Setting { images: ANY_IMAGE, name: "GITLAB_ROOT_PASSWORD", condition: Condition::DefaultPassword(&["5iveL!fe"], &["gitlab"]), why: "the GitLab root password", severity: None },
    // Traefik, Vault
    Setting { images: &["traefik"], name: "--api.insecure", condition: Condition::Flag(&["true"]), why: "Traefik then serves its API and dashboard on port 8080 without authentication", severity: None },
    Setting { images: ANY_IMAGE, name: "TRAEFIK_API_INSECURE", condition: Condition::Value(&["true"]), why: "Traefik then serves its API and dashboard on port 8080 without authentication", severity: None },
    Setting { images: &["hashicorp/vault", "library/vault"], name: "-dev", condition: Condition::Flag(&[]), why: "Vault then runs in dev mode (in memory, unsealed, with a root token)", severity: None },
    Setting { images: ANY_IMAGE, name: "VAULT_DEV_ROOT_TOKEN_ID", condition: Condition::AnyLiteral, why: "it is the root token of a Vault in dev mode (in memory, unsealed)", severity: None },
];

/// Values longer than this are shortened when quoted.
const MAX_QUOTED: usize = 40;

/// One environment variable of a container.
struct Variable<'a> {
    index: usize,
    name: &'a str,
    /// The literal `value` (a number or boolean as written), `None` for `valueFrom`.
    value: Option<String>,
}

/// One whitespace-separated word of `command` or `args`, with where it came from.
struct Word<'a> {
    field: &'static str,
    index: usize,
    text: &'a str,
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        check_container(container, out);
    }
}

fn check_container(container: &ContainerView, out: &mut Emitter) {
    let image = container.image();
    let variables: Vec<Variable> = container
        .node
        .get("env")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            Some(Variable {
                index,
                name: item.get("name").and_then(Node::as_str)?,
                value: item.get("value").and_then(scalar_text),
            })
        })
        .collect();
    let words = words(container.node);
    let env_path = container.path.key("env");

    // Only the rows that can find something: those of the variables the container sets, the
    // flags if it has a command, and the settings it may lack. Going through every row for
    // every container was most of the rule's time.
    let mut rows = ROW_INDEX.unset;
    if !words.is_empty() {
        rows |= ROW_INDEX.flags;
    }
    for variable in &variables {
        rows |= ROW_INDEX.of_variable(variable.name);
    }
    let settings = (0..SETTINGS.len())
        .filter(|row| rows >> row & 1 == 1)
        .map(|row| &SETTINGS[row]);
    for setting in settings {
        if !setting.images.is_empty()
            && !image
                .as_ref()
                .is_some_and(|image| matches_image(image, setting.images))
        {
            continue;
        }
        let severity = setting.severity;
        match &setting.condition {
            Condition::DefaultPassword(defaults, weak)
            | Condition::DefaultUserPassword(defaults, weak) => {
                let user_password = matches!(setting.condition, Condition::DefaultUserPassword(..));
                for variable in variables.iter().filter(|v| v.name == setting.name) {
                    let Some(value) = variable.value.as_deref() else {
                        continue;
                    };
                    let password = if user_password {
                        match value.split_once('/') {
                            Some((_, password)) => password,
                            None => continue,
                        }
                    } else {
                        value
                    };
                    let Some(kind) = weak_password(password, defaults, weak) else {
                        continue;
                    };
                    let finding = out.report(
                        &env_path.index(variable.index).key("value"),
                        format_args!(
                            "{} sets {} to {kind}; it is {}, and it is the first one an attacker tries",
                            container.describe(),
                            setting.name,
                            setting.why
                        ),
                    );
                    if let Some(severity) = severity {
                        finding.severity = severity;
                    }
                }
            }
            Condition::Value(values) | Condition::SwitchWithout(values, _) => {
                if let Condition::SwitchWithout(_, passwords) = setting.condition
                    && (has_env_from(container) || is_set(&variables, passwords))
                {
                    continue;
                }
                for variable in variables.iter().filter(|v| v.name == setting.name) {
                    let Some(value) = variable.value.as_deref().map(str::trim) else {
                        continue;
                    };
                    let insecure = if values.is_empty() {
                        !value.is_empty()
                    } else {
                        values.iter().any(|v| value.eq_ignore_ascii_case(v))
                    };
                    if !insecure {
                        continue;
                    }
                    let (severity, worse) = escalation(setting, &variables);
                    let finding = out.report(
                        &env_path.index(variable.index).key("value"),
                        format_args!(
                            "{} sets {}={}{worse}: {}",
                            container.describe(),
                            setting.name,
                            quote(value),
                            setting.why
                        ),
                    );
                    if let Some(severity) = severity {
                        finding.severity = severity;
                    }
                }
            }
            Condition::AnyLiteral => {
                for variable in variables.iter().filter(|v| v.name == setting.name) {
                    if variable
                        .value
                        .as_deref()
                        .is_some_and(|value| !value.trim().is_empty())
                    {
                        out.report(
                            &env_path.index(variable.index).key("value"),
                            format_args!(
                                "{} sets {} to a literal value: {}",
                                container.describe(),
                                setting.name,
                                setting.why
                            ),
                        );
                    }
                }
            }
            Condition::Flag(values) => {
                if let Some(word) = words
                    .iter()
                    .find(|word| flag_matches(word.text, setting.name, values))
                {
                    out.report(
                        &container.path.key(word.field).index(word.index),
                        format_args!(
                            "{} runs with {}: {}",
                            container.describe(),
                            quote(flag_shown(word.text, values)),
                            setting.why
                        ),
                    );
                }
            }
            Condition::Unset(unconfigured) => {
                if container.kind == ContainerKind::Regular
                    && runs_unconfigured(container, unconfigured, &variables, &words)
                {
                    let image_text = container
                        .node
                        .get("image")
                        .and_then(Node::as_str)
                        .unwrap_or_default();
                    out.report(
                        &env_path,
                        format_args!(
                            "{} runs {image_text} without {} or a configuration that could set credentials; {}",
                            container.describe(),
                            setting.name,
                            setting.why
                        ),
                    );
                }
            }
        }
    }
}

/// The rows of [`SETTINGS`] by what they need to find anything, one bit per row (row `i` is
/// bit `i`), in the table's order.
struct RowIndex {
    /// The rows about a variable, by its name, sorted by name.
    by_variable: Vec<(&'static str, u64)>,
    /// The rows about a command-line flag.
    flags: u64,
    /// The rows about a setting a container lacks.
    unset: u64,
}

const _: () = assert!(SETTINGS.len() <= 64, "RowIndex holds one bit per row");

static ROW_INDEX: LazyLock<RowIndex> = LazyLock::new(|| {
    let mut index = RowIndex {
        by_variable: Vec::new(),
        flags: 0,
        unset: 0,
    };
    for (row, setting) in SETTINGS.iter().enumerate() {
        let bit = 1u64 << row;
        match setting.condition {
            Condition::Flag(_) => index.flags |= bit,
            Condition::Unset(_) => index.unset |= bit,
            Condition::DefaultPassword(..)
            | Condition::DefaultUserPassword(..)
            | Condition::Value(_)
            | Condition::SwitchWithout(..)
            | Condition::AnyLiteral => index.by_variable.push((setting.name, bit)),
        }
    }
    index.by_variable.sort_unstable_by_key(|(name, _)| *name);
    // Rows about the same variable share an entry.
    index.by_variable.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 |= later.1;
        }
        same
    });
    index
});

impl RowIndex {
    fn of_variable(&self, name: &str) -> u64 {
        self.by_variable
            .binary_search_by(|(known, _)| (*known).cmp(name))
            .map_or(0, |at| self.by_variable[at].1)
    }
}

/// Whether the image is one the row is about: its repository path is a hint or ends with
/// `/` and the hint (mirrors keep the path: `public.ecr.aws/docker/library/mongo`).
fn matches_image(image: &ImageRef, hints: &[&str]) -> bool {
    hints.iter().any(|hint| {
        image.path == *hint
            || image
                .path
                .strip_suffix(hint)
                .is_some_and(|prefix| prefix.ends_with('/'))
    })
}

/// How a password is weak, in words for the message; `None` when it is not known to be weak.
fn weak_password(password: &str, defaults: &[&str], weak: &[&str]) -> Option<&'static str> {
    let password = password.trim();
    if password.is_empty() {
        return None;
    }
    if defaults.iter().any(|d| password.eq_ignore_ascii_case(d)) {
        Some("the image's well-known default password")
    } else if weak
        .iter()
        .chain(COMMON_WEAK_PASSWORDS)
        .any(|d| password.eq_ignore_ascii_case(d))
    {
        Some("a well-known weak password")
    } else {
        None
    }
}

/// Anonymous Grafana access is worse when the anonymous user is an Admin or Editor.
fn escalation(setting: &Setting, variables: &[Variable]) -> (Option<Severity>, String) {
    if setting.name != "GF_AUTH_ANONYMOUS_ENABLED" {
        return (setting.severity, String::new());
    }
    let role = variables
        .iter()
        .filter(|v| v.name == "GF_AUTH_ANONYMOUS_ORG_ROLE")
        .filter_map(|v| v.value.as_deref())
        .next_back()
        .map(str::trim);
    match role {
        Some(role) if role.eq_ignore_ascii_case("admin") || role.eq_ignore_ascii_case("editor") => {
            (
                None,
                format!(" with GF_AUTH_ANONYMOUS_ORG_ROLE={}", quote(role)),
            )
        }
        _ => (setting.severity, String::new()),
    }
}

fn quote(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED {
        format!("{value:?}")
    } else {
        let short: String = value.chars().take(MAX_QUOTED).collect();
        format!("{:?}…", short)
    }
}

/// The words of `command` and `args`; a shell script (`sh -c "..."`) is split into words too.
fn words(container: &Node) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    for field in ["command", "args"] {
        for (index, item) in container
            .get(field)
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if let Some(text) = item.as_str() {
                words.extend(
                    text.split_whitespace()
                        .map(|text| Word { field, index, text }),
                );
            }
        }
    }
    words
}

/// The text of a scalar: `value: 1` and `value: true` are what the user meant as `"1"`, `"true"`.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(text) => Some(text.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(node.to_string()),
        _ => None,
    }
}

/// `--api.insecure`, `--api.insecure=true`; with no values, `--noauth` or `-dev` (and `-dev-*`
/// options, which only exist in dev mode). One dash or two: Go and most CLIs accept both.
fn flag_matches(word: &str, flag: &str, values: &[&str]) -> bool {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    if !word.starts_with('-') {
        return false;
    }
    let word = word.trim_start_matches('-');
    let flag = flag.trim_start_matches('-');
    if word == flag {
        return true;
    }
    match word.strip_prefix(flag) {
        Some(rest) => match rest.strip_prefix('=') {
            Some(value) => {
                values.is_empty() || values.iter().any(|v| value.eq_ignore_ascii_case(v))
            }
            None => values.is_empty() && rest.starts_with('-'),
        },
        None => false,
    }
}

/// The flag as a message shows it: with its value only when that value is one of the known
/// insecure ones (`--api.insecure=true`); `-dev-root-token-id=...` shows no token.
fn flag_shown<'a>(word: &'a str, values: &[&str]) -> &'a str {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    match word.split_once('=') {
        Some((flag, value)) if !values.iter().any(|v| value.eq_ignore_ascii_case(v)) => flag,
        _ => word,
    }
}

fn basename(word: &str) -> &str {
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    word.rsplit('/').next().unwrap_or(word)
}

/// Whether the container takes variables from `envFrom`, which the manifest does not show.
fn has_env_from(container: &ContainerView) -> bool {
    container
        .node
        .get("envFrom")
        .is_some_and(|env_from| !env_from.items().is_empty())
}

/// Whether any of `names` (or its `_FILE` / `__FILE` variant) is set, by value or reference.
/// An empty literal counts as unset, as the images' entrypoints read it.
fn is_set(variables: &[Variable], names: &[&str]) -> bool {
    variables.iter().any(|variable| {
        let named = names.iter().any(|name| {
            variable.name == *name
                || variable
                    .name
                    .strip_prefix(name)
                    .is_some_and(|rest| rest == "_FILE" || rest == "__FILE")
        });
        named
            && variable
                .value
                .as_deref()
                .is_none_or(|value| !value.trim().is_empty())
    })
}

/// Whether the container runs the image's server with nothing that may configure credentials.
fn runs_unconfigured(
    container: &ContainerView,
    unconfigured: &Unconfigured,
    variables: &[Variable],
    words: &[Word],
) -> bool {
    if has_env_from(container) || is_set(variables, unconfigured.variables) {
        return false;
    }
    let configured_by_argument = words.iter().any(|word| {
        let text = word.text.trim_matches(|c| c == '"' || c == '\'');
        unconfigured
            .flags
            .iter()
            .any(|flag| flag_matches(text, flag, &[]))
            || unconfigured
                .config_files
                .iter()
                .any(|suffix| text.ends_with(suffix))
    });
    if configured_by_argument {
        return false;
    }
    let configured_by_mount = container
        .node
        .get("volumeMounts")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|mount| mount.get("mountPath").and_then(Node::as_str))
        .any(|path| {
            unconfigured
                .config_mounts
                .iter()
                .any(|prefix| path.starts_with(prefix))
        });
    if configured_by_mount {
        return false;
    }
    let has_command = container
        .node
        .get("command")
        .is_some_and(|command| !command.items().is_empty());
    let first_arg = container
        .node
        .get("args")
        .and_then(|args| args.at(0))
        .and_then(Node::as_str);
    let default_program = !has_command && first_arg.is_none_or(|arg| arg.starts_with('-'));
    (default_program && unconfigured.server_by_default)
        || words
            .iter()
            .any(|word| unconfigured.servers.contains(&basename(word.text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row is found by exactly one way in, and by its own variable's name.
    #[test]
    fn the_row_index_finds_every_row_once() {
        let index = &*ROW_INDEX;
        let mut seen = 0u64;
        for (row, setting) in SETTINGS.iter().enumerate() {
            let bit = 1u64 << row;
            let ways = [
                index.flags & bit != 0,
                index.unset & bit != 0,
                index.of_variable(setting.name) & bit != 0,
            ];
            assert_eq!(
                ways.iter().filter(|&&way| way).count(),
                1,
                "{}",
                setting.name
            );
            seen |= bit;
        }
        assert_eq!(seen.count_ones() as usize, SETTINGS.len());
        assert_eq!(index.of_variable("NOT_A_SETTING"), 0);
        assert!(index.by_variable.is_sorted_by(|a, b| a.0 < b.0));
    }

    #[test]
    fn weak_passwords() {
        assert_eq!(
            weak_password("mysecretpassword", &["mysecretpassword"], &["postgres"]),
            Some("the image's well-known default password")
        );
        assert_eq!(
            weak_password(" Password ", &["mysecretpassword"], &["postgres"]),
            Some("a well-known weak password")
        );
        assert_eq!(
            weak_password("POSTGRES", &["mysecretpassword"], &["postgres"]),
            Some("a well-known weak password")
        );
        assert_eq!(weak_password("k7#Qm2!vXz", &["postgres"], &[]), None);
        assert_eq!(weak_password("", &[""], &[""]), None);
        assert_eq!(
            weak_password(&"x".repeat(1_000_000), &["postgres"], &[]),
            None
        );
        assert_eq!(weak_password("пароль", &["postgres"], &[]), None);
    }

    #[test]
    fn image_hints() {
        let mongo = |text: &str| matches_image(&ImageRef::parse(text).unwrap(), &["library/mongo"]);
        assert!(mongo("mongo:7"));
        assert!(mongo("docker.io/library/mongo@sha256:abc"));
        assert!(mongo("public.ecr.aws/docker/library/mongo:7"));
        assert!(!mongo("bitnami/mongodb:7"));
        assert!(!mongo("example/mongo-exporter:1"));
        assert!(!mongo("example/library/mongodb"));
        let grafana = |text: &str| matches_image(&ImageRef::parse(text).unwrap(), GRAFANA_IMAGES);
        assert!(grafana("grafana/grafana:11.0.0"));
        assert!(grafana("docker.io/grafana/grafana-oss"));
        assert!(!grafana("grafana/loki"));
    }

    #[test]
    fn flags() {
        assert!(flag_matches("--api.insecure", "--api.insecure", &["true"]));
        assert!(flag_matches(
            "--api.insecure=true",
            "--api.insecure",
            &["true"]
        ));
        assert!(flag_matches(
            "--api.insecure=TRUE",
            "--api.insecure",
            &["true"]
        ));
        assert!(!flag_matches(
            "--api.insecure=false",
            "--api.insecure",
            &["true"]
        ));
        assert!(!flag_matches(
            "--api.insecureX",
            "--api.insecure",
            &["true"]
        ));
        assert!(flag_matches("-dev", "-dev", &[]));
        assert!(flag_matches("-dev-root-token-id=x", "-dev", &[]));
        assert!(!flag_matches("-devious", "-dev", &[]));
        assert!(flag_matches("\"--noauth\"", "--noauth", &[]));
        assert!(flag_matches("--dev", "-dev", &[]));
        assert_eq!(
            flag_shown("--api.insecure=true", &["true"]),
            "--api.insecure=true"
        );
        assert_eq!(
            flag_shown("-dev-root-token-id=s3cr3t", &[]),
            "-dev-root-token-id"
        );
        assert_eq!(flag_shown("\"-dev\"", &[]), "-dev");
        assert!(!flag_matches("dev", "-dev", &[]));
        assert!(!flag_matches("", "--noauth", &[]));
    }

    #[test]
    fn the_table_is_consistent() {
        for setting in SETTINGS {
            assert!(!setting.name.is_empty() && !setting.why.is_empty());
            if let Condition::Unset(_) | Condition::Flag(_) = setting.condition {
                assert!(
                    matches!(setting.condition, Condition::Flag(_)) || !setting.images.is_empty(),
                    "{}: an unset row needs an image",
                    setting.name
                );
            }
            for hint in setting.images {
                assert!(!hint.is_empty() && !hint.starts_with('/'), "{hint}");
            }
            // Messages never print a password, not even a default one.
            let (defaults, weak): (&[&str], &[&str]) = match setting.condition {
                Condition::DefaultPassword(defaults, weak)
                | Condition::DefaultUserPassword(defaults, weak) => (defaults, weak),
                _ => (&[], &[]),
            };
            for password in defaults.iter().chain(weak).chain(COMMON_WEAK_PASSWORDS) {
                assert!(
                    !setting.why.contains(&format!("`{password}`")),
                    "{}: the explanation quotes a password",
                    setting.name
                );
            }
            assert!(!setting.why.contains("minioadmin"), "{}", setting.name);
        }
    }
}
