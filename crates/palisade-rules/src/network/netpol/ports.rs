//! Protocols, port ranges and sets of connections (protocol and port), as NetworkPolicy
//! `ports` describe them.

use std::fmt;

/// The protocols a NetworkPolicy port may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// `TCP`, `UDP` or `SCTP` (Kubernetes spells them in capitals; so does the API server's
    /// validation, which rejects `tcp`).
    pub fn parse(text: &str) -> Option<Protocol> {
        match text {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Like [`Protocol::parse`], but case-insensitive: for command-line arguments.
    pub fn parse_loose(text: &str) -> Option<Protocol> {
        Protocol::parse(&text.to_ascii_uppercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn index(self) -> usize {
        match self {
            Protocol::Tcp => 0,
            Protocol::Udp => 1,
            Protocol::Sctp => 2,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

/// A set of ports of one protocol: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    pub fn all() -> PortSet {
        PortSet(vec![(MIN_PORT, MAX_PORT)])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.0 == [(MIN_PORT, MAX_PORT)]
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0
            .iter()
            .any(|&(start, end)| start <= port && port <= end)
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub fn add_range(&mut self, start: u16, end: u16) {
        let start = start.max(MIN_PORT);
        if start > end {
            return;
        }
        self.0.push((start, end));
        self.0.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(self.0.len());
        for &(s, e) in &self.0 {
            match merged.last_mut() {
                Some(last) if u32::from(s) <= u32::from(last.1) + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.0 = merged;
    }

    pub fn union(&mut self, other: &PortSet) {
        for &(s, e) in &other.0 {
            self.add_range(s, e);
        }
    }

    pub fn intersection(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            for &(c, d) in &other.0 {
                let (s, e) = (a.max(c), b.min(d));
                if s <= e {
                    out.push((s, e));
                }
            }
        }
        out.sort_unstable();
        PortSet(out)
    }
}

impl fmt::Display for PortSet {
    /// `80,443,8000-8080`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(s, e)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if s == e {
                write!(f, "{s}")?;
            } else {
                write!(f, "{s}-{e}")?;
            }
        }
        Ok(())
    }
}

/// A set of connections: the ports allowed for each protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnSet([PortSet; 3]);

impl ConnSet {
    pub fn none() -> ConnSet {
        ConnSet::default()
    }

    pub fn all() -> ConnSet {
        ConnSet([PortSet::all(), PortSet::all(), PortSet::all()])
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(PortSet::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.0.iter().all(PortSet::is_all)
    }

    pub fn ports(&self, protocol: Protocol) -> &PortSet {
        &self.0[protocol.index()]
    }

    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.0[protocol.index()].contains(port)
    }

    pub fn add(&mut self, protocol: Protocol, start: u16, end: u16) {
        self.0[protocol.index()].add_range(start, end);
    }

    pub fn add_all(&mut self, protocol: Protocol) {
        self.0[protocol.index()] = PortSet::all();
    }

    pub fn union(&mut self, other: &ConnSet) {
        for protocol in Protocol::ALL {
            self.0[protocol.index()].union(&other.0[protocol.index()]);
        }
    }

    pub fn intersection(&self, other: &ConnSet) -> ConnSet {
        ConnSet([
            self.0[0].intersection(&other.0[0]),
            self.0[1].intersection(&other.0[1]),
            self.0[2].intersection(&other.0[2]),
        ])
    }
}

impl fmt::Display for ConnSet {
    /// `All Connections`, `No Connections`, or `TCP 80,443,UDP 53` (the form netpol-analyzer
    /// prints, protocols in alphabetical order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for protocol in [Protocol::Sctp, Protocol::Tcp, Protocol::Udp] {
            let ports = self.ports(protocol);
            if ports.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{protocol} {ports}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_sets_merge_and_intersect() {
        let mut set = PortSet::default();
        set.add_range(80, 80);
        set.add_range(81, 90);
        set.add_range(100, 200);
        set.add_range(0, 0);
        assert_eq!(set.ranges(), &[(80, 90), (100, 200)]);
        let mut other = PortSet::default();
        other.add_range(85, 150);
        assert_eq!(set.intersection(&other).ranges(), &[(85, 90), (100, 150)]);
        assert!(set.contains(90) && !set.contains(95));
        set.add_range(1, 65535);
        assert!(set.is_all());
    }

    #[test]
    fn connection_sets_print_like_netpol_analyzer() {
        let mut conns = ConnSet::none();
        assert_eq!(conns.to_string(), "No Connections");
        conns.add(Protocol::Udp, 53, 53);
        conns.add(Protocol::Tcp, 8080, 8080);
        conns.add(Protocol::Tcp, 9090, 9100);
        assert_eq!(conns.to_string(), "TCP 8080,9090-9100,UDP 53");
        assert_eq!(ConnSet::all().to_string(), "All Connections");
    }
}
