//! The hot-pluggable PCI slots of a VM and what holds each. hotnic's VMs
//! are i440fx (`machine='pc'`): every slot of bus 0 but the host bridge (0)
//! and the ISA bridge (1) takes a hot plugged device, one per slot.

use std::ops::RangeInclusive;

use hotnic_agent_api::{PciAddressDict, PciDeviceKind, PciSlotInfo};

use crate::params::{device_id_of, PciAddress};
use crate::xml::PciDevice;

/// The slots of bus 0 a device can be hot plugged into.
pub const HOTPLUG_SLOTS: RangeInclusive<u8> = 2..=PciAddress::MAX_SLOT;

fn root_slot(slot: u8) -> PciAddress {
    PciAddress { domain: 0, bus: 0, slot, function: 0 }
}

/// The device holding `slot` of bus 0 (any function), if any.
fn holder(devices: &[PciDevice], slot: u8) -> Option<&PciDevice> {
    devices.iter().find(|d| d.address.domain == 0 && d.address.bus == 0 && d.address.slot == slot)
}

/// Every hot-pluggable slot, free or with its holder.
pub fn slot_map(devices: &[PciDevice]) -> Vec<PciSlotInfo> {
    HOTPLUG_SLOTS
        .map(|slot| {
            let held = holder(devices, slot);
            PciSlotInfo {
                address: PciAddressDict::from(root_slot(slot)),
                device: held.map(|d| kind_of(&d.element)),
                alias: held.and_then(|d| d.alias.clone()),
                device_id: held.filter(|d| d.element == "interface").and_then(|d| d.alias.as_deref()).and_then(device_id_of),
            }
        })
        .collect()
}

/// The hot-pluggable slots no device holds, lowest first.
pub fn free_slots(devices: &[PciDevice]) -> Vec<PciAddress> {
    HOTPLUG_SLOTS.filter(|slot| holder(devices, *slot).is_none()).map(root_slot).collect()
}

/// libvirt's element name as a kind of device.
fn kind_of(element: &str) -> PciDeviceKind {
    match element {
        "interface" => PciDeviceKind::Nic,
        "disk" => PciDeviceKind::Disk,
        "controller" => PciDeviceKind::Controller,
        "memballoon" => PciDeviceKind::Balloon,
        "video" => PciDeviceKind::Video,
        _ => PciDeviceKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotnic_agent_api::slots::count;

    fn device(slot: u8, function: u8, element: &str, alias: &str) -> PciDevice {
        PciDevice { address: PciAddress { domain: 0, bus: 0, slot, function }, element: element.into(), alias: Some(alias.into()) }
    }

    #[test]
    fn maps_every_hot_pluggable_slot_of_bus_0_to_its_holder() {
        let nic = "ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
        let devices = [
            device(1, 1, "controller", "ide"),
            device(2, 0, "controller", "virtio-serial0"),
            device(3, 0, "memballoon", "balloon0"),
            device(5, 0, "interface", nic),
            device(6, 0, "hostdev", "hostdev0"),
            // Another bus's slot 7 leaves bus 0's free.
            PciDevice { address: PciAddress { domain: 0, bus: 1, slot: 7, function: 0 }, element: "disk".into(), alias: None },
        ];
        let map = slot_map(&devices);
        assert_eq!(map.len(), 30, "slots 2 to 31");
        assert_eq!(map[0].address, PciAddressDict::pci(0, 0, 2, 0));
        let held: Vec<(u8, PciDeviceKind)> =
            map.iter().filter_map(|s| Some((s.address.address().unwrap().slot, s.device?))).collect();
        assert_eq!(
            held,
            [(2, PciDeviceKind::Controller), (3, PciDeviceKind::Balloon), (5, PciDeviceKind::Nic), (6, PciDeviceKind::Other)]
        );
        assert_eq!(map[3].device_id, device_id_of(nic));
        assert!(map[3].device_id.is_some());
        assert_eq!(map[4].device_id, None, "only NICs carry hotnic's device id");
        assert_eq!(count(&map), hotnic_agent_api::PciSlotCount { total: 30, free: 26 });
        let free = free_slots(&devices);
        assert_eq!(free.first(), Some(&root_slot(4)));
        assert!(free.contains(&root_slot(7)));
        assert_eq!(free.len(), 26);
    }

    #[test]
    fn a_full_bus_has_no_free_slot() {
        let devices: Vec<PciDevice> = HOTPLUG_SLOTS.map(|slot| device(slot, 0, "interface", "net")).collect();
        assert!(free_slots(&devices).is_empty());
        assert_eq!(count(&slot_map(&devices)).free, 0);
    }
}
