//! A PCI address as the API shows it, e.g. 0000:00:03.0.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `{"type":"pci","domain":0,"bus":0,"slot":3,"function":0}`; displayed the
/// way `lspci` and the guest's sysfs write it: `0000:00:03.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename = "pci")]
pub struct PciAddress {
    pub domain: u16,
    pub bus: u8,
    pub slot: u8,
    pub function: u8,
}

impl PciAddress {
    /// The highest slot and function an address may name.
    pub const MAX_SLOT: u8 = 0x1f;
    pub const MAX_FUNCTION: u8 = 7;
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:02x}:{:02x}.{:x}", self.domain, self.bus, self.slot, self.function)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_api_shape() {
        let address = PciAddress { domain: 0, bus: 0, slot: 0x0c, function: 0 };
        let json = serde_json::to_value(address).unwrap();
        assert_eq!(json, serde_json::json!({"type":"pci","domain":0,"bus":0,"slot":12,"function":0}));
        assert_eq!(serde_json::from_value::<PciAddress>(json).unwrap(), address);
        assert_eq!(address.to_string(), "0000:00:0c.0");
    }
}
