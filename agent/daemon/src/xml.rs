//! libvirt XML: written from parsed specs with quick-xml's `Writer` (which
//! escapes every attribute and text), and read back from the live domain
//! with quick-xml's serde reader. Never built by string concatenation.

use std::io;

use quick_xml::{
    events::{BytesText, Event},
    Reader, Writer,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::params::{NicLink, NicSpec, PciAddress, VmSpec};

/// The metadata namespace that marks the domains this agent started.
pub const METADATA_NS: &str = "urn:hotnic:agent:1";
const METADATA_PREFIX: &str = "hotnic";

type XmlWriter = Writer<Vec<u8>>;

/// A NIC this agent cannot express in libvirt XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// SR-IOV passthrough needs a virtual function to pass; this agent does
    /// not manage VFs.
    #[error("SR-IOV VF passthrough is not implemented by this agent")]
    SriovNotImplemented,
}

/// `<interface>` for hot plug.
pub fn interface_xml(nic: &NicSpec) -> Result<String, BuildError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_interface(&mut w, nic)?;
    Ok(into_string(w))
}

/// The virtio-serial port the QEMU guest agent opens: libvirt reports it
/// `connected` once the guest's agent runs, our sign the guest has booted.
pub const GUEST_AGENT_CHANNEL: &str = "org.qemu.guest_agent.0";

/// The whole transient `<domain type='qemu'>` (TCG, ACPI on, direct kernel
/// boot when a kernel is given, serial console to a file when given, a
/// guest agent channel). `started_ms` (Unix time) goes into our metadata so
/// the boot grace survives an agent restart.
pub fn domain_xml(vm: &VmSpec, started_ms: u64) -> Result<String, BuildError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let mut nic_error = None;
    w.create_element("domain")
        .with_attribute(("type", "qemu"))
        .write_inner_content(|w| {
            text_element(w, "name", vm.name.as_str())?;
            text_element(w, "uuid", &vm.id.to_string())?;
            w.create_element("metadata").write_inner_content(|w| {
                w.create_element(format!("{METADATA_PREFIX}:vm"))
                    .with_attribute((format!("xmlns:{METADATA_PREFIX}").as_str(), METADATA_NS))
                    .with_attribute(("started", started_ms.to_string().as_str()))
                    .write_empty()?;
                Ok(())
            })?;
            w.create_element("memory")
                .with_attribute(("unit", "MiB"))
                .write_text_content(BytesText::new(&vm.memory_mib.to_string()))?;
            text_element(w, "vcpu", &vm.vcpus.to_string())?;
            w.create_element("os").write_inner_content(|w| {
                w.create_element("type")
                    .with_attributes([("arch", "x86_64"), ("machine", "pc")])
                    .write_text_content(BytesText::new("hvm"))?;
                if let Some(kernel) = &vm.kernel {
                    text_element(w, "kernel", kernel.as_str())?;
                }
                if let Some(initrd) = &vm.initrd {
                    text_element(w, "initrd", initrd.as_str())?;
                }
                if let Some(cmdline) = &vm.cmdline {
                    text_element(w, "cmdline", cmdline)?;
                }
                Ok(())
            })?;
            w.create_element("features").write_inner_content(|w| {
                w.create_element("acpi").write_empty()?;
                Ok(())
            })?;
            for (event, action) in [
                ("on_poweroff", "destroy"),
                ("on_reboot", "destroy"),
                ("on_crash", "destroy"),
            ] {
                text_element(w, event, action)?;
            }
            w.create_element("devices").write_inner_content(|w| {
                w.create_element("controller")
                    .with_attributes([("type", "usb"), ("model", "none")])
                    .write_empty()?;
                for (index, drive) in vm.drives.iter().enumerate() {
                    w.create_element("disk")
                        .with_attributes([("type", "file"), ("device", "disk")])
                        .write_inner_content(|w| {
                            w.create_element("driver")
                                .with_attributes([
                                    ("name", "qemu"),
                                    ("type", drive.format.as_str()),
                                ])
                                .write_empty()?;
                            w.create_element("source")
                                .with_attribute(("file", drive.path.as_str()))
                                .write_empty()?;
                            w.create_element("target")
                                .with_attributes([
                                    ("dev", disk_target(index).as_str()),
                                    ("bus", "virtio"),
                                ])
                                .write_empty()?;
                            if let Some(order) = drive.boot_order {
                                w.create_element("boot")
                                    .with_attribute(("order", order.to_string().as_str()))
                                    .write_empty()?;
                            }
                            if drive.readonly {
                                w.create_element("readonly").write_empty()?;
                            }
                            Ok(())
                        })?;
                }
                for nic in &vm.nics {
                    if let Err(err) = write_interface(w, nic) {
                        nic_error = Some(err);
                    }
                }
                if let Some(path) = &vm.serial_console {
                    w.create_element("serial")
                        .with_attribute(("type", "file"))
                        .write_inner_content(|w| {
                            w.create_element("source")
                                .with_attribute(("path", path.as_str()))
                                .write_empty()?;
                            w.create_element("target")
                                .with_attribute(("port", "0"))
                                .write_empty()?;
                            Ok(())
                        })?;
                    w.create_element("console")
                        .with_attribute(("type", "file"))
                        .write_inner_content(|w| {
                            w.create_element("source")
                                .with_attribute(("path", path.as_str()))
                                .write_empty()?;
                            w.create_element("target")
                                .with_attributes([("type", "serial"), ("port", "0")])
                                .write_empty()?;
                            Ok(())
                        })?;
                }
                w.create_element("channel")
                    .with_attribute(("type", "unix"))
                    .write_inner_content(|w| {
                        w.create_element("target")
                            .with_attributes([("type", "virtio"), ("name", GUEST_AGENT_CHANNEL)])
                            .write_empty()?;
                        Ok(())
                    })?;
                w.create_element("memballoon")
                    .with_attribute(("model", "none"))
                    .write_empty()?;
                Ok(())
            })?;
            Ok(())
        })
        .expect("writing XML to memory cannot fail");
    match nic_error {
        Some(err) => Err(err),
        None => Ok(into_string(w)),
    }
}

fn write_interface(w: &mut XmlWriter, nic: &NicSpec) -> Result<(), BuildError> {
    let kind = match &nic.link {
        NicLink::Bridge(_) => "bridge",
        NicLink::Bridgeless => "ethernet",
        NicLink::Vnlink(_) => "direct",
        NicLink::Sriov => return Err(BuildError::SriovNotImplemented),
    };
    w.create_element("interface")
        .with_attribute(("type", kind))
        .write_inner_content(|w| {
            w.create_element("mac")
                .with_attribute(("address", nic.mac.to_string().as_str()))
                .write_empty()?;
            match &nic.link {
                NicLink::Bridge(bridge) => {
                    w.create_element("source")
                        .with_attribute(("bridge", bridge.as_str()))
                        .write_empty()?;
                }
                NicLink::Vnlink(dev) => {
                    w.create_element("source")
                        .with_attributes([("dev", dev.as_str()), ("mode", "bridge")])
                        .write_empty()?;
                }
                NicLink::Bridgeless | NicLink::Sriov => {}
            }
            if matches!(nic.link, NicLink::Bridge(_) | NicLink::Bridgeless) {
                w.create_element("target")
                    .with_attribute(("dev", nic.tap_name().as_str()))
                    .write_empty()?;
            }
            w.create_element("model")
                .with_attribute(("type", nic.model.as_str()))
                .write_empty()?;
            // libvirt's default is up; only a pulled cable is written.
            if !nic.link_up {
                w.create_element("link")
                    .with_attribute(("state", "down"))
                    .write_empty()?;
            }
            if let Some(order) = nic.boot_order {
                w.create_element("boot")
                    .with_attribute(("order", order.to_string().as_str()))
                    .write_empty()?;
            }
            w.create_element("alias")
                .with_attribute(("name", nic.alias().as_str()))
                .write_empty()?;
            if let Some(address) = nic.address {
                write_pci_address(w, address)?;
            }
            Ok(())
        })
        .expect("writing XML to memory cannot fail");
    Ok(())
}

fn write_pci_address(w: &mut XmlWriter, a: PciAddress) -> io::Result<()> {
    let dict = hotnic_agent_api::PciAddressDict::from(a);
    w.create_element("address")
        .with_attributes([
            ("type", "pci"),
            ("domain", dict.domain.as_str()),
            ("bus", dict.bus.as_str()),
            ("slot", dict.slot.as_str()),
            ("function", dict.function.as_str()),
        ])
        .write_empty()?;
    Ok(())
}

fn text_element(w: &mut XmlWriter, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// vda, vdb, … vdz, vdaa, …
fn disk_target(index: usize) -> String {
    let mut suffix = String::new();
    let mut n = index + 1;
    while n > 0 {
        n -= 1;
        suffix.insert(0, (b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    format!("vd{suffix}")
}

fn into_string(w: XmlWriter) -> String {
    String::from_utf8(w.into_inner()).expect("the writer only writes UTF-8")
}

// ----------------------------------------------------------------- reading

/// The parts of a live domain the agent reports and acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveDomain {
    pub name: String,
    pub uuid: Uuid,
    pub nics: Vec<LiveNic>,
    /// Every device of the domain at a PCI address, with that address.
    pub pci_devices: Vec<PciDevice>,
    /// When this agent started the domain (Unix ms), from our metadata.
    pub started_ms: Option<u64>,
    /// Whether the guest agent's port is open; None without the channel.
    pub guest_agent_connected: Option<bool>,
}

/// A device at a guest PCI address: its element (`interface`, `disk`,
/// `controller`, …) and alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciDevice {
    pub address: PciAddress,
    pub element: String,
    pub alias: Option<String>,
}

impl LiveDomain {
    /// Whether a device of the domain occupies `address`.
    pub fn holds(&self, address: PciAddress) -> bool {
        self.pci_devices.iter().any(|d| d.address == address)
    }

    pub fn nic_by_alias(&self, alias: &str) -> Option<&LiveNic> {
        self.nics.iter().find(|n| n.alias.as_deref() == Some(alias))
    }

    /// The NIC the engine means: the one with hotnic's alias for it, or,
    /// when none has it, one hotnic did not plug (its alias is not
    /// `ua-<uuid>`: attached behind hotnic's back, then adopted) with `mac`.
    pub fn nic_for(&self, alias: &str, mac: &str) -> Option<&LiveNic> {
        self.nic_by_alias(alias).or_else(|| {
            self.nics.iter().find(|n| {
                let foreign = n.alias.as_deref().and_then(crate::params::device_id_of).is_none();
                foreign && n.mac.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(mac))
            })
        })
    }
}

/// An `<interface>` of the live XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveNic {
    /// libvirt's interface type: bridge, ethernet, direct, hostdev, …
    pub kind: String,
    pub alias: Option<String>,
    pub mac: Option<String>,
    pub model: Option<String>,
    pub bridge: Option<String>,
    pub source_dev: Option<String>,
    pub tap: Option<String>,
    pub boot_order: Option<u32>,
    pub address: Option<PciAddress>,
    /// `<link state='down'/>` absent: up.
    pub link_up: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the domain XML: {0}")]
    Xml(String),
}

#[derive(Deserialize)]
struct DomainDoc {
    name: String,
    uuid: String,
    #[serde(default)]
    devices: DevicesDoc,
}

#[derive(Deserialize, Default)]
struct DevicesDoc {
    #[serde(default)]
    interface: Vec<InterfaceDoc>,
}

#[derive(Deserialize)]
struct InterfaceDoc {
    #[serde(rename = "@type")]
    kind: String,
    mac: Option<MacDoc>,
    source: Option<SourceDoc>,
    target: Option<TargetDoc>,
    model: Option<ModelDoc>,
    boot: Option<BootDoc>,
    alias: Option<AliasDoc>,
    address: Option<AddressDoc>,
    link: Option<LinkDoc>,
}

#[derive(Deserialize)]
struct LinkDoc {
    #[serde(rename = "@state")]
    state: Option<String>,
}

#[derive(Deserialize)]
struct MacDoc {
    #[serde(rename = "@address")]
    address: Option<String>,
}

#[derive(Deserialize)]
struct TargetDoc {
    #[serde(rename = "@dev")]
    dev: Option<String>,
}

#[derive(Deserialize)]
struct ModelDoc {
    #[serde(rename = "@type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct BootDoc {
    #[serde(rename = "@order")]
    order: Option<String>,
}

#[derive(Deserialize)]
struct AliasDoc {
    #[serde(rename = "@name")]
    name: Option<String>,
}

#[derive(Deserialize)]
struct SourceDoc {
    #[serde(rename = "@bridge")]
    bridge: Option<String>,
    #[serde(rename = "@dev")]
    dev: Option<String>,
}

#[derive(Deserialize)]
struct AddressDoc {
    #[serde(rename = "@type")]
    kind: String,
    #[serde(rename = "@domain")]
    domain: Option<String>,
    #[serde(rename = "@bus")]
    bus: Option<String>,
    #[serde(rename = "@slot")]
    slot: Option<String>,
    #[serde(rename = "@function")]
    function: Option<String>,
}

impl AddressDoc {
    fn pci(&self) -> Option<PciAddress> {
        if self.kind != "pci" {
            return None;
        }
        let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "0".into());
        crate::params::pci_from_parts(
            &part(&self.domain),
            &part(&self.bus),
            &part(&self.slot),
            &part(&self.function),
        )
        .ok()
    }
}

/// Reads the live domain XML (`virsh dumpxml`).
pub fn parse_live(xml: &str) -> Result<LiveDomain, ReadError> {
    let doc: DomainDoc = quick_xml::de::from_str(xml).map_err(|e| ReadError::Xml(e.to_string()))?;
    let uuid =
        Uuid::parse_str(doc.uuid.trim()).map_err(|e| ReadError::Xml(format!("uuid: {e}")))?;
    let nics = doc
        .devices
        .interface
        .into_iter()
        .map(|i| LiveNic {
            kind: i.kind,
            alias: i.alias.and_then(|a| a.name),
            mac: i.mac.and_then(|a| a.address),
            model: i.model.and_then(|a| a.kind),
            bridge: i.source.as_ref().and_then(|s| s.bridge.clone()),
            source_dev: i.source.as_ref().and_then(|s| s.dev.clone()),
            tap: i.target.and_then(|a| a.dev),
            boot_order: i.boot.and_then(|a| a.order).and_then(|o| o.parse().ok()),
            address: i.address.as_ref().and_then(AddressDoc::pci),
            link_up: i.link.and_then(|l| l.state).is_none_or(|state| state != "down"),
        })
        .collect();
    let scanned = scan(xml)?;
    Ok(LiveDomain {
        name: doc.name,
        uuid,
        nics,
        pci_devices: scanned.pci_devices,
        started_ms: scanned.started_ms,
        guest_agent_connected: scanned.guest_agent_connected,
    })
}

/// What one pass of the raw reader finds: facts the serde view would need
/// a document type per device kind (or namespace handling) to see.
#[derive(Default)]
struct Scanned {
    pci_devices: Vec<PciDevice>,
    started_ms: Option<u64>,
    guest_agent_connected: Option<bool>,
}

fn attributes(e: &quick_xml::events::BytesStart) -> Result<Vec<(String, String)>, ReadError> {
    e.attributes()
        .flatten()
        .map(|attr| {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| ReadError::Xml(e.to_string()))?
                .into_owned();
            Ok((attr.key.as_ref().to_owned(), value))
        })
        .collect()
}

/// The device element being read: its name, alias and own PCI address.
struct OpenDevice {
    element: String,
    alias: Option<String>,
    address: Option<PciAddress>,
}

impl OpenDevice {
    fn close(self, found: &mut Scanned) {
        if let Some(address) = self.address {
            found.pci_devices.push(PciDevice { address, element: self.element, alias: self.alias });
        }
    }
}

/// Every device under `<devices>` at a PCI address (its own `<address>`,
/// not one under `<source>`, which is the host's), our metadata's start
/// time and the guest agent channel's state.
fn scan(xml: &str) -> Result<Scanned, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut depth_in_devices = 0usize;
    let mut found = Scanned::default();
    let mut device: Option<OpenDevice> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| ReadError::Xml(e.to_string()))?;
        // The depth of the element this event is at: 2 is a device, 3 a
        // child of a device.
        let depth = match &event {
            Event::Start(e) if e.name().as_ref() == "devices" => {
                depth_in_devices = 1;
                0
            }
            Event::Start(_) if depth_in_devices > 0 => {
                depth_in_devices += 1;
                depth_in_devices
            }
            Event::Empty(_) if depth_in_devices > 0 => depth_in_devices + 1,
            Event::End(_) if depth_in_devices > 0 => {
                if depth_in_devices == 2 {
                    if let Some(open) = device.take() {
                        open.close(&mut found);
                    }
                }
                depth_in_devices -= 1;
                continue;
            }
            Event::Eof => break,
            _ => 0,
        };
        let (Event::Empty(e) | Event::Start(e)) = &event else {
            continue;
        };
        let tag: &str = e.name().into_inner();
        if depth == 2 {
            let open = OpenDevice { element: tag.to_owned(), alias: None, address: None };
            if matches!(event, Event::Empty(_)) {
                open.close(&mut found);
            } else {
                device = Some(open);
            }
            continue;
        }
        match tag {
            "alias" if depth == 3 => {
                if let Some(open) = device.as_mut() {
                    open.alias = attributes(e)?.into_iter().find(|(key, _)| key == "name").map(|(_, v)| v);
                }
            }
            "address" if depth == 3 => {
                let mut doc = AddressDoc {
                    kind: String::new(),
                    domain: None,
                    bus: None,
                    slot: None,
                    function: None,
                };
                for (key, value) in attributes(e)? {
                    match key.as_str() {
                        "type" => doc.kind = value,
                        "domain" => doc.domain = Some(value),
                        "bus" => doc.bus = Some(value),
                        "slot" => doc.slot = Some(value),
                        "function" => doc.function = Some(value),
                        _ => {}
                    }
                }
                if let Some(open) = device.as_mut() {
                    open.address = open.address.or(doc.pci());
                }
            }
            "target" if depth == 3 => {
                let attrs = attributes(e)?;
                let named = |k: &str| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
                if named("name") == Some(GUEST_AGENT_CHANNEL) {
                    found.guest_agent_connected = Some(named("state") == Some("connected"));
                }
            }
            _ if tag == format!("{METADATA_PREFIX}:vm") => {
                found.started_ms = attributes(e)?
                    .into_iter()
                    .find(|(key, _)| key == "started")
                    .and_then(|(_, v)| v.parse().ok());
            }
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{BridgeName, HostPath, MacAddr, NicModel, VmName};
    use std::num::NonZeroU32;

    fn nic() -> NicSpec {
        NicSpec {
            device_id: Uuid::from_u128(0x0b1c2d3e_4f50_4617_8293_a4b5c6d7e8f9),
            link: NicLink::Bridge(BridgeName::parse("blue").unwrap()),
            mac: "52:54:00:12:34:56".parse::<MacAddr>().unwrap(),
            model: NicModel::Virtio,
            address: None,
            boot_order: None,
            mirror_from: vec![],
            link_up: true,
        }
    }

    fn squash(xml: &str) -> String {
        xml.lines().map(str::trim).collect()
    }

    #[test]
    fn writes_each_kind_of_interface() {
        const ALIAS: &str = r#"<alias name="ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"/>"#;
        let slot = Some(PciAddress {
            domain: 0,
            bus: 0,
            slot: 0x0c,
            function: 0,
        });
        let cases = [
            (
                nic(),
                format!(
                    r#"<interface type="bridge"><mac address="52:54:00:12:34:56"/><source bridge="blue"/><target dev="hn0b1c2d3e4f50"/><model type="virtio"/>{ALIAS}</interface>"#
                ),
            ),
            (
                NicSpec {
                    link: NicLink::Bridgeless,
                    model: NicModel::Rtl8139,
                    boot_order: NonZeroU32::new(3),
                    ..nic()
                },
                format!(
                    r#"<interface type="ethernet"><mac address="52:54:00:12:34:56"/><target dev="hn0b1c2d3e4f50"/><model type="rtl8139"/><boot order="3"/>{ALIAS}</interface>"#
                ),
            ),
            (
                NicSpec {
                    link: NicLink::Vnlink(BridgeName::parse("eth0").unwrap()),
                    model: NicModel::E1000,
                    address: slot,
                    ..nic()
                },
                format!(
                    r#"<interface type="direct"><mac address="52:54:00:12:34:56"/><source dev="eth0" mode="bridge"/><model type="e1000"/>{ALIAS}<address type="pci" domain="0x0000" bus="0x00" slot="0x0c" function="0x0"/></interface>"#
                ),
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(squash(&interface_xml(&spec).unwrap()), expected, "{spec:?}");
        }
        let sriov = NicSpec {
            link: NicLink::Sriov,
            ..nic()
        };
        assert_eq!(interface_xml(&sriov), Err(BuildError::SriovNotImplemented));
    }

    fn vm() -> VmSpec {
        VmSpec {
            id: Uuid::from_u128(7),
            name: VmName::parse("vm-7").unwrap(),
            memory_mib: 128,
            vcpus: 1,
            kernel: Some(HostPath::parse("/guest/vmlinuz").unwrap()),
            initrd: Some(HostPath::parse("/guest/initrd.img").unwrap()),
            cmdline: Some("console=ttyS0 x='1' <y> & z".into()),
            drives: vec![],
            nics: vec![NicSpec {
                address: Some(PciAddress {
                    domain: 0,
                    bus: 0,
                    slot: 5,
                    function: 0,
                }),
                ..nic()
            }],
            serial_console: Some(HostPath::parse("/tmp/a&b'c.log").unwrap()),
        }
    }

    #[test]
    fn writes_a_domain_and_escapes_every_value() {
        let xml = domain_xml(&vm(), 1_700_000_000_123).unwrap();
        let flat = squash(&xml);
        for expected in [
            r#"<domain type="qemu"><name>vm-7</name><uuid>00000000-0000-0000-0000-000000000007</uuid>"#,
            r#"<metadata><hotnic:vm xmlns:hotnic="urn:hotnic:agent:1" started="1700000000123"/></metadata>"#,
            r#"<channel type="unix"><target type="virtio" name="org.qemu.guest_agent.0"/></channel>"#,
            r#"<memory unit="MiB">128</memory><vcpu>1</vcpu>"#,
            r#"<kernel>/guest/vmlinuz</kernel><initrd>/guest/initrd.img</initrd>"#,
            r#"<cmdline>console=ttyS0 x=&apos;1&apos; &lt;y&gt; &amp; z</cmdline>"#,
            r#"<features><acpi/></features>"#,
            r#"<source path="/tmp/a&amp;b&apos;c.log"/>"#,
            r#"slot="0x05""#,
        ] {
            assert!(flat.contains(expected), "{expected} not in {xml}");
        }
        let firmware_only = VmSpec {
            kernel: None,
            initrd: None,
            cmdline: None,
            serial_console: None,
            nics: vec![],
            ..vm()
        };
        let flat = squash(&domain_xml(&firmware_only, 0).unwrap());
        assert!(
            flat.contains(r#"<os><type arch="x86_64" machine="pc">hvm</type></os>"#),
            "{flat}"
        );
        assert!(!flat.contains("<serial"), "{flat}");
        // What we write, libvirt would give back: read our own XML.
        let live = parse_live(&domain_xml(&vm(), 1_700_000_000_123).unwrap()).unwrap();
        assert_eq!(live.started_ms, Some(1_700_000_000_123));
        assert_eq!(live.guest_agent_connected, Some(false));
        assert_eq!(
            live.nics[0].alias.as_deref(),
            Some("ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")
        );
        let addresses: Vec<PciAddress> = live.pci_devices.iter().map(|d| d.address).collect();
        assert_eq!(addresses, [PciAddress { domain: 0, bus: 0, slot: 5, function: 0 }]);
    }

    #[test]
    fn names_disks_like_libvirt() {
        let cases = [
            (0, "vda"),
            (1, "vdb"),
            (25, "vdz"),
            (26, "vdaa"),
            (27, "vdab"),
        ];
        for (index, name) in cases {
            assert_eq!(disk_target(index), name);
        }
    }

    const LIVE: &str = r#"<domain type='qemu' id='5'>
  <name>t1</name>
  <uuid>6d2a8e1c-3f4b-4a5c-9d8e-7f6a5b4c3d2e</uuid>
  <metadata><hotnic:vm xmlns:hotnic="urn:hotnic:agent:1"/></metadata>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>
    <controller type='ide' index='0'><alias name='ide'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>
    </controller>
    <interface type='bridge'>
      <mac address='52:54:00:48:4e:0c'/>
      <source bridge='hnbr0'/>
      <target dev='hn0b1c2d3e4f50'/>
      <model type='virtio'/>
      <boot order='2'/>
      <alias name='ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x0c' function='0x0'/>
    </interface>
    <serial type='file'><source path='/tmp/c.log'/><target type='isa-serial' port='0'/></serial>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address type='pci' domain='0x0000' bus='0x3b' slot='0x10' function='0x2'/></source>
      <alias name='hostdev0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </hostdev>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-5-t1/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
      <alias name='channel0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <interface type='ethernet'>
      <mac address='52:54:00:00:00:01'/>
      <target dev='vnet3' managed='yes'/>
      <model type='e1000'/>
      <alias name='net1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
  </devices>
</domain>"#;

    #[test]
    fn reads_interfaces_and_addresses_from_live_xml() {
        let live = parse_live(LIVE).unwrap();
        assert_eq!(live.name, "t1");
        assert_eq!(live.guest_agent_connected, Some(true));
        assert_eq!(live.started_ms, None, "a domain from before the start time was recorded");
        assert_eq!(
            live.uuid,
            Uuid::parse_str("6d2a8e1c-3f4b-4a5c-9d8e-7f6a5b4c3d2e").unwrap()
        );
        let first = live
            .nic_by_alias("ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")
            .unwrap();
        assert_eq!(
            first,
            &LiveNic {
                kind: "bridge".into(),
                alias: Some("ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9".into()),
                mac: Some("52:54:00:48:4e:0c".into()),
                model: Some("virtio".into()),
                bridge: Some("hnbr0".into()),
                source_dev: None,
                tap: Some("hn0b1c2d3e4f50".into()),
                boot_order: Some(2),
                address: Some(PciAddress {
                    domain: 0,
                    bus: 0,
                    slot: 0x0c,
                    function: 0
                }),
                link_up: true,
            }
        );
        // Interfaces are found even when other devices stand between them.
        assert_eq!(live.nics[1].kind, "ethernet");
        assert_eq!(live.nics[1].tap.as_deref(), Some("vnet3"));
        let held: Vec<(u8, &str, Option<&str>)> =
            live.pci_devices.iter().map(|d| (d.address.slot, d.element.as_str(), d.alias.as_deref())).collect();
        assert_eq!(
            held,
            [
                (0x01, "controller", Some("ide")),
                (0x0c, "interface", Some("ua-0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")),
                (0x06, "hostdev", Some("hostdev0")),
                (0x03, "interface", Some("net1")),
            ],
            "a hostdev's own address counts, not its host-side <source> address"
        );
    }
}
