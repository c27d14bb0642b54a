//! `palisade netpol check` and `palisade netpol matrix`: load, build the NetworkPolicy model,
//! answer, render. The analysis is in palisade-rules (`network::netpol`).

use std::io;
use std::net::IpAddr;

use palisade_load::{Input, Limits, load_inputs};
use palisade_model::{InputError, Inventory, Object};
use palisade_rules::Config;
use palisade_rules::network::netpol::cni::{self, DetectedCni, Encryption, Enforcement};
use palisade_rules::network::netpol::{
    Cluster, ConnSet, Direction, Endpoint, HostNetwork, Options, Protocol, RuleRef, Side,
    SideStatus, Verdict,
};
use serde_json::{Value, json};

use crate::cli::{
    HostNetworkChoice, NetpolCheckArgs, NetpolCommon, NetpolMatrixArgs, NetpolMatrixOutput,
    NetpolOutput,
};
use crate::output::{EXIT_CLEAN, EXIT_ERROR, write_report};
use crate::scan::{find_config, load_config};

/// `check`: allowed.
const EXIT_ALLOWED: u8 = 0;
/// `check`: denied.
const EXIT_DENIED: u8 = 1;

/// What the inputs yielded: the inventory and the errors of loading it.
struct Loaded {
    inventory: Inventory,
    config: Config,
    errors: Vec<InputError>,
}

fn load(common: &NetpolCommon) -> Result<Loaded, String> {
    let config = match find_config(common.config.as_deref(), common.no_config) {
        Some(path) => load_config(&path).map_err(|m| format!("invalid configuration: {m}"))?,
        None => Config::default(),
    };
    let inputs: Vec<Input> = common.paths.iter().map(|p| Input::parse(p)).collect();
    let loaded = load_inputs(&inputs, &mut io::stdin(), &Limits::default());
    Ok(Loaded {
        inventory: Inventory::from_objects(loaded.objects),
        config,
        errors: loaded.errors,
    })
}

fn options(common: &NetpolCommon) -> Options {
    Options {
        host_network: match common.host_network {
            HostNetworkChoice::Node => HostNetwork::Node,
            HostNetworkChoice::Pod => HostNetwork::Pod,
        },
    }
}

/// `file:line:column` of a field of an object, or its identity when it came from no file.
fn location(object: &Object, path: &str) -> String {
    match object.location(path) {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => format!("{}", object.reference()),
    }
}

/// The warnings of the model: parts of policies the API server would reject.
fn warnings(cluster: &Cluster) -> Vec<String> {
    cluster
        .problems
        .iter()
        .map(|p| {
            format!(
                "{}: {} {}: {}",
                location(p.object, p.path.as_str()),
                p.object.kind,
                p.object.name,
                p.message
            )
        })
        .collect()
}

/// `--from`/`--to`: an IP address, or a workload of the input.
fn endpoint(cluster: &Cluster, text: &str) -> Result<Endpoint, String> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(Endpoint::address(address));
    }
    cluster.find_workload(text).map(Endpoint::Workload)
}

/// The port to check: a number or a named port of the destination, and its protocol.
fn port(
    cluster: &Cluster,
    destination: &Endpoint,
    text: &str,
) -> Result<(u16, Protocol, Option<String>), String> {
    let (port, protocol) = match text.split_once('/') {
        Some((port, protocol)) => {
            let parsed = Protocol::parse_loose(protocol)
                .ok_or_else(|| format!("unknown protocol {protocol:?} (tcp, udp or sctp)"))?;
            (port, Some(parsed))
        }
        None => (text, None),
    };
    if let Ok(number) = port.parse::<u16>() {
        if number == 0 {
            return Err("port 0 is not a port (1-65535)".into());
        }
        return Ok((number, protocol.unwrap_or(Protocol::Tcp), None));
    }
    if port.parse::<i64>().is_ok() {
        return Err(format!("port {port} is outside 1-65535"));
    }
    let Endpoint::Workload(id) = destination else {
        return Err(format!(
            "the named port {port:?} needs a workload as destination: an address outside the cluster has no port names"
        ));
    };
    let workload = &cluster.workloads[*id];
    let found: Vec<_> = workload
        .ports
        .iter()
        .filter(|p| p.name.as_deref() == Some(port) && protocol.is_none_or(|x| x == p.protocol))
        .collect();
    match found.as_slice() {
        [one] => Ok((one.number, one.protocol, Some(port.to_string()))),
        [] => Err(format!(
            "{} declares no container port named {port:?}{}",
            workload.display_name(cluster),
            protocol.map(|p| format!(" for {p}")).unwrap_or_default()
        )),
        _ => Err(format!(
            "{} declares the port name {port:?} for several protocols: add /tcp, /udp or /sctp",
            workload.display_name(cluster)
        )),
    }
}

fn endpoint_name(cluster: &Cluster, endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Workload(id) => {
            let w = &cluster.workloads[*id];
            format!("{} ({})", w.display_name(cluster), w.object.kind)
        }
        Endpoint::External(range) if range.start == range.end => range.first_address().to_string(),
        Endpoint::External(range) => range.to_string(),
    }
}

fn endpoint_json(cluster: &Cluster, endpoint: &Endpoint) -> Value {
    match endpoint {
        Endpoint::Workload(id) => {
            let w = &cluster.workloads[*id];
            json!({
                "kind": w.object.kind,
                "namespace": cluster.namespaces[w.namespace].name,
                "name": w.object.name,
            })
        }
        Endpoint::External(range) => json!({ "address": range.first_address().to_string() }),
    }
}

fn rule_path(rule: &RuleRef) -> String {
    format!("/spec/{}/{}", rule.direction.field(), rule.rule)
}

fn status_name(status: &SideStatus) -> &'static str {
    match status {
        SideStatus::NotIsolated => "not-isolated",
        SideStatus::Isolated => "isolated",
        SideStatus::External => "external",
        SideStatus::HostNetwork => "host-network",
    }
}

fn side_json(cluster: &Cluster, side: &Side) -> Value {
    json!({
        "status": status_name(&side.status),
        "allowed": side.allowed,
        "isolatedBy": side.isolating.iter().map(|&id| cluster.policies[id].display_name()).collect::<Vec<_>>(),
        "allowedBy": side.allowing.iter().map(|rule| {
            let policy = &cluster.policies[rule.policy];
            json!({
                "policy": policy.display_name(),
                "direction": rule.direction.as_str(),
                "rule": rule.rule,
                "path": rule_path(rule),
                "location": location(policy.object, &rule_path(rule)),
            })
        }).collect::<Vec<_>>(),
    })
}

fn side_text(cluster: &Cluster, side: &Side, direction: Direction, subject: &str) -> String {
    let what = match direction {
        Direction::Egress => "egress",
        Direction::Ingress => "ingress",
    };
    let names = |ids: &[usize]| {
        ids.iter()
            .map(|&id| cluster.policies[id].display_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let body = match side.status {
        SideStatus::External => {
            "an address outside the cluster: NetworkPolicy does not govern it".to_string()
        }
        SideStatus::HostNetwork => {
            "a hostNetwork pod: NetworkPolicy does not apply to it (its traffic is the node's)"
                .to_string()
        }
        SideStatus::NotIsolated => {
            format!("no NetworkPolicy selects it for {what}: everything is allowed")
        }
        SideStatus::Isolated => {
            let noun = if side.isolating.len() == 1 {
                "NetworkPolicy"
            } else {
                "NetworkPolicies"
            };
            let isolated = format!("isolated by {noun} {}", names(&side.isolating));
            if side.allowing.is_empty() {
                format!("{isolated}; no {what} rule of theirs allows this connection")
            } else {
                let rules: Vec<String> = side
                    .allowing
                    .iter()
                    .map(|rule| {
                        let policy = &cluster.policies[rule.policy];
                        format!(
                            "{} {what} rule {} ({})",
                            policy.display_name(),
                            rule.rule,
                            location(policy.object, &rule_path(rule))
                        )
                    })
                    .collect();
                format!("{isolated}; allowed by {}", rules.join(", "))
            }
        }
    };
    let verdict = if side.allowed { "allows" } else { "denies" };
    format!("  {what} of {subject} {verdict}: {body}")
}

fn print_warnings(warnings: &[String], errors: &[InputError]) {
    for warning in warnings {
        eprintln!("palisade: warning: {warning}");
    }
    for error in errors {
        eprintln!("palisade: {error}");
    }
}

pub fn check(arguments: &NetpolCheckArgs) -> u8 {
    let loaded = match load(&arguments.common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("palisade: {message}");
            return EXIT_ERROR;
        }
    };
    let cluster = Cluster::build_with(
        &loaded.inventory,
        &loaded.config,
        options(&arguments.common),
    );
    let warnings = warnings(&cluster);
    let resolved = endpoint(&cluster, &arguments.from)
        .map_err(|m| format!("--from: {m}"))
        .and_then(|source| {
            let destination =
                endpoint(&cluster, &arguments.to).map_err(|m| format!("--to: {m}"))?;
            let port = port(&cluster, &destination, &arguments.port)
                .map_err(|m| format!("--port: {m}"))?;
            Ok((source, destination, port))
        });
    let (source, destination, (number, protocol, named)) = match resolved {
        Ok(resolved) => resolved,
        Err(message) => {
            print_warnings(&warnings, &loaded.errors);
            eprintln!("palisade: {message}");
            return EXIT_ERROR;
        }
    };
    let verdict: Verdict = cluster.check(&source, &destination, protocol, number);
    let port_text = match &named {
        Some(name) => format!("port {name} ({number}/{protocol})"),
        None => format!("{number}/{protocol}"),
    };
    let written = write_report(None, |out| match arguments.output {
        NetpolOutput::Json => {
            let document = json!({
                "allowed": verdict.allowed,
                "from": endpoint_json(&cluster, &source),
                "to": endpoint_json(&cluster, &destination),
                "port": number,
                "protocol": protocol.as_str(),
                "namedPort": named,
                "egress": side_json(&cluster, &verdict.egress),
                "ingress": side_json(&cluster, &verdict.ingress),
                "warnings": warnings,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&document).unwrap_or_default()
            )
        }
        NetpolOutput::Text => {
            let (from, to) = (
                endpoint_name(&cluster, &source),
                endpoint_name(&cluster, &destination),
            );
            writeln!(
                out,
                "{}: {from} -> {to} on {port_text}",
                if verdict.allowed { "allowed" } else { "denied" }
            )?;
            writeln!(
                out,
                "{}",
                side_text(&cluster, &verdict.egress, Direction::Egress, &from)
            )?;
            writeln!(
                out,
                "{}",
                side_text(&cluster, &verdict.ingress, Direction::Ingress, &to)
            )
        }
    });
    print_warnings(&warnings, &loaded.errors);
    if let Err(message) = written {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    if !loaded.errors.is_empty() {
        return EXIT_ERROR;
    }
    if verdict.allowed {
        EXIT_ALLOWED
    } else {
        EXIT_DENIED
    }
}

/// One line of the matrix.
struct Row {
    from: String,
    to: String,
    conns: ConnSet,
}

/// `Calico (enforces NetworkPolicy; encryption: off)`.
fn plugin_text(plugin: &DetectedCni) -> String {
    let enforces = match plugin.enforcement {
        Enforcement::Yes => "enforces NetworkPolicy",
        Enforcement::No(_) => "does not enforce NetworkPolicy",
    };
    format!(
        "{} ({enforces}; encryption: {})",
        plugin.cni.name(),
        encryption_text(&plugin.encryption)
    )
}

fn encryption_text(encryption: &Encryption) -> String {
    match encryption {
        Encryption::On { how, .. } => format!("on, {how}"),
        Encryption::Off { .. } => "off".into(),
        Encryption::Unknown => "not known".into(),
    }
}

fn workload_label(cluster: &Cluster, id: usize) -> String {
    let w = &cluster.workloads[id];
    format!("{}[{}]", w.display_name(cluster), w.object.kind)
}

pub fn matrix(arguments: &NetpolMatrixArgs) -> u8 {
    let loaded = match load(&arguments.common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("palisade: {message}");
            return EXIT_ERROR;
        }
    };
    let cluster = Cluster::build_with(
        &loaded.inventory,
        &loaded.config,
        options(&arguments.common),
    );
    let warnings = warnings(&cluster);
    let plugins = cni::detect(&loaded.inventory, &loaded.config);
    let count = cluster.workloads.len();
    let mut rows: Vec<Row> = Vec::new();
    for source in 0..count {
        for destination in 0..count {
            if source == destination {
                continue;
            }
            let conns = cluster.connections(
                &Endpoint::Workload(source),
                &Endpoint::Workload(destination),
            );
            if !conns.is_empty() {
                rows.push(Row {
                    from: workload_label(&cluster, source),
                    to: workload_label(&cluster, destination),
                    conns,
                });
            }
        }
    }
    if !arguments.no_external {
        let atoms = cluster.external_atoms();
        for id in 0..count {
            for atom in &atoms {
                let outside = Endpoint::External(*atom);
                let inside = Endpoint::Workload(id);
                let incoming = cluster.connections(&outside, &inside);
                if !incoming.is_empty() {
                    rows.push(Row {
                        from: format!("{atom}[External]"),
                        to: workload_label(&cluster, id),
                        conns: incoming,
                    });
                }
                let outgoing = cluster.connections(&inside, &outside);
                if !outgoing.is_empty() {
                    rows.push(Row {
                        from: workload_label(&cluster, id),
                        to: format!("{atom}[External]"),
                        conns: outgoing,
                    });
                }
            }
        }
    }
    rows.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    let written = write_report(arguments.output_file.as_deref(), |out| {
        match arguments.output {
            NetpolMatrixOutput::Json => {
                let workloads: Vec<Value> = cluster
                    .workloads
                    .iter()
                    .enumerate()
                    .map(|(id, w)| {
                        json!({
                            "name": workload_label(&cluster, id),
                            "kind": w.object.kind,
                            "namespace": cluster.namespaces[w.namespace].name,
                            "workload": w.object.name,
                            "hostNetwork": w.host_network,
                            "ingressIsolated": !w.ingress_policies.is_empty(),
                            "egressIsolated": !w.egress_policies.is_empty(),
                        })
                    })
                    .collect();
                let connections: Vec<Value> = rows
                .iter()
                .map(|row| {
                    let ports = |p: Protocol| {
                        row.conns
                            .ports(p)
                            .ranges()
                            .iter()
                            .map(|&(s, e)| json!([s, e]))
                            .collect::<Vec<_>>()
                    };
                    json!({
                        "from": row.from,
                        "to": row.to,
                        "connections": row.conns.to_string(),
                        "all": row.conns.is_all(),
                        "ports": {"TCP": ports(Protocol::Tcp), "UDP": ports(Protocol::Udp), "SCTP": ports(Protocol::Sctp)},
                    })
                })
                .collect();
                let plugins: Vec<Value> = plugins
                    .iter()
                    .map(|p| {
                        json!({
                            "name": p.cni.name(),
                            "enforcesNetworkPolicy": p.enforcement == Enforcement::Yes,
                            "encryption": encryption_text(&p.encryption),
                        })
                    })
                    .collect();
                let document = json!({
                    "workloads": workloads,
                    "policies": cluster.policies.len(),
                    "networkPlugins": plugins,
                    "connections": connections,
                    "warnings": warnings,
                });
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&document).unwrap_or_default()
                )
            }
            NetpolMatrixOutput::Table => {
                let width_from = rows.iter().map(|r| r.from.len()).max().unwrap_or(0).max(4);
                let width_to = rows.iter().map(|r| r.to.len()).max().unwrap_or(0).max(2);
                writeln!(
                    out,
                    "{:<width_from$}  {:<width_to$}  CONNECTIONS",
                    "FROM", "TO"
                )?;
                for row in &rows {
                    writeln!(
                        out,
                        "{:<width_from$}  {:<width_to$}  {}",
                        row.from, row.to, row.conns
                    )?;
                }
                let pairs = rows
                    .iter()
                    .filter(|r| !r.from.ends_with("[External]") && !r.to.ends_with("[External]"))
                    .count();
                writeln!(
                    out,
                    "\n{count} workload{}, {} NetworkPolic{}; {pairs} of {} ordered workload pairs can connect",
                    if count == 1 { "" } else { "s" },
                    cluster.policies.len(),
                    if cluster.policies.len() == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    count * count.saturating_sub(1)
                )?;
                if plugins.is_empty() {
                    writeln!(
                        out,
                        "network plugin: none in the input (whether policies are enforced depends on the cluster's)"
                    )
                } else {
                    let described: Vec<String> = plugins.iter().map(plugin_text).collect();
                    writeln!(out, "network plugin: {}", described.join(", "))
                }
            }
        }
    });
    print_warnings(&warnings, &loaded.errors);
    if let Err(message) = written {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    if loaded.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}
