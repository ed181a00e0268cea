//! Writes what a host reports about a VM's NICs (plugged or not, PCI
//! address, alias) so that no two NICs of a VM ever share a PCI address in
//! the database, not even for a moment (a unique index holds it): in one
//! transaction, the addresses that move are cleared first, then the new
//! ones are set. Monitoring, run (the NICs just started) and plug (when
//! the host's answer collides with a stored address) all write through here.

use crate::entities::vm_device;
use crate::nic_wire::from_wire_address;
use crate::stored_nic::StoredNic;
use crate::write_batch::WriteBatch;
use crate::EngineResult;
use hotnic_agent_api::{NicInfo, VmStats};
use hotnic_model::words::NicModel;
use hotnic_model::{PciAddress, UnknownNic};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryTrait, Set};
use uuid::Uuid;

/// A NIC's `pending` word while its guest has not released it after an
/// unplug that timed out: gone from the host later, it is recorded
/// unplugged (a late release), not marked as missing.
pub(crate) const AWAITING_RELEASE: &str = "release";

/// The intent of an interrupted flow the NIC carries, if any (waiting for a
/// guest's release is not one: nothing is unknown about it).
pub(crate) fn unfinished_intent(device: &vm_device::Model) -> Option<&str> {
    device.pending.as_deref().filter(|p| *p != AWAITING_RELEASE)
}

/// What the database should hold for one NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    plugged: bool,
    address: Option<PciAddress>,
    alias: Option<String>,
    /// An intent left by a flow that did not finish; resolved here.
    pending: Option<String>,
    /// What the host shows that the database does not.
    drift: Option<String>,
}

/// What applying a host's view changed.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Some row was written.
    pub changed: bool,
    /// Plugged in the database, gone from the host: the guest released
    /// them after their unplug was reported failed. Now unplugged.
    pub released_late: Vec<StoredNic>,
    /// Plugged in the database, gone from the host although nobody asked
    /// (detached behind hotnic's back), newly seen: left plugged, and marked.
    pub missing: Vec<StoredNic>,
    /// On the host although the database holds them unplugged (and they
    /// were not to be adopted): left as they are.
    pub unexpected: Vec<StoredNic>,
    /// Intents of interrupted flows, resolved: the NIC, what was asked,
    /// and whether the host had done it.
    pub resolved: Vec<(StoredNic, String, bool)>,
    /// Plugged NICs the host shows otherwise (MAC, model, link), newly
    /// seen: the NIC and what differs. Left as they are, and marked.
    pub differ: Vec<(StoredNic, String)>,
}

/// The host's entry for a stored NIC: the one with hotnic's alias for it
/// (its device id), or one attached behind hotnic's back and adopted since
/// (no device id; same MAC).
pub(crate) fn host_nic_of<'a>(nic: &StoredNic, on_host: &'a VmStats) -> Option<&'a NicInfo> {
    on_host.nics.iter().find(|n| n.device_id == Some(nic.interface.id)).or_else(|| {
        on_host.nics.iter().find(|n| n.device_id.is_none() && n.mac_addr.eq_ignore_ascii_case(&nic.interface.mac))
    })
}

/// The NICs the host has that none of `nics` is: attached behind hotnic's
/// back (or plugged by another manager with its own ids).
pub(crate) fn unknown_nics(nics: &[StoredNic], on_host: &VmStats) -> Vec<UnknownNic> {
    on_host
        .nics
        .iter()
        .filter(|info| !nics.iter().any(|nic| host_nic_of(nic, on_host).is_some_and(|seen| std::ptr::eq(seen, *info))))
        .map(|info| UnknownNic {
            mac: info.mac_addr.to_ascii_lowercase(),
            alias: hotnic_model::printable(&info.alias),
            interface: model_word(&info.nic_model),
            network: info.network.as_deref().map(hotnic_model::printable),
            address: info.address.as_ref().and_then(from_wire_address),
            linked: info.link_active,
        })
        .collect()
}

/// The API's word for the host's NIC model (`pv` is virtio); another
/// model keeps the host's word, escaped.
pub(crate) fn model_word(wire: &str) -> String {
    <NicModel as hotnic_model::words::VariantArray>::VARIANTS
        .iter()
        .find(|m| m.wire_name() == wire)
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| hotnic_model::printable(wire))
}

fn link_word(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

/// What the host shows otherwise for a plugged NIC: its MAC, model, link.
pub(crate) fn differences(nic: &StoredNic, info: &NicInfo) -> Option<String> {
    let mut said = Vec::new();
    if !info.mac_addr.eq_ignore_ascii_case(&nic.interface.mac) {
        said.push(format!("MAC is {} on the host, {} here", hotnic_model::printable(&info.mac_addr), nic.interface.mac));
    }
    let model = model_word(&info.nic_model);
    if model != nic.interface.model {
        said.push(format!("model is {model} on the host, {} here", nic.interface.model));
    }
    if info.link_active != nic.interface.linked {
        said.push(format!("link is {} on the host, {} here", link_word(info.link_active), link_word(nic.interface.linked)));
    }
    (!said.is_empty()).then(|| said.join("; "))
}

impl Applied {
    /// Nothing to record: no NIC newly missing, differing, unexpected,
    /// released late, nor an intent resolved.
    fn reports_nothing(&self) -> bool {
        self.released_late.is_empty() && self.missing.is_empty() && self.unexpected.is_empty() && self.resolved.is_empty() && self.differ.is_empty()
    }
}

/// Whether `on_host` would change nothing of `nics` (all NICs of one VM):
/// no row to write, nothing to report.
pub(crate) fn agrees(nics: &[StoredNic], on_host: &VmStats) -> bool {
    let (applied, writes) = plan(nics, on_host, &[]);
    writes.is_empty() && applied.reports_nothing()
}

/// Whether `on_host` would change nothing of `nics` apart from the NICs a
/// flow is plugging or unplugging (an intent not yet resolved): that flow
/// stores the host's answer for them itself.
pub(crate) fn agrees_but_for_intents(nics: &[StoredNic], on_host: &VmStats) -> bool {
    let (applied, writes) = plan(nics.iter().filter(|nic| unfinished_intent(&nic.device).is_none()), on_host, &[]);
    writes.is_empty() && applied.reports_nothing()
}

/// [`apply`] in a transaction of its own, for a flow.
pub(crate) async fn apply_alone(db: &DatabaseConnection, nics: &[StoredNic], on_host: &VmStats, adopt: &[Uuid]) -> EngineResult<Applied> {
    let mut writes = WriteBatch::new(db.get_database_backend());
    let applied = apply(&mut writes, nics, on_host, adopt);
    writes.send_alone(db).await?;
    Ok(applied)
}

/// Brings `nics` (all NICs of one VM) in line with `on_host`, the host's
/// report of that VM: adds the writes to `writes`, for the caller's
/// transaction. NICs in `adopt` (one a flow just plugged) are recorded
/// plugged when the host has them. An address changing hands is cleared
/// before it is given, so no two NICs of the VM ever share it.
pub(crate) fn apply(writes: &mut WriteBatch, nics: &[StoredNic], on_host: &VmStats, adopt: &[Uuid]) -> Applied {
    let (mut applied, wanted_rows) = plan(nics, on_host, adopt);
    if wanted_rows.is_empty() {
        return applied;
    }
    let row_of = |nic: &StoredNic| vm_device::Entity::update_many().filter(vm_device::Column::DeviceId.eq(nic.interface.id));
    for (nic, wanted) in &wanted_rows {
        if nic.device.address.is_some() && nic.address() != wanted.address {
            let cleared = row_of(nic).col_expr(vm_device::Column::Address, Expr::value(Option::<String>::None));
            writes.push(&cleared.into_query());
        }
    }
    for (nic, wanted) in &wanted_rows {
        let mut row: vm_device::ActiveModel = nic.device.clone().into_active_model();
        row.is_plugged = Set(wanted.plugged);
        row.address = Set(wanted.address.map(address_text));
        row.alias = Set(wanted.alias.clone());
        if wanted.pending != nic.device.pending {
            row.pending = Set(wanted.pending.clone());
            row.pending_since = Set(wanted.pending.as_ref().map(|_| chrono::Utc::now()));
        }
        row.drift = Set(wanted.drift.clone());
        // Every column set: the first step may have written this row.
        writes.push(&row_of(nic).set(row.reset_all()).into_query());
    }
    applied.changed = true;
    applied
}

/// What applying `on_host` would write (each NIC and the row it should
/// become) and report, without writing.
fn plan<'a>(nics: impl IntoIterator<Item = &'a StoredNic>, on_host: &VmStats, adopt: &[Uuid]) -> (Applied, Vec<(&'a StoredNic, Wanted)>) {
    let mut applied = Applied::default();
    let mut writes: Vec<(&StoredNic, Wanted)> = Vec::new();
    for nic in nics {
        let awaiting_release = nic.device.pending.as_deref() == Some(AWAITING_RELEASE);
        let pending = unfinished_intent(&nic.device).map(str::to_owned);
        let current = Wanted {
            plugged: nic.device.is_plugged,
            address: nic.address(),
            alias: nic.device.alias.clone(),
            pending: nic.device.pending.clone(),
            drift: nic.device.drift.clone(),
        };
        let seen = host_nic_of(nic, on_host);
        // A plug that was asked for counts as plugged if the host has it.
        let adopted = adopt.contains(&nic.interface.id) || pending.as_deref() == Some("plug");
        if let Some(asked) = &pending {
            applied.resolved.push((nic.clone(), asked.clone(), (asked == "plug") == seen.is_some()));
        }
        let wanted = match (nic.device.is_plugged || adopted, seen) {
            (true, Some(info)) => {
                // What differs is marked, never overwritten either way; a
                // NIC just plugged or adopted is as the host answered.
                let drift = if nic.device.is_plugged && !adopted { differences(nic, info) } else { None };
                if drift.is_some() && drift != current.drift {
                    applied.differ.push((nic.clone(), drift.clone().unwrap_or_default()));
                }
                Wanted {
                    plugged: true,
                    address: info.address.as_ref().and_then(from_wire_address),
                    alias: Some(info.alias.clone()),
                    // Still in the guest: it may release it yet.
                    pending: awaiting_release.then(|| AWAITING_RELEASE.to_owned()),
                    drift,
                }
            }
            // The asked-for plug did not happen: it stays unplugged.
            (true, None) if !nic.device.is_plugged => Wanted { plugged: false, address: None, alias: None, pending: None, drift: None },
            (true, None) if awaiting_release => {
                applied.released_late.push(nic.clone());
                Wanted { plugged: false, address: None, alias: None, pending: None, drift: None }
            }
            // The interrupted unplug happened.
            (true, None) if pending.is_some() => Wanted { plugged: false, address: None, alias: None, pending: None, drift: None },
            // Gone without an unplug: marked, never silently recorded.
            (true, None) => {
                let drift = Some("plugged here but missing on the host".to_owned());
                if drift != current.drift {
                    applied.missing.push(nic.clone());
                }
                Wanted { drift, ..current.clone() }
            }
            // Left as it is, and marked: Plug adopts it, or the host lets go.
            (false, Some(info)) => {
                applied.unexpected.push(nic.clone());
                let at = info.address.as_ref().and_then(from_wire_address).map(|a| format!(" at {a}")).unwrap_or_default();
                Wanted { drift: Some(format!("plugged on the host{at} although unplugged here; Plug adopts it")), ..current.clone() }
            }
            (false, None) => Wanted { pending: None, drift: None, ..current.clone() },
        };
        if wanted != current {
            writes.push((nic, wanted));
        }
    }
    (applied, writes)
}

/// How an address is stored (and compared by the unique index).
pub(crate) fn address_text(address: PciAddress) -> String {
    serde_json::to_string(&address).expect("address JSON")
}

/// The addresses to send at run: each plugged NIC's stored one, except
/// that addresses two NICs share are dropped (the host chooses). Returns
/// the addresses, in the order of `plugged`, and the NICs that lost theirs.
pub(crate) fn addresses_for_run(plugged: &[StoredNic]) -> (Vec<Option<PciAddress>>, Vec<&StoredNic>) {
    let stored: Vec<Option<PciAddress>> = plugged.iter().map(StoredNic::address).collect();
    let shared = |a: &Option<PciAddress>| a.is_some() && stored.iter().filter(|b| *b == a).count() > 1;
    let dropped = plugged.iter().zip(&stored).filter(|(_, a)| shared(a)).map(|(nic, _)| nic).collect();
    let addresses = stored.iter().map(|a| if shared(a) { None } else { *a }).collect();
    (addresses, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::vm_interface;

    fn nic(name: &str, slot: Option<u8>) -> StoredNic {
        let id = Uuid::new_v4();
        StoredNic {
            interface: vm_interface::Model {
                id,
                vm_id: Uuid::nil(),
                name: name.into(),
                network_id: None,
                mac: "00:1a:4a:16:01:51".into(),
                model: "virtio".into(),
                port_mirroring: false,
                boot_order: None,
                created_at: chrono::Utc::now(),
                linked: true,
            },
            device: vm_device::Model {
                device_id: id,
                vm_id: Uuid::nil(),
                r#type: "interface".into(),
                device: "bridge".into(),
                is_plugged: true,
                address: slot.map(|slot| address_text(PciAddress { domain: 0, bus: 0, slot, function: 0 })),
                alias: None,
                spec_params: "{}".into(),
                pending: None,
                pending_since: None,
                drift: None,
            },
            network: None,
        }
    }

    #[test]
    fn run_drops_addresses_two_nics_share_and_keeps_the_rest() {
        let nics = [nic("a", Some(3)), nic("b", Some(4)), nic("c", Some(3)), nic("d", None)];
        let (addresses, dropped) = addresses_for_run(&nics);
        let slots: Vec<Option<u8>> = addresses.iter().map(|a| a.map(|a| a.slot)).collect();
        assert_eq!(slots, [None, Some(4), None, None]);
        let names: Vec<&str> = dropped.iter().map(|n| n.interface.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn run_keeps_distinct_addresses() {
        let nics = [nic("a", Some(3)), nic("b", Some(4)), nic("c", None), nic("d", None)];
        let (addresses, dropped) = addresses_for_run(&nics);
        let slots: Vec<Option<u8>> = addresses.iter().map(|a| a.map(|a| a.slot)).collect();
        assert_eq!(slots, [Some(3), Some(4), None, None]);
        assert!(dropped.is_empty());
    }
}
