//! Typed values parsed once from the wire (MAC, PCI address, bridge name,
//! NIC model and kind, paths), and the parsed NIC and VM specs. Nothing
//! reaches libvirt XML or `tc` without passing through here.

use std::{collections::HashSet, fmt, num::NonZeroU32};

use hotnic_agent_api::{CreateParams, DriveParams, NicParams, PciAddressDict};
use uuid::Uuid;

use crate::images::{HostFiles, ImageLibrary, ImageName};

/// A parameter that cannot be accepted (VDSM code 11): which one and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ParamError {
    pub field: String,
    pub reason: String,
}

impl ParamError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ParamError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn within(self, prefix: &str) -> Self {
        ParamError {
            field: format!("{prefix}.{}", self.field),
            reason: self.reason,
        }
    }
}

/// MAC addresses and NIC models are hotnic's own typed values, parsed by
/// the same code as in the engine and the page.
pub use hotnic_model::words::{NicModel, VariantArray};
pub use hotnic_model::MacAddr;
use hotnic_model::printable;

/// PCI addresses are hotnic's one type, read by the wire crate's one parser.
pub use hotnic_model::PciAddress;

/// Parses VDSM's dictionary (hotnic-agent-api's parser, the engine's too).
pub fn pci_from_dict(dict: &PciAddressDict) -> Result<PciAddress, ParamError> {
    dict.address().map_err(|e| ParamError::new(e.field, e.reason))
}

/// Parses the four numbers of libvirt's or VDSM's `<address type='pci'>`.
pub fn pci_from_parts(domain: &str, bus: &str, slot: &str, function: &str) -> Result<PciAddress, ParamError> {
    hotnic_agent_api::nic::parse_pci_parts(domain, bus, slot, function).map_err(|e| ParamError::new(e.field, e.reason))
}

/// A Linux network device name used as a network: a bridge, or the host
/// device of a `vnlink` NIC. 1 to 15 characters (IFNAMSIZ) of letters,
/// digits, '-', '_' and '.', starting with a letter or digit; so no
/// whitespace, slash, quote or markup can ever reach XML or `tc`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BridgeName(String);

impl BridgeName {
    pub const MAX_LEN: usize = 15;

    pub fn parse(text: &str) -> Result<Self, String> {
        let first = text.chars().next().ok_or("the network name is empty")?;
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
        {
            return Err(format!(
                "'{}' is not a usable network name: '{}' is not allowed (letters, digits, '-', '_', '.')",
                printable(text),
                bad.escape_default()
            ));
        }
        if text.len() > Self::MAX_LEN {
            return Err(format!(
                "'{text}' is longer than {} characters",
                Self::MAX_LEN
            ));
        }
        if !first.is_ascii_alphanumeric() {
            return Err(format!("'{text}' must start with a letter or a digit"));
        }
        Ok(BridgeName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BridgeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The spec's `nicModel` word (`pv`, `rtl8139`, `e1000`) as a model.
pub fn nic_model_from_wire(text: &str) -> Result<NicModel, String> {
    NicModel::VARIANTS.iter().copied().find(|m| m.wire_name() == text).ok_or_else(|| {
        format!("'{}' is not a NIC model; expected pv, rtl8139 or e1000", printable(text))
    })
}

/// A model from libvirt's `<model type>`, which names them as hotnic stores them.
pub fn nic_model_from_libvirt(name: &str) -> Option<NicModel> {
    name.parse().ok()
}

/// The spec's `device` kinds, without their parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceKind {
    /// A tap on a Linux bridge: `<interface type='bridge'>`.
    Bridge,
    /// A tap on no bridge: `<interface type='ethernet'>`.
    Bridgeless,
    /// macvtap on a host device: `<interface type='direct'>`.
    Vnlink,
    /// SR-IOV virtual function passthrough.
    Sriov,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 4] = [
        DeviceKind::Bridge,
        DeviceKind::Bridgeless,
        DeviceKind::Vnlink,
        DeviceKind::Sriov,
    ];

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.wire_name() == text)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a device kind; expected bridge, bridgeless, sriov or vnlink",
                    printable(text)
                )
            })
    }

    pub fn wire_name(self) -> &'static str {
        match self {
            DeviceKind::Bridge => "bridge",
            DeviceKind::Bridgeless => "bridgeless",
            DeviceKind::Vnlink => "vnlink",
            DeviceKind::Sriov => "sriov",
        }
    }
}

/// How a NIC reaches the host network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicLink {
    Bridge(BridgeName),
    Bridgeless,
    Vnlink(BridgeName),
    Sriov,
}

impl NicLink {
    pub fn kind(&self) -> DeviceKind {
        match self {
            NicLink::Bridge(_) => DeviceKind::Bridge,
            NicLink::Bridgeless => DeviceKind::Bridgeless,
            NicLink::Vnlink(_) => DeviceKind::Vnlink,
            NicLink::Sriov => DeviceKind::Sriov,
        }
    }
}

/// The libvirt alias of a NIC hotnic created: `ua-<deviceId>`.
pub fn alias_of(device_id: Uuid) -> String {
    format!("ua-{device_id}")
}

/// The device id inside an alias `ua-<uuid>`.
pub fn device_id_of(alias: &str) -> Option<Uuid> {
    alias
        .strip_prefix("ua-")
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// The host-side tap name of a NIC: `hn` + the first 12 hex digits of its
/// device id (14 characters, within IFNAMSIZ; never libvirt's `vnet` prefix).
pub fn tap_name_of(device_id: Uuid) -> String {
    format!("hn{}", &device_id.simple().to_string()[..12])
}

/// A NIC to plug, fully checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicSpec {
    pub device_id: Uuid,
    pub link: NicLink,
    pub mac: MacAddr,
    pub model: NicModel,
    pub address: Option<PciAddress>,
    pub boot_order: Option<NonZeroU32>,
    /// Bridges whose traffic is mirrored to this NIC.
    pub mirror_from: Vec<BridgeName>,
    /// Its link (cable) state: false, the guest sees no carrier.
    pub link_up: bool,
}

impl NicSpec {
    pub fn alias(&self) -> String {
        alias_of(self.device_id)
    }

    pub fn tap_name(&self) -> String {
        tap_name_of(self.device_id)
    }
}

impl TryFrom<&NicParams> for NicSpec {
    type Error = ParamError;

    fn try_from(p: &NicParams) -> Result<Self, ParamError> {
        if p.kind != "interface" {
            return Err(ParamError::new(
                "type",
                format!("'{}' is not 'interface'", printable(&p.kind)),
            ));
        }
        let kind = DeviceKind::parse(&p.device).map_err(|r| ParamError::new("device", r))?;
        let network = p
            .network
            .as_deref()
            .map(BridgeName::parse)
            .transpose()
            .map_err(|r| ParamError::new("network", r))?;
        let link = match (kind, network) {
            (DeviceKind::Bridge, Some(bridge)) => NicLink::Bridge(bridge),
            (DeviceKind::Vnlink, Some(dev)) => NicLink::Vnlink(dev),
            (DeviceKind::Bridge | DeviceKind::Vnlink, None) => {
                return Err(ParamError::new(
                    "network",
                    format!("a '{}' NIC needs a network", kind.wire_name()),
                ))
            }
            (DeviceKind::Bridgeless, None) => NicLink::Bridgeless,
            (DeviceKind::Sriov, None) => NicLink::Sriov,
            (DeviceKind::Bridgeless | DeviceKind::Sriov, Some(_)) => {
                return Err(ParamError::new(
                    "network",
                    format!("a '{}' NIC takes no network", kind.wire_name()),
                ))
            }
        };
        let mac = p.mac_addr.parse::<MacAddr>().map_err(|r| ParamError::new("macAddr", r))?;
        let model = nic_model_from_wire(&p.nic_model).map_err(|r| ParamError::new("nicModel", r))?;
        let address = p
            .address
            .as_ref()
            .map(pci_from_dict)
            .transpose()
            .map_err(|e| e.within("address"))?;
        let boot_order = p
            .boot_order
            .map(|n| {
                NonZeroU32::new(n)
                    .ok_or_else(|| ParamError::new("bootOrder", "boot order starts at 1"))
            })
            .transpose()?;
        let mut mirror_from = Vec::new();
        for (i, name) in p.promisc.iter().enumerate() {
            let bridge =
                BridgeName::parse(name).map_err(|r| ParamError::new(format!("promisc[{i}]"), r))?;
            if mirror_from.contains(&bridge) {
                return Err(ParamError::new(
                    format!("promisc[{i}]"),
                    format!("'{bridge}' is listed twice"),
                ));
            }
            mirror_from.push(bridge);
        }
        if let Some(key) = p.spec_params.keys().next() {
            return Err(ParamError::new(
                format!("specParams.{}", printable(key)),
                "this agent supports no specParams; refusing rather than ignoring it",
            ));
        }
        Ok(NicSpec {
            device_id: p.device_id,
            link,
            mac,
            model,
            address,
            boot_order,
            mirror_from,
            link_up: p.link_up(),
        })
    }
}

/// An absolute host path without control characters or `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPath(String);

impl HostPath {
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') {
            return Err(format!("'{}' is not an absolute path", printable(text)));
        }
        if text.len() > 4096
            || text.chars().any(char::is_control)
            || text.split('/').any(|part| part == "..")
        {
            return Err(format!("'{}' is not an acceptable path", printable(text)));
        }
        Ok(HostPath(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A libvirt domain name: 1 to 64 letters, digits, '-', '_', '.', starting
/// with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmName(String);

impl VmName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = text.len() <= 64
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if ok {
            Ok(VmName(text.to_owned()))
        } else {
            Err(format!(
                "'{}' is not a usable VM name (1 to 64 letters, digits, '-', '_', '.', starting with a letter or digit)",
                printable(text)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskFormat {
    Raw,
    Qcow2,
}

impl DiskFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DiskFormat::Raw => "raw",
            DiskFormat::Qcow2 => "qcow2",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveSpec {
    pub path: HostPath,
    pub format: DiskFormat,
    pub boot_order: Option<NonZeroU32>,
    pub readonly: bool,
}

impl DriveSpec {
    /// A drive from the image library; the image must resolve now.
    pub fn parse(p: &DriveParams, images: &ImageLibrary) -> Result<Self, ParamError> {
        let path = image_path(images, "image", &p.image)?;
        let format = match p.format.as_str() {
            "raw" => DiskFormat::Raw,
            "qcow2" => DiskFormat::Qcow2,
            other => {
                return Err(ParamError::new(
                    "format",
                    format!("'{}' is not raw or qcow2", printable(other)),
                ))
            }
        };
        let boot_order = p
            .boot_order
            .map(|n| {
                NonZeroU32::new(n)
                    .ok_or_else(|| ParamError::new("bootOrder", "boot order starts at 1"))
            })
            .transpose()?;
        Ok(DriveSpec {
            path,
            format,
            boot_order,
            readonly: p.readonly,
        })
    }
}

/// A transient VM to start, fully checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSpec {
    pub id: Uuid,
    pub name: VmName,
    pub memory_mib: u32,
    pub vcpus: u32,
    pub kernel: Option<HostPath>,
    pub initrd: Option<HostPath>,
    pub cmdline: Option<String>,
    pub drives: Vec<DriveSpec>,
    pub nics: Vec<NicSpec>,
    pub serial_console: Option<HostPath>,
}

/// An image name resolved in the library; a refusal names `field`.
fn image_path(images: &ImageLibrary, field: &str, name: &str) -> Result<HostPath, ParamError> {
    let name = ImageName::parse(name).map_err(|r| ParamError::new(field, r))?;
    images.resolve(&name).map_err(|r| ParamError::new(field, r))
}

impl VmSpec {
    /// Checks every field; kernel, initrd and disks must be images of this
    /// host's library, the console goes to its console folder.
    pub fn parse(p: &CreateParams, files: &HostFiles) -> Result<Self, ParamError> {
        let name = VmName::parse(&p.vm_name).map_err(|r| ParamError::new("vmName", r))?;
        if !(16..=1 << 20).contains(&p.mem_size) {
            return Err(ParamError::new(
                "memSize",
                format!("{} MiB is outside 16 MiB..1 TiB", p.mem_size),
            ));
        }
        if !(1..=64).contains(&p.smp) {
            return Err(ParamError::new(
                "smp",
                format!("{} vCPUs is outside 1..64", p.smp),
            ));
        }
        let image = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|name| image_path(&files.images, field, name))
                .transpose()
        };
        let kernel = image("kernel", &p.kernel)?;
        let initrd = image("initrd", &p.initrd)?;
        let serial_console = p
            .serial_console
            .then(|| files.console_of(p.vm_id))
            .transpose()
            .map_err(|r| ParamError::new("serialConsole", r))?;
        if kernel.is_none() && (initrd.is_some() || p.kernel_args.is_some()) {
            return Err(ParamError::new(
                "kernel",
                "initrd and kernelArgs need a kernel",
            ));
        }
        let cmdline = match &p.kernel_args {
            Some(args) if args.len() > 2048 || args.chars().any(char::is_control) => {
                return Err(ParamError::new(
                    "kernelArgs",
                    "longer than 2048 characters or holds control characters",
                ))
            }
            other => other.clone(),
        };
        let drives = p
            .drives
            .iter()
            .enumerate()
            .map(|(i, d)| DriveSpec::parse(d, &files.images).map_err(|e| e.within(&format!("drives[{i}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        let nics = p
            .nics
            .iter()
            .enumerate()
            .map(|(i, n)| NicSpec::try_from(n).map_err(|e| e.within(&format!("nics[{i}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut ids, mut macs, mut boots, mut slots) = (
            HashSet::new(),
            HashSet::new(),
            HashSet::new(),
            HashSet::new(),
        );
        for (i, nic) in nics.iter().enumerate() {
            let field = |f: &str| format!("nics[{i}].{f}");
            if !ids.insert(nic.device_id) {
                return Err(ParamError::new(field("deviceId"), "used by two NICs"));
            }
            if !macs.insert(nic.mac) {
                return Err(ParamError::new(field("macAddr"), "used by two NICs"));
            }
            if nic.address.is_some_and(|a| !slots.insert(a)) {
                return Err(ParamError::new(field("address"), "used by two NICs"));
            }
        }
        let all_boots = drives
            .iter()
            .map(|d| d.boot_order)
            .chain(nics.iter().map(|n| n.boot_order));
        for order in all_boots.flatten() {
            if !boots.insert(order) {
                return Err(ParamError::new(
                    "bootOrder",
                    format!("boot order {order} is used twice"),
                ));
            }
        }
        Ok(VmSpec {
            id: p.vm_id,
            name,
            memory_mib: p.mem_size,
            vcpus: p.smp,
            kernel,
            initrd,
            cmdline,
            drives,
            nics,
            serial_console,
        })
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn nic() -> NicParams {
        NicParams {
            kind: "interface".into(),
            device: "bridge".into(),
            device_id: Uuid::from_u128(0x0b1c2d3e_4f50_4617_8293_a4b5c6d7e8f9),
            network: Some("blue".into()),
            address: Some(PciAddressDict::pci(0, 0, 0x0c, 0)),
            mac_addr: "52:54:00:12:34:56".into(),
            boot_order: Some(2),
            promisc: vec!["red".into()],
            spec_params: BTreeMap::new(),
            nic_model: "pv".into(),
            link_active: None,
        }
    }

    #[test]
    fn parses_a_full_nic() {
        let spec = NicSpec::try_from(&nic()).unwrap();
        assert_eq!(
            spec.link,
            NicLink::Bridge(BridgeName::parse("blue").unwrap())
        );
        assert_eq!(spec.mac.to_string(), "52:54:00:12:34:56");
        assert_eq!(spec.model, NicModel::Virtio);
        assert_eq!(
            spec.address,
            Some(PciAddress {
                domain: 0,
                bus: 0,
                slot: 0x0c,
                function: 0
            })
        );
        assert_eq!(spec.boot_order.map(NonZeroU32::get), Some(2));
        assert_eq!(spec.mirror_from, [BridgeName::parse("red").unwrap()]);
        assert_eq!(spec.alias(), "ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
        assert_eq!(spec.tap_name(), "hn0b1c2d3e4f50");
    }

    #[test]
    fn accepts_each_kind_and_model() {
        let cases = [
            (
                NicParams {
                    device: "bridgeless".into(),
                    network: None,
                    ..nic()
                },
                DeviceKind::Bridgeless,
                NicModel::Virtio,
            ),
            (
                NicParams {
                    device: "vnlink".into(),
                    nic_model: "e1000".into(),
                    ..nic()
                },
                DeviceKind::Vnlink,
                NicModel::E1000,
            ),
            (
                NicParams {
                    device: "sriov".into(),
                    network: None,
                    ..nic()
                },
                DeviceKind::Sriov,
                NicModel::Virtio,
            ),
            (
                NicParams {
                    nic_model: "rtl8139".into(),
                    ..nic()
                },
                DeviceKind::Bridge,
                NicModel::Rtl8139,
            ),
        ];
        for (params, kind, model) in cases {
            let spec = NicSpec::try_from(&params).unwrap();
            assert_eq!((spec.link.kind(), spec.model), (kind, model), "{params:?}");
        }
    }

    #[test]
    fn refuses_bad_nics_naming_the_field() {
        let long = "a".repeat(16);
        let cases: Vec<(NicParams, &str)> = vec![
            (
                NicParams {
                    kind: "disk".into(),
                    ..nic()
                },
                "type",
            ),
            (
                NicParams {
                    device: "macvtap".into(),
                    ..nic()
                },
                "device",
            ),
            (
                NicParams {
                    network: Some("x'/><hostdev".into()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some("a b".into()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some("a/b".into()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some("a\"b".into()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some(long),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some(String::new()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: Some("-br".into()),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    network: None,
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    device: "bridgeless".into(),
                    ..nic()
                },
                "network",
            ),
            (
                NicParams {
                    mac_addr: "52:54:00:12:34".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    mac_addr: "52:54:00:12:34:5g".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    mac_addr: "52-54-00-12-34-56".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    mac_addr: "01:00:5e:00:00:01".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    mac_addr: "00:00:00:00:00:00".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    mac_addr: "52:54:00:12:34:566".into(),
                    ..nic()
                },
                "macAddr",
            ),
            (
                NicParams {
                    nic_model: "virtio".into(),
                    ..nic()
                },
                "nicModel",
            ),
            (
                NicParams {
                    nic_model: "ne2k_pci".into(),
                    ..nic()
                },
                "nicModel",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        slot: "0x20".into(),
                        ..PciAddressDict::pci(0, 0, 0, 0)
                    }),
                    ..nic()
                },
                "address.slot",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        slot: "zz".into(),
                        ..PciAddressDict::pci(0, 0, 0, 0)
                    }),
                    ..nic()
                },
                "address.slot",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        slot: "0x".into(),
                        ..PciAddressDict::pci(0, 0, 0, 0)
                    }),
                    ..nic()
                },
                "address.slot",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        function: "0x8".into(),
                        ..PciAddressDict::pci(0, 0, 3, 0)
                    }),
                    ..nic()
                },
                "address.function",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        bus: "0x100".into(),
                        ..PciAddressDict::pci(0, 0, 3, 0)
                    }),
                    ..nic()
                },
                "address.bus",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        domain: "-1".into(),
                        ..PciAddressDict::pci(0, 0, 3, 0)
                    }),
                    ..nic()
                },
                "address.domain",
            ),
            (
                NicParams {
                    address: Some(PciAddressDict {
                        kind: "usb".into(),
                        ..PciAddressDict::pci(0, 0, 3, 0)
                    }),
                    ..nic()
                },
                "address.type",
            ),
            (
                NicParams {
                    boot_order: Some(0),
                    ..nic()
                },
                "bootOrder",
            ),
            (
                NicParams {
                    promisc: vec!["red".into(), "red".into()],
                    ..nic()
                },
                "promisc[1]",
            ),
            (
                NicParams {
                    promisc: vec!["<red>".into()],
                    ..nic()
                },
                "promisc[0]",
            ),
            (
                NicParams {
                    spec_params: BTreeMap::from([("inbound".into(), serde_json::json!({}))]),
                    ..nic()
                },
                "specParams.inbound",
            ),
        ];
        for (params, field) in cases {
            let err = NicSpec::try_from(&params).expect_err(&format!("{params:?}"));
            assert_eq!(err.field, field, "{params:?}: {err}");
        }
    }

    #[test]
    fn pci_numbers_take_hex_or_decimal() {
        let cases = [
            ("0x0c", Some(12)),
            ("0X1f", Some(31)),
            ("12", Some(12)),
            ("0x20", None),
            ("1e", None),
            ("", None),
            (" 3", None),
        ];
        for (text, expected) in cases {
            let slot = hotnic_agent_api::nic::parse_pci_parts("0", "0", text, "0").ok().map(|a| u32::from(a.slot));
            assert_eq!(slot, expected, "{text:?}");
        }
        assert_eq!(
            PciAddress {
                domain: 0,
                bus: 0,
                slot: 0x0c,
                function: 0
            }
            .to_string(),
            "0000:00:0c.0"
        );
    }

    fn create() -> CreateParams {
        CreateParams {
            vm_id: Uuid::from_u128(1),
            vm_name: "vm-1".into(),
            mem_size: 128,
            smp: 1,
            kernel: Some("vmlinuz".into()),
            initrd: Some("initrd.img".into()),
            kernel_args: Some("console=ttyS0".into()),
            drives: vec![],
            nics: vec![nic()],
            serial_console: true,
        }
    }

    /// A library holding `vmlinuz`, `initrd.img` and `d.img`.
    fn files() -> HostFiles {
        let dir = std::env::temp_dir().join(format!("hotnic-params-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["vmlinuz", "initrd.img", "d.img"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        HostFiles { images: ImageLibrary::new(&dir), console_dir: "/var/log/hotnic/consoles".into() }
    }

    #[test]
    fn parses_and_refuses_vms() {
        let files = files();
        let spec = VmSpec::parse(&create(), &files).unwrap();
        assert_eq!(spec.nics.len(), 1);
        assert!(spec.kernel.unwrap().as_str().ends_with("/vmlinuz"));
        assert_eq!(
            spec.serial_console.unwrap().as_str(),
            "/var/log/hotnic/consoles/00000000-0000-0000-0000-000000000001.log"
        );
        let second = NicParams {
            device_id: Uuid::from_u128(9),
            mac_addr: "52:54:00:00:00:09".into(),
            address: None,
            boot_order: None,
            ..nic()
        };
        let cases: Vec<(CreateParams, &str)> = vec![
            (
                CreateParams {
                    vm_name: "a b".into(),
                    ..create()
                },
                "vmName",
            ),
            (
                CreateParams {
                    vm_name: "x'><devices".into(),
                    ..create()
                },
                "vmName",
            ),
            (
                CreateParams {
                    mem_size: 1,
                    ..create()
                },
                "memSize",
            ),
            (CreateParams { smp: 0, ..create() }, "smp"),
            (
                CreateParams {
                    kernel: Some("guest/vmlinuz".into()),
                    ..create()
                },
                "kernel",
            ),
            (
                CreateParams {
                    kernel: None,
                    ..create()
                },
                "kernel",
            ),
            (
                CreateParams {
                    initrd: Some("/a/../b".into()),
                    ..create()
                },
                "initrd",
            ),
            (
                CreateParams {
                    kernel_args: Some("a\u{7}".into()),
                    ..create()
                },
                "kernelArgs",
            ),
            (
                CreateParams {
                    nics: vec![
                        nic(),
                        NicParams {
                            device_id: Uuid::from_u128(9),
                            ..nic()
                        },
                    ],
                    ..create()
                },
                "nics[1].macAddr",
            ),
            (
                CreateParams {
                    nics: vec![
                        nic(),
                        NicParams {
                            mac_addr: "52:54:00:00:00:09".into(),
                            ..nic()
                        },
                    ],
                    ..create()
                },
                "nics[1].deviceId",
            ),
            (
                CreateParams {
                    nics: vec![
                        nic(),
                        NicParams {
                            address: nic().address,
                            ..second.clone()
                        },
                    ],
                    ..create()
                },
                "nics[1].address",
            ),
            (
                CreateParams {
                    nics: vec![
                        nic(),
                        NicParams {
                            boot_order: Some(2),
                            ..second
                        },
                    ],
                    ..create()
                },
                "bootOrder",
            ),
            (
                CreateParams {
                    nics: vec![NicParams {
                        mac_addr: "x".into(),
                        ..nic()
                    }],
                    ..create()
                },
                "nics[0].macAddr",
            ),
            (
                CreateParams {
                    drives: vec![DriveParams {
                        image: "d.img".into(),
                        format: "vmdk".into(),
                        boot_order: None,
                        readonly: false,
                    }],
                    ..create()
                },
                "drives[0].format",
            ),
        ];
        let drive = |image: &str| DriveParams {
            image: image.into(),
            format: "raw".into(),
            boot_order: None,
            readonly: false,
        };
        let cases = cases.into_iter().chain([
            (CreateParams { kernel: Some("/etc/shadow".into()), ..create() }, "kernel"),
            (CreateParams { initrd: Some("../initrd.img".into()), ..create() }, "initrd"),
            (CreateParams { kernel: Some("missing".into()), ..create() }, "kernel"),
            (CreateParams { drives: vec![drive("/dev/vda")], ..create() }, "drives[0].image"),
        ]);
        for (params, field) in cases {
            let err = VmSpec::parse(&params, &files).expect_err(&format!("{params:?}"));
            assert_eq!(err.field, field, "{params:?}: {err}");
        }
        std::fs::remove_dir_all(files.images.dir()).unwrap();
    }
}
