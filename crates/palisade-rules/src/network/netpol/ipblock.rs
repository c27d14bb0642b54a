//! `ipBlock` peers: a CIDR with `except` CIDRs, and ranges of addresses outside the cluster.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// IPv4 or IPv6: ranges never mix them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }
}

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange {
    pub family: Family,
    pub start: u128,
    pub end: u128,
}

impl IpRange {
    /// Every address of a family (`0.0.0.0/0`, `::/0`).
    pub fn everything(family: Family) -> IpRange {
        IpRange {
            family,
            start: 0,
            end: family.max(),
        }
    }

    pub fn of_net(net: &IpNet) -> IpRange {
        match net {
            IpNet::V4(net) => IpRange {
                family: Family::V4,
                start: u128::from(u32::from(net.network())),
                end: u128::from(u32::from(net.broadcast())),
            },
            IpNet::V6(net) => IpRange {
                family: Family::V6,
                start: u128::from(net.network()),
                end: u128::from(net.broadcast()),
            },
        }
    }

    pub fn single(address: IpAddr) -> IpRange {
        let (family, value) = address_value(address);
        IpRange {
            family,
            start: value,
            end: value,
        }
    }

    pub fn contains(&self, family: Family, value: u128) -> bool {
        self.family == family && self.start <= value && value <= self.end
    }

    pub fn contains_range(&self, other: &IpRange) -> bool {
        self.family == other.family && self.start <= other.start && other.end <= self.end
    }

    pub fn overlaps(&self, other: &IpRange) -> bool {
        self.family == other.family && self.start <= other.end && other.start <= self.end
    }

    pub fn first_address(&self) -> IpAddr {
        value_address(self.family, self.start)
    }
}

impl fmt::Display for IpRange {
    /// `10.0.0.0-10.255.255.255`, as netpol-analyzer prints ranges.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            value_address(self.family, self.start),
            value_address(self.family, self.end)
        )
    }
}

pub fn address_value(address: IpAddr) -> (Family, u128) {
    match address {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            // `::ffff:10.0.0.1` is the IPv4 address, as the kernel treats it.
            Some(v4) => (Family::V4, u128::from(u32::from(v4))),
            None => (Family::V6, u128::from(v6)),
        },
    }
}

fn value_address(family: Family, value: u128) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX))),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(value)),
    }
}

/// Parses a CIDR as the API server's validation accepts it: `10.0.0.0/8`; a single address
/// without a prefix length is not a CIDR. Host bits are masked, as Go's `net.ParseCIDR` does.
pub fn parse_cidr(text: &str) -> Option<IpNet> {
    text.trim().parse::<IpNet>().ok().map(|net| net.trunc())
}

/// A parsed `ipBlock`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpBlock {
    pub cidr: IpNet,
    pub range: IpRange,
    pub except: Vec<IpRange>,
}

impl IpBlock {
    /// Whether the block contains the address (inside `cidr`, outside every `except`).
    pub fn contains(&self, address: IpAddr) -> bool {
        let (family, value) = address_value(address);
        self.range.contains(family, value) && !self.except.iter().any(|e| e.contains(family, value))
    }

    /// Whether the block contains every address of `range` (used with ranges that no boundary of
    /// any block cuts, where "some" and "every" are the same).
    pub fn contains_range(&self, range: &IpRange) -> bool {
        self.range.contains_range(range) && !self.except.iter().any(|e| e.overlaps(range))
    }

    /// Whether this block is every address of its family with nothing excepted.
    pub fn is_everything(&self) -> bool {
        self.except.is_empty() && self.range == IpRange::everything(self.range.family)
    }

    /// The boundaries the block puts into the address space: the first address of each range
    /// and the address after its end.
    pub fn cut_points(&self) -> impl Iterator<Item = (Family, u128)> + '_ {
        std::iter::once(&self.range)
            .chain(self.except.iter())
            .flat_map(|range| {
                let after = range
                    .end
                    .checked_add(1)
                    .filter(|v| *v <= range.family.max());
                [
                    Some((range.family, range.start)),
                    after.map(|v| (range.family, v)),
                ]
            })
            .flatten()
    }
}

/// Cuts the address space of each family in `families` at `points`: the ranges no block
/// boundary crosses, so that every block contains all or none of each.
pub fn atoms(
    families: &[Family],
    points: impl IntoIterator<Item = (Family, u128)>,
) -> Vec<IpRange> {
    let mut points: Vec<(Family, u128)> = points.into_iter().collect();
    for &family in families {
        points.push((family, 0));
    }
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    for (i, &(family, start)) in points.iter().enumerate() {
        if !families.contains(&family) {
            continue;
        }
        let end = match points.get(i + 1) {
            Some(&(next_family, next)) if next_family == family => next - 1,
            _ => family.max(),
        };
        out.push(IpRange { family, start, end });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        let net = parse_cidr(cidr).unwrap();
        IpBlock {
            cidr: net,
            range: IpRange::of_net(&net),
            except: except
                .iter()
                .map(|e| IpRange::of_net(&parse_cidr(e).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn blocks_contain_addresses_outside_their_exceptions() {
        let b = block("0.0.0.0/0", &["10.0.0.0/8", "172.21.0.0/16"]);
        assert!(b.contains("8.8.8.8".parse().unwrap()));
        assert!(!b.contains("10.1.2.3".parse().unwrap()));
        assert!(!b.contains("172.21.9.9".parse().unwrap()));
        assert!(b.contains("172.22.0.1".parse().unwrap()));
        assert!(!b.contains("2001:db8::1".parse().unwrap()));
        assert!(b.contains("::ffff:8.8.8.8".parse().unwrap()));
        assert!(!b.is_everything());
        assert!(block("0.0.0.0/0", &[]).is_everything());
        // Host bits are masked, as Go's ParseCIDR does.
        assert_eq!(
            block("10.1.2.3/8", &[]).range,
            block("10.0.0.0/8", &[]).range
        );
        assert!(parse_cidr("10.0.0.1").is_none());
    }

    #[test]
    fn atoms_cut_at_every_boundary() {
        let b = block("0.0.0.0/0", &["10.0.0.0/8"]);
        let ranges: Vec<String> = atoms(&[Family::V4], b.cut_points())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            ranges,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        let none: Vec<String> = atoms(&[Family::V4], [])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(none, ["0.0.0.0-255.255.255.255"]);
    }
}
