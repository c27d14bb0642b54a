use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_model::Severity;
use palisade_report::{AuditFormat, Format, RulesFormat};
use palisade_webhook::{ServeOptions, WorkerPool};

/// The name palisade is run as, for usage and messages: `kubectl palisade` when it was
/// installed as the kubectl plugin `kubectl-palisade`, else `palisade`.
pub fn program_name() -> &'static str {
    static NAME: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let invoked = std::env::args_os().next().unwrap_or_default();
        program_name_for(std::path::Path::new(&invoked))
    })
}

/// `kubectl palisade` for an executable named `kubectl-palisade` (kubectl runs a plugin by
/// its full path; on Windows with `.exe`), else `palisade`.
pub fn program_name_for(invoked: &std::path::Path) -> &'static str {
    let stem = invoked
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    if stem == "kubectl-palisade" {
        "kubectl palisade"
    } else {
        "palisade"
    }
}

/// Find, understand and fix the security problems of a Kubernetes cluster, layer by layer
/// from the outside in.
#[derive(Parser, Debug)]
#[command(name = "palisade", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests (files, directories, `-` for stdin) or the live cluster (`--cluster`) and
    /// report what is wrong, where, and how to fix it
    Scan(ScanArgs),
    /// List every rule: name, severity, layer, references
    Rules(RulesArgs),
    /// Explain a rule: what it does, why it is bad, an example, the fix, references
    Explain(ExplainArgs),
    /// Check this node (or a copy of one, or a kubeadm configuration) against the CIS Kubernetes Benchmark
    Node(NodeArgs),
    /// Write hardened configuration
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Judge Kubernetes audit logs with palisade's audit rules (`palisade audit FILE...`), or write
    /// the RBAC that covers what a user did (`palisade audit rbac`)
    Audit(AuditArgs),
    /// NetworkPolicy reachability: may one workload reach another (`check`), and who can reach
    /// whom (`matrix`)
    #[command(subcommand)]
    Netpol(NetpolCommand),
    /// Who may do something: the subjects, and the bindings and role rules (with file:line)
    /// that let them, e.g. `palisade who-can create pods -n shop rbac/`
    WhoCan(WhoCanArgs),
    /// What a user, group or service account may do, cluster-wide and per namespace, and
    /// through which binding, e.g. `palisade access serviceaccount:shop:web rbac/`
    Access(AccessArgs),
    /// Serve the admission webhook over HTTPS: POST /validate and POST /mutate judge
    /// AdmissionReviews with the rules of `palisade scan`
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The serving certificate, PEM (intermediates may follow it); reloaded when it changes
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// Its private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC); reloaded with the certificate
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// The address and port to listen on
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// Configuration file (default: .palisade.yaml in the current directory or a parent); its
    /// `webhook:` section says what denies and what only warns
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .palisade.yaml
    #[arg(long)]
    pub no_config: bool,

    /// Never deny: what would be denied is allowed with a warning
    #[arg(long)]
    pub dry_run: bool,

    /// How often to look whether the certificate or key files changed (500ms, 10s, 1m)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub reload_interval: Duration,

    /// The largest request body accepted (the API server sends at most 3 MiB)
    #[arg(long, value_name = "N", default_value_t = ServeOptions::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// The time a client has to send its request body; a slower one gets 408
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// The time a client has for its TLS handshake and each request's headers (also how long
    /// an idle HTTP/1.1 connection is kept)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// On SIGTERM or SIGINT, how long the requests in flight may take to finish
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,

    /// Log format on stderr: one line per event, as text or JSON (RUST_LOG sets the level)
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub log_format: LogFormat,

    /// Where the rule checks run: a number (tokio's blocking pool, at most N at once; by
    /// default 2 per core) or `spawn-blocking` (that pool, unbounded). For benchmarks.
    #[arg(long, hide = true, value_name = "POOL", value_parser = parse_workers)]
    pub workers: Option<WorkerPool>,

    /// Reviews up to this many bytes are judged on the thread that read them, larger ones on
    /// the workers; 0 sends every review to the workers. For benchmarks.
    #[arg(long, hide = true, value_name = "N", default_value_t = ServeOptions::DEFAULT_INLINE_MAX_BODY_BYTES)]
    pub inline_max_body_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// `500ms`, `10s`, `1.5s`, `2m`, `1h`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 500ms, 10s, 2m or 1h"))?;
    let seconds_per_unit = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| format!("`{text}` is not a duration palisade can wait"))
}

fn parse_workers(text: &str) -> Result<WorkerPool, String> {
    if text == "spawn-blocking" {
        return Ok(WorkerPool::SpawnBlocking);
    }
    match text.parse::<usize>() {
        Ok(count) if count > 0 => Ok(WorkerPool::Bounded(count)),
        _ => Err(format!(
            "`{text}`: use spawn-blocking or a number of workers above 0"
        )),
    }
}

#[derive(Subcommand, Debug)]
pub enum NetpolCommand {
    /// Is a connection allowed? Names the policies that isolate each end and the rules that
    /// allow it. Exit 0 allowed, 1 denied, 2 usage or input error
    Check(NetpolCheckArgs),
    /// Who can reach whom: every pair of workloads (and ranges of outside addresses) with the
    /// connections NetworkPolicy allows between them
    Matrix(NetpolMatrixArgs),
}

/// How to treat pods with `hostNetwork: true`, which Kubernetes leaves to the network plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HostNetworkChoice {
    /// Their traffic is the node's: no policy isolates them, no pod selector matches them
    /// (what most plugins do)
    Node,
    /// Like any other pod (plugins that tell their traffic apart; netpol-analyzer's model)
    Pod,
}

#[derive(Args, Debug)]
pub struct NetpolCommon {
    /// Files, directories (searched recursively for .yaml, .yml and .json) or `-` for stdin
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// How to treat hostNetwork pods
    #[arg(long, value_enum, default_value = "node", value_name = "MODE")]
    pub host_network: HostNetworkChoice,

    /// Configuration file (default: .palisade.yaml in the current directory or a parent); its
    /// podSpecPaths say where custom kinds keep their pods
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .palisade.yaml
    #[arg(long)]
    pub no_config: bool,
}

#[derive(Args, Debug)]
pub struct NetpolCheckArgs {
    /// The source: NAMESPACE/NAME (or NAMESPACE/KIND/NAME) of a workload, or an IP address
    /// outside the cluster
    #[arg(long, value_name = "NS/WORKLOAD")]
    pub from: String,

    /// The destination: NAMESPACE/NAME (or NAMESPACE/KIND/NAME) of a workload, or an IP address
    #[arg(long, value_name = "NS/WORKLOAD")]
    pub to: String,

    /// The destination port: a number, or a name of the destination's container ports, with an
    /// optional protocol (`5432`, `53/udp`, `http`); the pod's port, not a Service's
    #[arg(long, value_name = "PORT[/PROTO]")]
    pub port: String,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: NetpolOutput,

    #[command(flatten)]
    pub common: NetpolCommon,
}

#[derive(Args, Debug)]
pub struct NetpolMatrixArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: NetpolMatrixOutput,

    /// Leave out connections with addresses outside the cluster
    #[arg(long)]
    pub no_external: bool,

    /// Write the matrix to this file instead of stdout (written atomically)
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    #[command(flatten)]
    pub common: NetpolCommon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NetpolOutput {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NetpolMatrixOutput {
    Table,
    Json,
}

/// Output of `who-can` and `access`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RbacOutput {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct WhoCanArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, or a
    /// special one (escalate, bind, impersonate, approve, use)
    pub verb: String,

    /// The resource (`pods`, `deployments.apps`, `pods/exec` for a subresource), or a
    /// non-resource URL (`/healthz`, `/metrics`)
    pub resource: String,

    /// Files, directories or `-` holding the Roles, ClusterRoles and bindings (a cluster dump,
    /// manifests, charts rendered to YAML)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Only grants in effect in this namespace (ClusterRoleBindings, and RoleBindings of this
    /// namespace); without it, grants in any namespace
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// The subresource (`exec`, `log`, `status`, ...), as `RESOURCE/SUBRESOURCE` would give it
    #[arg(long, value_name = "SUBRESOURCE")]
    pub subresource: Option<String>,

    /// One object's name: rules limited by `resourceNames` count when they name it
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: RbacOutput,
}

#[derive(Args, Debug)]
pub struct AccessArgs {
    /// `user:NAME`, `group:NAME`, `serviceaccount:NAMESPACE:NAME` or
    /// `system:serviceaccount:NAMESPACE:NAME`
    pub subject: String,

    /// Files, directories or `-` holding the Roles, ClusterRoles and bindings
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// Only rights in effect in this namespace (cluster-wide ones included)
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: RbacOutput,
}

/// `palisade audit FILE...` judges the events; `palisade audit rbac ...` writes RBAC.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[command(flatten)]
    pub detect: AuditDetectArgs,
}

#[derive(Args, Debug)]
pub struct AuditDetectArgs {
    /// Audit log files (JSON lines, EventList, pretty-printed events, gzip), judged as one
    /// stream in the order given, or `-` for stdin
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,

    /// Output format: table, json (one document at the end), jsonl (one alert per line), ecs
    /// (one Elastic Common Schema document per line)
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: AuditOutput,

    /// Write the alerts to this file instead of stdout (written atomically at the end)
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Exit 1 when an alert is at or above this severity
    #[arg(long, value_enum, default_value = "info", value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Keep reading the file as it grows, across log rotation, until interrupted (one file;
    /// -o table, jsonl or ecs)
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// A pod, service or node network of the cluster (CIDR, or one address); repeatable, added
    /// to audit.clusterCIDRs of the configuration
    #[arg(long = "cluster-cidr", value_name = "CIDR", value_delimiter = ',')]
    pub cluster_cidrs: Vec<String>,

    /// Configuration file (default: .palisade.yaml in the current directory or a parent); its
    /// `audit:` section configures the audit rules
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .palisade.yaml
    #[arg(long)]
    pub no_config: bool,

    /// When to colour the table (NO_COLOR is honoured with auto)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditOutput {
    Table,
    Json,
    Jsonl,
    Ecs,
}

impl From<AuditOutput> for AuditFormat {
    fn from(format: AuditOutput) -> AuditFormat {
        match format {
            AuditOutput::Table => AuditFormat::Table,
            AuditOutput::Json => AuditFormat::Json,
            AuditOutput::Jsonl => AuditFormat::Jsonl,
            AuditOutput::Ecs => AuditFormat::Ecs,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Write the Roles, ClusterRoles and bindings that exactly cover what one user or service
    /// account did in the audit log (audit2rbac's job), as YAML ready to apply
    Rbac(AuditRbacArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["user", "serviceaccount"])))]
pub struct AuditRbacArgs {
    /// Audit log files (JSON lines, EventList, gzip) or `-` for stdin
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,

    /// The user whose requests to cover (the impersonated user where there was one)
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// The service account whose requests to cover
    #[arg(long, value_name = "NAMESPACE:NAME")]
    pub serviceaccount: Option<String>,

    /// Only requests in this namespace
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Write the YAML to this file instead of stdout (written atomically)
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct NodeArgs {
    /// Check a copy of a node's filesystem under DIR instead of this node
    #[arg(long, value_name = "DIR", conflicts_with = "kubeadm_config")]
    pub root: Option<PathBuf>,

    /// Check the node a kubeadm configuration (a file, or a directory such as the bundle of
    /// `palisade generate kubeadm`) would build, before the cluster exists
    #[arg(long, value_name = "PATH")]
    pub kubeadm_config: Option<PathBuf>,

    /// Only these checks (CIS ids such as 1.2.1, or sections such as 1.2; repeatable or comma-separated)
    #[arg(long = "check", value_name = "ID", value_delimiter = ',')]
    pub checks: Vec<String>,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,

    /// Write the report to this file instead of stdout (written atomically)
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Exit 1 when a check has this status or a worse one
    #[arg(long, value_enum, default_value = "fail", value_name = "STATUS")]
    pub fail_on: NodeFailOn,

    /// When to colour the table (NO_COLOR is honoured with auto)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NodeFailOn {
    /// A check that fails
    Fail,
    /// A check that fails or could not be decided
    Warn,
    /// Never fail because of results (what could not be read still exits 2)
    Never,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// A hardened kubeadm bundle (ClusterConfiguration, KubeletConfiguration, audit policy,
    /// admission and encryption configuration, README) that passes `palisade node`
    Kubeadm(GenerateKubeadmArgs),
}

#[derive(Args, Debug)]
pub struct GenerateKubeadmArgs {
    /// The directory to write the bundle to (created if missing)
    #[arg(long, value_name = "DIR")]
    pub output_dir: PathBuf,

    /// Replace files of an earlier bundle in DIR
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Sarif,
    Junit,
}

impl From<OutputFormat> for Format {
    fn from(format: OutputFormat) -> Format {
        match format {
            OutputFormat::Table => Format::Table,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Junit => Format::Junit,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail because of findings (input errors still exit 2)
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files, directories (searched recursively for .yaml, .yml and .json) or `-` for stdin;
    /// optional with --cluster (given both, files and cluster are judged together)
    #[arg(value_name = "PATH", required_unless_present = "cluster")]
    pub paths: Vec<String>,

    /// Scan the live cluster: list every kind the rules need through the Kubernetes API
    /// (read-only; Secrets as metadata only)
    #[arg(long, help_heading = "Live cluster")]
    pub cluster: bool,

    /// The kubeconfig file (default: the files of KUBECONFIG merged, else ~/.kube/config,
    /// else the in-cluster service account)
    #[arg(
        long,
        value_name = "FILE",
        requires = "cluster",
        help_heading = "Live cluster"
    )]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: its current-context)
    #[arg(
        long,
        value_name = "NAME",
        requires = "cluster",
        help_heading = "Live cluster"
    )]
    pub context: Option<String>,

    /// Only this namespace's objects (cluster-scoped kinds such as ClusterRoles are still read)
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        requires = "cluster",
        conflicts_with = "all_namespaces",
        help_heading = "Live cluster"
    )]
    pub namespace: Option<String>,

    /// Every namespace; the default, since the analysis is of the whole cluster
    #[arg(short = 'A', long, requires = "cluster", help_heading = "Live cluster")]
    pub all_namespaces: bool,

    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: OutputFormat,

    /// Write the report to this file instead of stdout (written atomically)
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value = "info", value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Configuration file (default: .palisade.yaml in the current directory or a parent)
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore any .palisade.yaml
    #[arg(long)]
    pub no_config: bool,

    /// When to colour the table (NO_COLOR is honoured with auto)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: RulesOutput,

    /// When to colour the output
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesOutput {
    Table,
    Json,
    Markdown,
}

impl From<RulesOutput> for RulesFormat {
    fn from(format: RulesOutput) -> RulesFormat {
        match format {
            RulesOutput::Table => RulesFormat::Table,
            RulesOutput::Json => RulesFormat::Json,
            RulesOutput::Markdown => RulesFormat::Markdown,
        }
    }
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule's name, as `palisade rules` lists it
    pub rule: String,

    /// When to colour the output
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for wrong in ["", "s", "ten seconds", "10d", "-1s", "1e999s", "1..2s"] {
            assert!(parse_duration(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn workers_are_the_blocking_pool_or_a_bound() {
        assert_eq!(
            parse_workers("spawn-blocking"),
            Ok(WorkerPool::SpawnBlocking)
        );
        assert_eq!(parse_workers("4"), Ok(WorkerPool::Bounded(4)));
        assert!(parse_workers("0").is_err());
        assert!(parse_workers("many").is_err());
    }
}
