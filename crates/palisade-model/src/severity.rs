use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!(
                    "unknown severity {text:?}: expected one of info, low, medium, high, critical"
                )
            })
    }
}

/// Where in the cluster a problem sits. Reports walk the layers from the outside in, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    Host,
    ControlPlane,
    Access,
    Network,
    Workload,
    SupplyChain,
    Runtime,
}

impl Layer {
    pub const ALL: [Layer; 7] = [
        Layer::Host,
        Layer::ControlPlane,
        Layer::Access,
        Layer::Network,
        Layer::Workload,
        Layer::SupplyChain,
        Layer::Runtime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Host => "host",
            Layer::ControlPlane => "control-plane",
            Layer::Access => "access",
            Layer::Network => "network",
            Layer::Workload => "workload",
            Layer::SupplyChain => "supply-chain",
            Layer::Runtime => "runtime",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Layer::Host => "Host",
            Layer::ControlPlane => "Control plane",
            Layer::Access => "Access",
            Layer::Network => "Network",
            Layer::Workload => "Workloads",
            Layer::SupplyChain => "Supply chain",
            Layer::Runtime => "Runtime",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Layer {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Layer::ALL
            .into_iter()
            .find(|layer| layer.as_str() == text)
            .ok_or_else(|| format!("unknown layer {text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Layer::ControlPlane).unwrap(),
            "\"control-plane\""
        );
    }
}
