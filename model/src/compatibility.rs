//! Cluster compatibility levels, as oVirt numbers them.

use std::fmt;
use std::str::FromStr;

/// A cluster compatibility level such as 3.1 or 4.7. Ordered, so feature
/// gates read as comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompatibilityVersion {
    pub major: u8,
    pub minor: u8,
}

/// Plugging and unplugging NICs came with cluster level 3.1.
pub const NIC_HOTPLUG_MIN_VERSION: CompatibilityVersion = CompatibilityVersion { major: 3, minor: 1 };

/// The levels oVirt shipped; anything else is a typo, not a level.
const KNOWN: &[(u8, u8)] = &[
    (3, 0), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (3, 6),
    (4, 0), (4, 1), (4, 2), (4, 3), (4, 4), (4, 5), (4, 6), (4, 7),
];

impl CompatibilityVersion {
    pub fn supports_nic_hotplug(self) -> bool {
        self >= NIC_HOTPLUG_MIN_VERSION
    }

    pub fn known() -> impl Iterator<Item = CompatibilityVersion> {
        KNOWN.iter().map(|&(major, minor)| CompatibilityVersion { major, minor })
    }
}

impl FromStr for CompatibilityVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || {
            let known: Vec<String> = Self::known().map(|v| v.to_string()).collect();
            format!("unknown compatibility version '{text}'; known versions: {}", known.join(", "))
        };
        let (major, minor) = text.trim().split_once('.').ok_or_else(unknown)?;
        let version = CompatibilityVersion {
            major: major.parse().map_err(|_| unknown())?,
            minor: minor.parse().map_err(|_| unknown())?,
        };
        if KNOWN.contains(&(version.major, version.minor)) {
            Ok(version)
        } else {
            Err(unknown())
        }
    }
}

impl fmt::Display for CompatibilityVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_levels_and_orders_them() {
        let v30: CompatibilityVersion = "3.0".parse().unwrap();
        let v31: CompatibilityVersion = "3.1".parse().unwrap();
        let v47: CompatibilityVersion = "4.7".parse().unwrap();
        assert!(v30 < v31 && v31 < v47);
        assert!(!v30.supports_nic_hotplug());
        assert!(v31.supports_nic_hotplug());
        assert!(v47.supports_nic_hotplug());
        assert_eq!(v47.to_string(), "4.7");
    }

    #[test]
    fn refuses_what_is_not_a_level() {
        for text in ["", "3", "3.", ".1", "3.1.0", "2.9", "4.8", "x.y", "3.01x"] {
            let err = text.parse::<CompatibilityVersion>().unwrap_err();
            assert!(err.contains("unknown compatibility version"), "{text}: {err}");
        }
    }
}
