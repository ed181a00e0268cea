//! MAC addresses, parsed once.

use crate::printable;
use std::fmt;
use std::str::FromStr;

/// A unicast MAC address, written `00:1a:4a:16:01:51` (lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    pub fn to_u64(self) -> u64 {
        self.0.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b))
    }

    pub fn from_u64(value: u64) -> Self {
        let bytes = value.to_be_bytes();
        MacAddr([bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]])
    }
}

impl FromStr for MacAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{}' is not a MAC address like 00:1a:4a:16:01:51", printable(text));
        let parts: Vec<&str> = text.trim().split(':').collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut bytes = [0u8; 6];
        for (byte, part) in bytes.iter_mut().zip(&parts) {
            // from_str_radix alone would take a sign ("+1").
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if bytes[0] & 1 == 1 {
            return Err(format!("{} is a multicast address; a NIC needs a unicast one (even first byte)", printable(text)));
        }
        if bytes == [0; 6] {
            return Err("00:00:00:00:00:00 is not a usable MAC address".into());
        }
        Ok(MacAddr(bytes))
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let mac: MacAddr = "00:1A:4a:16:01:51".parse().unwrap();
        assert_eq!(mac.to_string(), "00:1a:4a:16:01:51");
        assert_eq!(MacAddr::from_u64(mac.to_u64()), mac);
        assert_eq!(MacAddr::from_u64(mac.to_u64() + 1).to_string(), "00:1a:4a:16:01:52");
    }

    #[test]
    fn refuses_what_is_not_a_unicast_mac() {
        for text in ["", "00:1a:4a:16:01", "00:1a:4a:16:01:5", "00-1a-4a-16-01-51", "zz:1a:4a:16:01:51", "01:00:5e:00:00:01", "00:00:00:00:00:00", "00:1a:4a:16:01:51:00", "00:1a:4a:16:01:+1"] {
            assert!(text.parse::<MacAddr>().is_err(), "{text}");
        }
    }
}
