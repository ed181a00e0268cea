//! A stored NIC in the agent's words: the spec's `nic` dictionary and
//! VDSM's PCI address dictionary, both ways.

use crate::state::NetworkKind;
use crate::stored_nic::{device_kind, StoredNic};
use crate::EngineResult;
use hotnic_agent_api::{NicParams, PciAddressDict};
use hotnic_model::PciAddress;

/// The spec's `nic` dictionary for a stored NIC.
pub(crate) fn nic_params(nic: &StoredNic, address: Option<PciAddress>, mirror_networks: Vec<String>) -> EngineResult<NicParams> {
    Ok(NicParams {
        kind: "interface".into(),
        device: device_kind(nic.network.as_ref()).to_string(),
        device_id: nic.interface.id,
        network: nic.network.as_ref().filter(|n| n.kind != NetworkKind::Bridgeless.as_str()).map(|n| n.name.clone()),
        address: address.map(to_wire_address),
        mac_addr: nic.interface.mac.clone(),
        boot_order: nic.interface.boot_order.map(|o| o as u32),
        promisc: mirror_networks,
        spec_params: Default::default(),
        nic_model: nic.model()?.wire_name().into(),
        // Said only when pulled: up is the default, and an agent from
        // before link state refuses a field it does not know.
        link_active: (!nic.interface.linked).then_some(false),
    })
}

/// Port mirroring copies the traffic of the NIC's own network to it.
pub(crate) fn mirror_networks(nic: &StoredNic) -> Vec<String> {
    match (&nic.network, nic.interface.port_mirroring) {
        (Some(network), true) => vec![network.name.clone()],
        _ => Vec::new(),
    }
}

pub(crate) fn to_wire_address(a: PciAddress) -> PciAddressDict {
    PciAddressDict::from(a)
}

/// The host's address dictionary, read by the agent's own rules (one parser).
pub(crate) fn from_wire_address(dict: &PciAddressDict) -> Option<PciAddress> {
    dict.address().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_addresses_round_trip() {
        let address = PciAddress { domain: 0, bus: 0, slot: 0x0c, function: 0 };
        let dict = to_wire_address(address);
        assert_eq!((dict.domain.as_str(), dict.slot.as_str()), ("0x0000", "0x0c"));
        assert_eq!(from_wire_address(&dict), Some(address));
        let bad = PciAddressDict { kind: "usb".into(), ..dict.clone() };
        assert_eq!(from_wire_address(&bad), None);
        let overflow = PciAddressDict { slot: "0x1ff".into(), ..dict };
        assert_eq!(from_wire_address(&overflow), None);
    }
}
