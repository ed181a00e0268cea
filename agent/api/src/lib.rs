//! The wire types of the hotnic host agent: what the engine sends to the agent
//! on every host and what it gets back. Verbs keep VDSM's names.
//!
//! Architecture invariants: this crate knows nothing about libvirt, databases
//! or web frameworks (the engine depends on it); it is the only place the
//! agent's JSON shapes are defined. Responses tolerate unknown fields so that
//! engine and agent can be upgraded one at a time; requests deny them, so a
//! typo in a parameter is an error instead of a silently ignored setting.
//!
//! Transport: `POST {base}/api/v1/{verb}` with a JSON body and
//! `Authorization: Bearer <host token>`; every answer is an [`Envelope`].

pub mod caps;
#[cfg(feature = "client")]
pub mod client;
pub mod nic;
pub mod openapi;
pub mod request_id;
pub mod slots;
pub mod status;
pub mod tls;
pub mod vm;

pub use caps::{Caps, GetCapsParams, ImageInfo};
pub use tls::Fingerprint;
pub use nic::{
    HotplugNicParams, HotplugNicResult, HotunplugNicParams, HotunplugNicResult, NicInfo, NicParams,
    PciAddressDict, UpdateDeviceParams, UpdateDeviceResult,
};
pub use slots::{PciDeviceKind, PciSlotCount, PciSlotInfo};
pub use status::{code, Envelope, FailureKind, Status};
pub use vm::{
    CreateParams, CreateResult, DestroyParams, DestroyResult, DriveParams, GetAllVmStatsParams,
    VmList, VmStats,
};

/// The version of this wire format. It is part of every path
/// ([`API_PREFIX`]) and reported by `getCaps`; a change that an older peer
/// would misread bumps it.
pub const API_VERSION: u32 = 1;

/// The path prefix of every verb: `/api/v1`.
pub const API_PREFIX: &str = "/api/v1";

/// The verbs, with VDSM's names. The path of a verb is `/api/v1/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    GetCaps,
    Create,
    Destroy,
    GetAllVmStats,
    HotplugNic,
    HotunplugNic,
    UpdateDevice,
}

impl Verb {
    pub const ALL: [Verb; 7] = [
        Verb::GetCaps,
        Verb::Create,
        Verb::Destroy,
        Verb::GetAllVmStats,
        Verb::HotplugNic,
        Verb::HotunplugNic,
        Verb::UpdateDevice,
    ];

    /// VDSM's name of the verb, e.g. `hotplugNic`.
    pub fn name(self) -> &'static str {
        match self {
            Verb::GetCaps => "getCaps",
            Verb::Create => "create",
            Verb::Destroy => "destroy",
            Verb::GetAllVmStats => "getAllVmStats",
            Verb::HotplugNic => "hotplugNic",
            Verb::HotunplugNic => "hotunplugNic",
            Verb::UpdateDevice => "updateDevice",
        }
    }

    /// The HTTP path of the verb, e.g. `/api/v1/hotplugNic`.
    pub fn path(self) -> String {
        format!("{API_PREFIX}/{}", self.name())
    }
}
