//! ## What it does
//!
//! Finds Services of `type: LoadBalancer`, and says how far they are open:
//!
//! - **medium** when any address may connect: no `spec.loadBalancerSourceRanges` (nor the older
//!   `service.beta.kubernetes.io/load-balancer-source-ranges` annotation, which Kubernetes reads
//!   only when the field is empty), a range open to everyone such as `0.0.0.0/0` or `::/0`
//!   (or ranges that together cover every address), or a range that is not a CIDR at all;
//! - **low** when every range is restricted, or when the load balancer is annotated as internal
//!   to the cloud network: `networking.gke.io/load-balancer-type: Internal` (and the older
//!   `cloud.google.com/load-balancer-type`), `service.beta.kubernetes.io/aws-load-balancer-internal`
//!   (any value but `false`, as the AWS provider reads it),
//!   `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`,
//!   `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`,
//!   `service.beta.kubernetes.io/openstack-internal-load-balancer: "true"`,
//!   `service.beta.kubernetes.io/oci-load-balancer-internal: "true"`,
//!   `service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: private` and
//!   `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: intranet`. An internal
//!   load balancer is still reachable from the whole cloud network (other clusters, VMs, peered
//!   networks, VPNs), which is why it stays a finding.
//!
//! Ranges are read as Kubernetes reads them: surrounding spaces are allowed, and IPv4 octets may
//! have leading zeros (`010.0.0.0/8` is `10.0.0.0/8`).
//!
//! ## Why is this bad?
//!
//! The cloud provider gives a LoadBalancer Service an address that, unless told otherwise, is on
//! the internet. Every end user (and every scanner) can then reach the workload and probe it for
//! vulnerabilities, guess its passwords or flood it, whether or not it was meant for them.
//! Management interfaces, databases and internal APIs exposed this way are a classic way in.
//! `loadBalancerSourceRanges` makes the provider's firewall accept only the listed client
//! networks.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: admin
//! spec:
//!   type: LoadBalancer
//!   selector:
//!     app: admin
//!   ports:
//!     - port: 443
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   type: LoadBalancer
//!   loadBalancerSourceRanges:
//!     - 203.0.113.0/24   # the office network
//!   selector:
//!     app: admin
//!   ports:
//!     - port: 443
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/services-networking/service/#loadbalancer;
//!   tasks/access-application-cluster/configure-cloud-provider-firewall/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - MITRE ATT&CK T1190 Exploit Public-Facing Application

use std::net::Ipv6Addr;

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use palisade_model::{Node, Object, Pointer};

use crate::network::common::{is_service, listing};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "load-balancer-service",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:concepts/services-networking/service/#loadbalancer",
            "k8s-docs:tasks/access-application-cluster/configure-cloud-provider-firewall/",
            "nsa-cisa:network-separation",
            "mitre:T1190",
        ],
        summary: "Service of type LoadBalancer is reachable from outside the cluster",
        fix: "Set `spec.loadBalancerSourceRanges` to the client networks that need the service (never 0.0.0.0/0 or ::/0), use an internal load balancer, or use `type: ClusterIP` behind an Ingress.",
    },
    check: Check::Object(check),
};

/// The annotation Kubernetes reads when `spec.loadBalancerSourceRanges` is empty.
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// An annotation, and whether a value of it says yes.
type AnnotationTest = (&'static str, fn(&str) -> bool);

/// How the cloud providers are told to make a load balancer internal: the annotation and
/// whether its value means "internal".
const INTERNAL_ANNOTATIONS: &[AnnotationTest] = &[
    ("networking.gke.io/load-balancer-type", is_internal_word),
    ("cloud.google.com/load-balancer-type", is_internal_word),
    // The AWS provider reads any value but "false" as internal (old documentation used
    // "0.0.0.0/0" as the value).
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        is_not_false,
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        is_internal_word,
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        is_true,
    ),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        is_true,
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        is_true,
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        |value| value.trim().eq_ignore_ascii_case("private"),
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        |value| value.trim().eq_ignore_ascii_case("intranet"),
    ),
];

fn is_internal_word(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("internal")
}

fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

fn is_not_false(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && !value.eq_ignore_ascii_case("false")
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if !is_service(object) {
        return;
    }
    let Some(spec) = object.root.get("spec") else {
        return;
    };
    if spec.get("type").and_then(Node::as_str) != Some("LoadBalancer") {
        return;
    }
    let type_path = Pointer::root().keys(&["spec", "type"]);

    if let Some((key, value)) = internal_annotation(object) {
        out.report(
            &type_path,
            format_args!(
                "Service of type LoadBalancer is internal to the cloud network ({key}: {value}): not on the internet, but reachable from every machine of that network"
            ),
        )
        .severity = Severity::Low;
        return;
    }

    let ranges = source_ranges(object, spec);
    if ranges.is_empty() {
        out.report(
            &type_path,
            "Service of type LoadBalancer accepts connections from any address: it sets no spec.loadBalancerSourceRanges",
        );
        return;
    }
    let origin = ranges[0].origin;

    if let Some(bad) = ranges.iter().find(|range| range.cidr.is_none()) {
        out.report(
            &bad.path,
            format_args!(
                "Service of type LoadBalancer has the source range {:?} in {origin}, which is not an IP range (CIDR such as 10.0.0.0/8): the API server rejects it, and nothing restricts who may connect",
                bad.text
            ),
        );
        return;
    }

    let parsed: Vec<(Cidr, &SourceRange)> = ranges
        .iter()
        .filter_map(|range| range.cidr.map(|cidr| (cidr, range)))
        .collect();
    if let Some((_, everyone)) = parsed.iter().find(|(cidr, _)| cidr.prefix == 0) {
        out.report(
            &everyone.path,
            format_args!(
                "Service of type LoadBalancer accepts connections from everyone: {origin} contains {}",
                everyone.text.trim()
            ),
        );
        return;
    }
    for family in [Family::V4, Family::V6] {
        let of_family: Vec<&(Cidr, &SourceRange)> = parsed
            .iter()
            .filter(|(cidr, _)| cidr.family == family)
            .collect();
        let cidrs: Vec<Cidr> = of_family.iter().map(|(cidr, _)| *cidr).collect();
        if covers_every_address(&cidrs, family) {
            let texts: Vec<String> = of_family
                .iter()
                .map(|(_, range)| range.text.trim().to_string())
                .collect();
            out.report(
                &of_family[0].1.path,
                format_args!(
                    "Service of type LoadBalancer accepts connections from everyone: the ranges of {origin} ({}) together cover every {} address",
                    listing(&texts),
                    family.name()
                ),
            );
            return;
        }
    }

    let texts: Vec<String> = ranges
        .iter()
        .map(|range| range.text.trim().to_string())
        .collect();
    out.report(
        &type_path,
        format_args!(
            "Service of type LoadBalancer is reachable from outside the cluster, restricted to the source ranges {} ({origin})",
            listing(&texts)
        ),
    )
    .severity = Severity::Low;
}

/// The first annotation that makes the load balancer internal, with its value.
fn internal_annotation(object: &Object) -> Option<(&'static str, String)> {
    let annotations = object.annotations()?;
    INTERNAL_ANNOTATIONS
        .iter()
        .find_map(|(key, means_internal)| {
            let value = annotations.get(key)?;
            // Annotation values must be strings; an unquoted `true` is read for what it says.
            let text = match value.as_str() {
                Some(text) => text.to_string(),
                None if value.as_bool().is_some() => value.display_value(),
                None => return None,
            };
            means_internal(&text).then_some((*key, text))
        })
}

/// One written source range, where it is, and what it parses to.
struct SourceRange<'a> {
    text: &'a str,
    path: Pointer,
    cidr: Option<Cidr>,
    origin: &'static str,
}

/// The source ranges Kubernetes applies: the field when it lists any, else the annotation
/// (comma-separated). Empty when neither restricts anything.
fn source_ranges<'a>(object: &'a Object, spec: &'a Node) -> Vec<SourceRange<'a>> {
    let field_path = Pointer::root().keys(&["spec", "loadBalancerSourceRanges"]);
    let from_field: Vec<SourceRange> = spec
        .get("loadBalancerSourceRanges")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let text = item.as_str().unwrap_or("");
            SourceRange {
                text,
                path: field_path.index(index),
                cidr: Cidr::parse(text),
                origin: "spec.loadBalancerSourceRanges",
            }
        })
        .collect();
    if !from_field.is_empty() {
        return from_field;
    }
    let Some(value) = object.annotation(SOURCE_RANGES_ANNOTATION) else {
        return Vec::new();
    };
    // An empty annotation means Kubernetes' default, 0.0.0.0/0: no restriction.
    if value.trim().is_empty() {
        return Vec::new();
    }
    let path = Pointer::root().keys(&["metadata", "annotations", SOURCE_RANGES_ANNOTATION]);
    value
        .split(',')
        .map(|text| SourceRange {
            text,
            path: path.clone(),
            cidr: Cidr::parse(text),
            origin: "the annotation service.beta.kubernetes.io/load-balancer-source-ranges",
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// An IP range: the first address (host bits cleared) and the prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    family: Family,
    start: u128,
    prefix: u32,
}

impl Cidr {
    /// Parses a CIDR as Kubernetes validates source ranges (`ParseCIDRSloppy` after trimming
    /// spaces): host bits may be set, IPv4 octets may have leading zeros. IPv4-mapped IPv6
    /// ranges (`::ffff:10.0.0.0/104`) are read as the IPv4 range they contain.
    fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.trim().split_once('/')?;
        let prefix = decimal(prefix)?;
        let (family, value) = if address.contains(':') {
            let value = u128::from(address.parse::<Ipv6Addr>().ok()?);
            (Family::V6, value)
        } else {
            (Family::V4, u128::from(parse_ipv4_sloppy(address)?))
        };
        if prefix > family.bits() {
            return None;
        }
        let cidr = Cidr {
            family,
            start: value & mask(family, prefix),
            prefix,
        };
        Some(cidr.unmapped())
    }

    /// `::ffff:a.b.c.d/96+n` is the IPv4 range `a.b.c.d/n`.
    fn unmapped(self) -> Cidr {
        const MAPPED: u128 = 0xffff << 32;
        if self.family == Family::V6 && self.prefix >= 96 && self.start >> 32 == MAPPED >> 32 {
            Cidr {
                family: Family::V4,
                start: self.start & u128::from(u32::MAX),
                prefix: self.prefix - 96,
            }
        } else {
            self
        }
    }

    /// The last address of the range.
    fn end(self) -> u128 {
        self.start | (!mask(self.family, self.prefix) & max_address(self.family))
    }
}

fn max_address(family: Family) -> u128 {
    match family {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    }
}

/// The network mask of `prefix` bits in the family's address width.
fn mask(family: Family, prefix: u32) -> u128 {
    let host_bits = family.bits() - prefix;
    let all = max_address(family);
    if host_bits >= 128 {
        0
    } else {
        all & !((1u128 << host_bits) - 1)
    }
}

/// An IPv4 address with Kubernetes' sloppy rules: four decimal octets, leading zeros allowed
/// (and read as decimal, not octal).
fn parse_ipv4_sloppy(text: &str) -> Option<u32> {
    let mut value: u32 = 0;
    let mut octets = 0;
    for part in text.split('.') {
        let octet = decimal(part)?;
        if octet > 255 {
            return None;
        }
        value = (value << 8) | octet;
        octets += 1;
        if octets > 4 {
            return None;
        }
    }
    (octets == 4).then_some(value)
}

/// A decimal number of ASCII digits as Go's address parser reads it: leading zeros allowed,
/// nothing else (no sign, no spaces). `None` above 999, which no octet or prefix reaches.
fn decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = text.trim_start_matches('0');
    if significant.len() > 3 {
        return None;
    }
    if significant.is_empty() {
        return Some(0);
    }
    significant.parse().ok()
}

/// Whether the ranges of one family together cover every address of it.
fn covers_every_address(ranges: &[Cidr], family: Family) -> bool {
    let mut spans: Vec<(u128, u128)> = ranges
        .iter()
        .filter(|cidr| cidr.family == family)
        .map(|cidr| (cidr.start, cidr.end()))
        .collect();
    spans.sort_unstable();
    let mut next_uncovered: u128 = 0;
    for (start, end) in spans {
        if start > next_uncovered {
            return false;
        }
        if end >= next_uncovered {
            if end == max_address(family) {
                return true;
            }
            next_uncovered = end + 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn parses_ranges_as_kubernetes_does() {
        assert_eq!(
            cidr("10.0.0.0/8"),
            Cidr {
                family: Family::V4,
                start: 10 << 24,
                prefix: 8
            }
        );
        // Host bits set, spaces around, leading zeros.
        assert_eq!(cidr(" 10.1.2.3/8 "), cidr("10.0.0.0/8"));
        assert_eq!(cidr("010.000.000.001/32").start, (10 << 24) + 1);
        assert_eq!(cidr("0.0.0.0/0").prefix, 0);
        assert_eq!(cidr("10.0.0.0/0008").prefix, 8);
        assert_eq!(cidr("0000000010.0.0.0/8"), cidr("10.0.0.0/8"));
        assert_eq!(cidr("10.0.0.0/0").start, 0);
        assert_eq!(cidr("::/0").family, Family::V6);
        assert_eq!(cidr("2001:db8::/32").prefix, 32);
        assert_eq!(cidr("::ffff:10.0.0.0/104"), cidr("10.0.0.0/8"));
        assert_eq!(cidr("::ffff:0:0/96"), cidr("0.0.0.0/0"));
    }

    #[test]
    fn rejects_what_is_not_a_range() {
        for text in [
            "",
            "/",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0.0/8",
            "256.0.0.0/8",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "ten.0.0.0/8",
            "fe80::1%eth0/64",
            "１０.0.0.0/8",
            "10.0.0.0/1000",
            "*",
        ] {
            assert_eq!(Cidr::parse(text), None, "{text:?}");
        }
        let huge = "1".repeat(100_000);
        assert_eq!(Cidr::parse(&format!("{huge}.0.0.0/8")), None);
        assert_eq!(Cidr::parse(&format!("10.0.0.0/{huge}")), None);
    }

    #[test]
    fn coverage_of_the_whole_address_space() {
        let all = |texts: &[&str], family| {
            let ranges: Vec<Cidr> = texts.iter().map(|t| cidr(t)).collect();
            covers_every_address(&ranges, family)
        };
        assert!(all(&["0.0.0.0/0"], Family::V4));
        assert!(all(&["128.0.0.0/1", "0.0.0.0/1"], Family::V4));
        assert!(all(
            &["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1", "10.0.0.0/8"],
            Family::V4
        ));
        assert!(!all(&["0.0.0.0/1", "192.0.0.0/2"], Family::V4));
        assert!(!all(&["10.0.0.0/8"], Family::V4));
        assert!(!all(&["0.0.0.0/0"], Family::V6));
        assert!(all(&["::/1", "8000::/1"], Family::V6));
        assert!(!all(&[], Family::V4));
        assert_eq!(cidr("255.255.255.255/32").end(), u128::from(u32::MAX));
        assert_eq!(cidr("::/0").end(), u128::MAX);
    }

    fn service(extra_spec: &str, annotations: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    x: y\n{annotations}spec:\n  type: LoadBalancer\n{extra_spec}"
        )
    }

    fn verdict(yaml: &str) -> Vec<(Severity, String)> {
        findings(&RULE, yaml)
            .into_iter()
            .map(|f| (f.severity, f.path.to_string()))
            .collect()
    }

    #[test]
    fn severity_follows_the_source_ranges() {
        assert_eq!(
            verdict(&service("", "")),
            [(Severity::Medium, "/spec/type".to_string())]
        );
        assert_eq!(
            verdict(&service(
                "  loadBalancerSourceRanges: [10.0.0.0/8, \"::/0\"]\n",
                ""
            )),
            [(
                Severity::Medium,
                "/spec/loadBalancerSourceRanges/1".to_string()
            )]
        );
        assert_eq!(
            verdict(&service(
                "  loadBalancerSourceRanges: [10.0.0.0/8, 2001:db8::/32]\n",
                ""
            )),
            [(Severity::Low, "/spec/type".to_string())]
        );
        // The annotation counts only when the field is empty.
        assert_eq!(
            verdict(&service(
                "  loadBalancerSourceRanges: [10.0.0.0/8]\n",
                "    service.beta.kubernetes.io/load-balancer-source-ranges: 0.0.0.0/0\n"
            )),
            [(Severity::Low, "/spec/type".to_string())]
        );
        assert_eq!(
            verdict(&service(
                "  loadBalancerSourceRanges: []\n",
                "    service.beta.kubernetes.io/load-balancer-source-ranges: \"10.0.0.0/8, 0.0.0.0/0\"\n"
            )),
            [(
                Severity::Medium,
                "/metadata/annotations/service.beta.kubernetes.io~1load-balancer-source-ranges"
                    .to_string()
            )]
        );
        assert_eq!(
            verdict(&service(
                "",
                "    service.beta.kubernetes.io/load-balancer-source-ranges: \"  \"\n"
            )),
            [(Severity::Medium, "/spec/type".to_string())]
        );
        assert_eq!(
            verdict(&service(
                "  loadBalancerSourceRanges: [10.0.0.0/8, office]\n",
                ""
            )),
            [(
                Severity::Medium,
                "/spec/loadBalancerSourceRanges/1".to_string()
            )]
        );
    }

    #[test]
    fn internal_load_balancers_are_low() {
        for annotation in [
            "networking.gke.io/load-balancer-type: Internal",
            "cloud.google.com/load-balancer-type: internal",
            "service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"",
            "service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0",
            "service.beta.kubernetes.io/aws-load-balancer-scheme: internal",
            "service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"",
            "service.beta.kubernetes.io/azure-load-balancer-internal: true",
        ] {
            assert_eq!(
                verdict(&service("", &format!("    {annotation}\n"))),
                [(Severity::Low, "/spec/type".to_string())],
                "{annotation}"
            );
        }
        for annotation in [
            "service.beta.kubernetes.io/aws-load-balancer-internal: \"false\"",
            "service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing",
            "service.beta.kubernetes.io/azure-load-balancer-internal: \"false\"",
            "networking.gke.io/load-balancer-type: External",
            "networking.gke.io/load-balancer-type: [Internal]",
        ] {
            assert_eq!(
                verdict(&service("", &format!("    {annotation}\n"))),
                [(Severity::Medium, "/spec/type".to_string())],
                "{annotation}"
            );
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for spec in [
            "  loadBalancerSourceRanges: null\n",
            "  loadBalancerSourceRanges: 10.0.0.0/8\n",
            "  loadBalancerSourceRanges: [null, 7, {a: b}]\n",
            "  loadBalancerSourceRanges: [\"\"]\n",
        ] {
            let found = verdict(&service(spec, ""));
            assert_eq!(found.len(), 1, "{spec}");
            assert_eq!(found[0].0, Severity::Medium, "{spec}");
        }
    }
}
