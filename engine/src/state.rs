//! The words the engine stores for states and kinds, parsed into enums, and
//! the one place that says which VM states allow which NIC action.

use crate::{EngineError, EngineResult};
pub use hotnic_model::words::{HostStatus, NetworkKind, NicModel, VmStatus, Word};
use std::str::FromStr;

/// What a NIC plug or unplug must do, given the VM's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicChangePath {
    /// The VM does not run: only the database changes.
    DatabaseOnly,
    /// The VM runs: the host must (un)plug the device first.
    Host,
}

/// Plug and unplug are allowed on a VM that is down, up, or powering up
/// (its guest still booting: the host plugs at once, and repeats an unplug
/// request until the guest takes it); any other state is refused, naming
/// the state.
pub fn nic_change_path(status: VmStatus, action: &str) -> EngineResult<NicChangePath> {
    match status {
        VmStatus::Down => Ok(NicChangePath::DatabaseOnly),
        VmStatus::Up | VmStatus::PoweringUp => Ok(NicChangePath::Host),
        other => Err(EngineError::Conflict(format!(
            "cannot {action} a NIC while the VM is {}; wait until it is up or down",
            other.as_str().replace('_', " ")
        ))),
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
    fn plug_is_allowed_only_on_down_booting_or_up_vms() {
        assert_eq!(nic_change_path(VmStatus::Down, "plug").unwrap(), NicChangePath::DatabaseOnly);
        assert_eq!(nic_change_path(VmStatus::Up, "plug").unwrap(), NicChangePath::Host);
        assert_eq!(nic_change_path(VmStatus::PoweringUp, "unplug").unwrap(), NicChangePath::Host);
        for status in [VmStatus::PoweringDown, VmStatus::Paused, VmStatus::Migrating, VmStatus::Unknown] {
            let err = nic_change_path(status, "plug").unwrap_err();
            assert!(matches!(&err, EngineError::Conflict(m) if m.contains("while the VM is")), "{status}: {err}");
        }
        let err = nic_change_path(VmStatus::PoweringDown, "unplug").unwrap_err();
        assert_eq!(err.to_string(), "cannot unplug a NIC while the VM is powering down; wait until it is up or down");
    }
}
