//! The words hotnic stores and shows for states and kinds, as enums the
//! engine, the page and the API share (the API's fields carry the words).
//! strum names each variant's word (`as_str`, Display) and lists them
//! (`VARIANTS`); parsing refuses an unknown word naming the known ones.

use std::str::FromStr;
use strum::{Display, IntoStaticStr};
pub use strum::VariantArray;

/// A stored word's enum: strum names each variant's word (`as_str`,
/// Display) and lists them; parsing refuses an unknown word naming the
/// known ones.
pub trait Word: Copy + VariantArray + Into<&'static str> + 'static {
    /// What the words name, for messages ("interface model").
    const WHAT: &'static str;

    fn parse_word(text: &str) -> Result<Self, String> {
        let word = |v: &Self| -> &'static str { (*v).into() };
        Self::VARIANTS.iter().find(|v| word(v) == text).copied().ok_or_else(|| {
            let known: Vec<&str> = Self::VARIANTS.iter().map(word).collect();
            format!("unknown {} '{}'; use one of: {}", Self::WHAT, text, known.join(", "))
        })
    }
}

/// Declares what an enum's words name and parses them with [`Word`].
macro_rules! words {
    ($($name:ident: $what:literal),+ $(,)?) => {$(
        impl Word for $name {
            const WHAT: &'static str = $what;
        }
        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                Self::parse_word(text)
            }
        }
    )+};
}

/// A VM's status as the engine knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, VariantArray, Display)]
#[strum(serialize_all = "snake_case")]
pub enum VmStatus {
    Down,
    PoweringUp,
    Up,
    PoweringDown,
    Paused,
    Migrating,
    Unknown,
}

/// The emulated NIC model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum NicModel {
    Virtio,
    Rtl8139,
    E1000,
}

/// How a network reaches the host (VDSM's NIC `device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, VariantArray, Display)]
#[strum(serialize_all = "lowercase")]
pub enum NetworkKind {
    Bridge,
    Bridgeless,
    Vnlink,
    Sriov,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, VariantArray, Display)]
#[strum(serialize_all = "snake_case")]
pub enum HostStatus {
    Up,
    NonResponsive,
    Maintenance,
}

words!(VmStatus: "VM status", NicModel: "interface model", NetworkKind: "network kind", HostStatus: "host status");

impl NicModel {
    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            NicModel::Virtio => "VirtIO",
            NicModel::Rtl8139 => "rtl8139",
            NicModel::E1000 => "e1000",
        }
    }

    /// VDSM's `nicModel` word.
    pub fn wire_name(self) -> &'static str {
        match self {
            NicModel::Virtio => "pv",
            NicModel::Rtl8139 => "rtl8139",
            NicModel::E1000 => "e1000",
        }
    }
}

impl VmStatus {
    /// Whether the VM has a running process on a host.
    pub fn is_running(self) -> bool {
        !matches!(self, VmStatus::Down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        let words = |all: Vec<&'static str>| all.join(" ");
        for status in VmStatus::VARIANTS {
            assert_eq!(status.as_str().parse::<VmStatus>().unwrap(), *status);
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(words(VmStatus::VARIANTS.iter().map(|v| v.as_str()).collect()), "down powering_up up powering_down paused migrating unknown");
        assert_eq!(words(NetworkKind::VARIANTS.iter().map(|v| v.as_str()).collect()), "bridge bridgeless vnlink sriov");
        assert_eq!(words(HostStatus::VARIANTS.iter().map(|v| v.as_str()).collect()), "up non_responsive maintenance");
        assert_eq!(words(NicModel::VARIANTS.iter().map(|v| v.as_str()).collect()), "virtio rtl8139 e1000");
        assert_eq!("e1000".parse::<NicModel>().unwrap(), NicModel::E1000);
        assert_eq!(NicModel::Virtio.wire_name(), "pv");
        let err = "ne2k".parse::<NicModel>().unwrap_err();
        assert_eq!(err, "unknown interface model 'ne2k'; use one of: virtio, rtl8139, e1000");
    }
}
