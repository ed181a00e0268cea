//! `hotplugNic` / `hotunplugNic`: the NIC dictionary of the VDSM spec
//! (DetailedHotPlugNic) plus `deviceId`, and the NIC as the host reports it.

use hotnic_model::{printable, PciAddress};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A PCI address as VDSM writes it: every number a hex string, e.g.
/// `{"type":"pci","domain":"0x0000","bus":"0x00","slot":"0x0c","function":"0x0"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PciAddressDict {
    #[serde(rename = "type")]
    pub kind: String,
    pub domain: String,
    pub bus: String,
    pub slot: String,
    pub function: String,
}

/// A PCI address field that does not read: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciFieldError {
    pub field: &'static str,
    pub reason: String,
}

/// Reads the four numbers of VDSM's dictionary or libvirt's
/// `<address type='pci'>`: `0x` hex or plain decimal, up to 8 digits, each
/// within its field's range. The one parser the engine and the agent share,
/// into the one PCI address type they share (hotnic-model's).
pub fn parse_pci_parts(domain: &str, bus: &str, slot: &str, function: &str) -> Result<PciAddress, PciFieldError> {
    Ok(PciAddress {
        domain: pci_number("domain", domain, 0xffff)? as u16,
        bus: pci_number("bus", bus, 0xff)? as u8,
        slot: pci_number("slot", slot, PciAddress::MAX_SLOT.into())? as u8,
        function: pci_number("function", function, PciAddress::MAX_FUNCTION.into())? as u8,
    })
}

fn pci_number(field: &'static str, text: &str, max: u32) -> Result<u32, PciFieldError> {
    let digits = |t: &str, hex: bool| !t.is_empty() && t.len() <= 8 && t.chars().all(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() });
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if digits(hex, true) => u32::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None if digits(text, false) => text.parse().ok(),
        None => None,
    };
    match parsed {
        Some(value) if value <= max => Ok(value),
        Some(value) => Err(PciFieldError { field, reason: format!("{value:#x} is out of range (at most {max:#x})") }),
        None => Err(PciFieldError { field, reason: format!("'{}' is not a number like 0x0c", printable(text)) }),
    }
}

impl From<PciAddress> for PciAddressDict {
    fn from(a: PciAddress) -> Self {
        PciAddressDict::pci(a.domain, a.bus, a.slot, a.function)
    }
}

impl PciAddressDict {
    /// The address, when this is a PCI address that reads.
    pub fn address(&self) -> Result<PciAddress, PciFieldError> {
        if self.kind != "pci" {
            let reason = format!("'{}' is not a PCI address type; expected 'pci'", printable(&self.kind));
            return Err(PciFieldError { field: "type", reason });
        }
        parse_pci_parts(&self.domain, &self.bus, &self.slot, &self.function)
    }

    /// The dictionary for `domain:bus:slot.function`, in VDSM's spelling.
    pub fn pci(domain: u16, bus: u8, slot: u8, function: u8) -> Self {
        PciAddressDict {
            kind: "pci".into(),
            domain: format!("{domain:#06x}"),
            bus: format!("{bus:#04x}"),
            slot: format!("{slot:#04x}"),
            function: format!("{function:#x}"),
        }
    }
}

/// The `nic` dictionary of the spec. Strings stay strings on the wire; the
/// agent parses every one of them (MAC, PCI numbers, network name, model)
/// before anything reaches libvirt, and answers code 11 when one is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NicParams {
    /// Always `"interface"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `bridge` | `sriov` | `vnlink` | `bridgeless`.
    pub device: String,
    /// The engine's id of the NIC. The libvirt alias is `ua-<deviceId>`.
    pub device_id: Uuid,
    /// The network, which is the name of the host's Linux bridge (for
    /// `bridge`) or host device (for `vnlink`); absent for `bridgeless`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Where to put the NIC; absent lets the hypervisor choose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<PciAddressDict>,
    /// `aa:bb:cc:dd:ee:ff`, unicast.
    pub mac_addr: String,
    /// Global boot order across all bootable devices, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_order: Option<u32>,
    /// Port mirroring: the networks (bridges) whose traffic this NIC receives
    /// a copy of, e.g. `["blue","red"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promisc: Vec<String>,
    /// Device-specific parameters; this agent accepts none yet and refuses
    /// unknown ones instead of ignoring them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub spec_params: BTreeMap<String, serde_json::Value>,
    /// `pv` (virtio) | `rtl8139` | `e1000`.
    pub nic_model: String,
    /// The link (cable) state, VDSM's `linkActive`: false plugs the NIC
    /// with its cable pulled. Absent: up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_active: Option<bool>,
}

impl NicParams {
    /// Whether the link is to be up (absent means up).
    pub fn link_up(&self) -> bool {
        self.link_active.unwrap_or(true)
    }
}

/// `hotplugNic` parameters: `{"vmId": …, "nic": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HotplugNicParams {
    pub vm_id: Uuid,
    pub nic: NicParams,
}

/// `hotunplugNic` takes the same dictionary; the NIC is found by its alias
/// `ua-<deviceId>` and must carry the given MAC.
pub type HotunplugNicParams = HotplugNicParams;

/// `updateDevice` takes the same dictionary: the NIC (found by alias, with
/// the given MAC) gets the dictionary's `linkActive`, live. Nothing else
/// about a plugged NIC changes under a running guest.
pub type UpdateDeviceParams = HotplugNicParams;

/// A NIC as the host sees it now (from the live domain XML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NicInfo {
    /// The libvirt alias, e.g. `ua-<deviceId>` (or `net0` for a NIC that
    /// hotnic did not create).
    pub alias: String,
    /// The engine's NIC id, when the alias is `ua-<uuid>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
    pub mac_addr: String,
    /// `pv` | `rtl8139` | `e1000`, or libvirt's model name for another model.
    pub nic_model: String,
    /// `bridge` | `bridgeless` | `vnlink` | `sriov`, or libvirt's interface type.
    pub device: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The host side (tap) device name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<PciAddressDict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_order: Option<u32>,
    /// Bridges mirrored to this NIC right now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promisc: Vec<String>,
    /// Whether its link (cable) is up. Older agents do not say: up.
    #[serde(default = "link_up_by_default")]
    pub link_active: bool,
}

fn link_up_by_default() -> bool {
    true
}

/// `updateDevice` result: the NIC as the host now sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDeviceResult {
    pub vm_id: Uuid,
    pub nic: NicInfo,
}

/// `hotplugNic` result: the NIC as the host now sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotplugNicResult {
    pub vm_id: Uuid,
    pub nic: NicInfo,
}

/// `hotunplugNic` result: the NIC is gone from the VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotunplugNicResult {
    pub vm_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec_example() -> serde_json::Value {
        json!({
            "vmId": "6d2a8e1c-3f4b-4a5c-9d8e-7f6a5b4c3d2e",
            "nic": {
                "type": "interface",
                "device": "bridge",
                "deviceId": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
                "network": "blue",
                "address": {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x0c", "function": "0x0"},
                "macAddr": "52:54:00:12:34:56",
                "bootOrder": 2,
                "promisc": ["blue", "red"],
                "specParams": {},
                "nicModel": "pv"
            }
        })
    }

    #[test]
    fn reads_the_spec_dictionary_and_writes_it_back() {
        let params: HotplugNicParams = serde_json::from_value(spec_example()).unwrap();
        assert_eq!(params.nic.address, Some(PciAddressDict::pci(0, 0, 0x0c, 0)));
        assert_eq!(params.nic.promisc, ["blue", "red"]);
        let mut again = serde_json::to_value(&params).unwrap();
        again["nic"]["specParams"] = json!({});
        assert_eq!(again, spec_example());
    }

    #[test]
    fn refuses_unknown_or_missing_request_fields() {
        let mut unknown = spec_example();
        unknown["nic"]["portMirroring"] = json!(["blue"]);
        let mut missing = spec_example();
        missing["nic"].as_object_mut().unwrap().remove("macAddr");
        let mut bad_address = spec_example();
        bad_address["nic"]["address"]["controller"] = json!("0");
        let mut top_level = spec_example();
        top_level["force"] = json!(true);
        for case in [unknown, missing, bad_address, top_level] {
            assert!(
                serde_json::from_value::<HotplugNicParams>(case.clone()).is_err(),
                "{case}"
            );
        }
    }

    #[test]
    fn nic_info_tolerates_unknown_fields() {
        let info: NicInfo = serde_json::from_value(json!({
            "alias": "ua-x", "macAddr": "52:54:00:00:00:01", "nicModel": "pv", "device": "bridge",
            "linkState": "up"
        }))
        .unwrap();
        assert_eq!(info.alias, "ua-x");
    }
}
