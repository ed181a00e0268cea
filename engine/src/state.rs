//! The words the engine stores for states and kinds, parsed into enums, and
//! the one place that says which VM states allow which NIC action.

use crate::{EngineError, EngineResult};
use std::str::FromStr;
use strum::{Display, IntoStaticStr, VariantArray};

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
    /// VDSM's `nicModel` word.
    pub fn wire_name(self) -> &'static str {
        match self {
            NicModel::Virtio => "pv",
            NicModel::Rtl8139 => "rtl8139",
            NicModel::E1000 => "e1000",
        }
    }
}

/// What a NIC plug or unplug must do, given the VM's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicChangePath {
    /// The VM does not run: only the database changes.
    DatabaseOnly,
    /// The VM runs: the host must (un)plug the device first.
    Host,
}

impl VmStatus {
    /// Plug and unplug are allowed on a VM that is down, up, or powering up
    /// (its guest still booting: the host plugs at once, and repeats an
    /// unplug request until the guest takes it); any other state is
    /// refused, naming the state.
    pub fn nic_change_path(self, action: &str) -> EngineResult<NicChangePath> {
        match self {
            VmStatus::Down => Ok(NicChangePath::DatabaseOnly),
            VmStatus::Up | VmStatus::PoweringUp => Ok(NicChangePath::Host),
            other => Err(EngineError::Conflict(format!(
                "cannot {action} a NIC while the VM is {}; wait until it is up or down",
                other.as_str().replace('_', " ")
            ))),
        }
    }

    /// Whether the VM has a running process on a host.
    pub fn is_running(self) -> bool {
        !matches!(self, VmStatus::Down)
    }
}

/// Parses a stored word; a bad one is a database fault, not the caller's.
pub fn stored<T: FromStr<Err = String>>(word: &str) -> EngineResult<T> {
    word.parse().map_err(|e: String| EngineError::Database(sea_orm::DbErr::Custom(format!("bad stored value: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for status in VmStatus::VARIANTS {
            assert_eq!(status.as_str().parse::<VmStatus>().unwrap(), *status);
            assert_eq!(status.to_string(), status.as_str());
        }
        let words = |all: &[&'static str]| all.join(" ");
        assert_eq!(words(&VmStatus::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>()), "down powering_up up powering_down paused migrating unknown");
        assert_eq!(words(&NetworkKind::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>()), "bridge bridgeless vnlink sriov");
        assert_eq!(words(&HostStatus::VARIANTS.iter().map(|v| v.as_str()).collect::<Vec<_>>()), "up non_responsive maintenance");
        assert_eq!("e1000".parse::<NicModel>().unwrap(), NicModel::E1000);
        assert_eq!(NicModel::Virtio.wire_name(), "pv");
        let err = "ne2k".parse::<NicModel>().unwrap_err();
        assert_eq!(err, "unknown interface model 'ne2k'; use one of: virtio, rtl8139, e1000");
    }

    #[test]
    fn plug_is_allowed_only_on_down_booting_or_up_vms() {
        assert_eq!(VmStatus::Down.nic_change_path("plug").unwrap(), NicChangePath::DatabaseOnly);
        assert_eq!(VmStatus::Up.nic_change_path("plug").unwrap(), NicChangePath::Host);
        assert_eq!(VmStatus::PoweringUp.nic_change_path("unplug").unwrap(), NicChangePath::Host);
        for status in [VmStatus::PoweringDown, VmStatus::Paused, VmStatus::Migrating, VmStatus::Unknown] {
            let err = status.nic_change_path("plug").unwrap_err();
            assert!(matches!(&err, EngineError::Conflict(m) if m.contains("while the VM is")), "{status}: {err}");
        }
        let err = VmStatus::PoweringDown.nic_change_path("unplug").unwrap_err();
        assert_eq!(err.to_string(), "cannot unplug a NIC while the VM is powering down; wait until it is up or down");
    }
}
