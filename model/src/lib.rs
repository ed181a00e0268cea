//! The public API types of hotnic: what the REST API, the server functions
//! and the browser exchange. Plain serde types; no database, no web framework,
//! so the WASM build can use them too.

mod access;
mod cluster;
mod compatibility;
mod error;
mod event;
mod health;
mod infra;
mod mac;
mod names;
mod nic;
mod pci;
mod slots;
mod untrusted;
mod vm;
pub mod words;

pub use access::{
    Allowed, ApiToken, ClusterActions, CreatedApiToken, Me, NewApiToken, NewPermission, NewUser, NicActions, Permission, PermissionObject, Role,
    SignIn, User, UserUpdate, VmActions,
};
pub use cluster::{Cluster, ClusterUpdate, NewCluster};
pub use compatibility::{CompatibilityVersion, NIC_HOTPLUG_MIN_VERSION};
pub use error::ApiError;
pub use event::Event;
pub use health::Health;
pub use infra::{parse_agent_url, AcceptFingerprint, Host, HostUpdate, Image, Network, NetworkUpdate, NewHost, NewNetwork};
pub use mac::MacAddr;
pub use names::{next_free_nic_name, EntityName, NameError};
pub use nic::{DriftChoice, NewNic, Nic, NicIds, NicOutcome, NicUpdate, ResolveDrift, UnknownNic, UnknownNicMac, VmNicOutcome, VmsNic};
pub use pci::PciAddress;
pub use slots::{PciSlot, PciSlots, SlotHolder};
pub use untrusted::printable;
pub use vm::{NewVm, Vm};
