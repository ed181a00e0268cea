//! A VM's NICs as oVirt shows them: list, add, get, update, activate and
//! deactivate (plug and unplug), remove, over the same engine flows as the
//! REST API. Where oVirt's defaults differ, this API follows oVirt: a NIC
//! is added plugged unless `<plugged>false</plugged>` is sent (add, then
//! plug: two engine flows; if the plug is refused the NIC is removed
//! again, so the add fails as a whole, as oVirt's does). The vNIC profile
//! of a network has the network's id.

use super::fault::{Answer, Fault};
use super::vms::id_in_path;
use super::xml::{boolean, complete, ok, El, Xml, API};
use crate::rest::caller::Caller;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hotnic_engine::access::Actor;
use hotnic_engine::{link, networks, nics, plug, vms, Engine, EngineError};
use hotnic_model::{NewNic, Nic, NicUpdate, Vm};
use serde::Deserialize;
use uuid::Uuid;

pub fn nic_xml(nic: &Nic, profile: Option<Uuid>) -> El {
    let href = format!("{API}/vms/{}/nics/{}", nic.vm_id, nic.id);
    let mut el = El::object("nic", href.clone(), nic.id)
        .actions(&href, &["activate", "deactivate"])
        .child(El::leaf("name", &nic.name))
        .links(&href, &["networkfilterparameters"])
        .child(El::leaf("interface", &nic.interface))
        .child(El::leaf("linked", nic.linked))
        .child(El::new("mac").child(El::leaf("address", &nic.mac)))
        .child(El::leaf("plugged", nic.plugged))
        .child(El::leaf("synced", true));
    if let Some(profile) = profile {
        el = el.child(El::reference("vnic_profile", "vnicprofiles", profile));
    }
    el.child(El::reference("vm", "vms", nic.vm_id))
}

/// The NICs with their profiles (a network's profile has its id).
async fn nics_xml(engine: &Engine, actor: &Actor, cluster_id: Uuid, list: &[Nic]) -> Result<Vec<El>, Fault> {
    let networks = networks::list_networks(engine.db(), actor, Some(cluster_id)).await?;
    let profile = |nic: &Nic| nic.network.as_ref().and_then(|name| networks.iter().find(|n| &n.name == name)).map(|n| n.id);
    Ok(list.iter().map(|nic| nic_xml(nic, profile(nic))).collect())
}

async fn one_nic(engine: &Engine, actor: &Actor, nic: &Nic) -> Result<El, Fault> {
    let vm = vms::get_vm(engine, actor, nic.vm_id).await?;
    Ok(nics_xml(engine, actor, vm.cluster_id, std::slice::from_ref(nic)).await?.remove(0))
}

/// What the SDK writes for a NIC (only the fields that were set).
#[derive(Debug, Default, Deserialize)]
struct NicBody {
    name: Option<String>,
    interface: Option<String>,
    linked: Option<String>,
    plugged: Option<String>,
    mac: Option<MacBody>,
    vnic_profile: Option<Reference>,
}

#[derive(Debug, Default, Deserialize)]
struct MacBody {
    address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Reference {
    #[serde(rename = "@id")]
    id: Option<String>,
}

/// The fields of a `<nic>` body, checked; `vnic_profile` read as the
/// name of its network in the VM's cluster.
struct NicFields {
    name: Option<String>,
    interface: Option<String>,
    mac: Option<String>,
    network: Option<String>,
    plugged: Option<bool>,
    linked: Option<bool>,
}

async fn read_nic(engine: &Engine, actor: &Actor, vm: &Vm, body: &Bytes) -> Result<NicFields, Fault> {
    let text = std::str::from_utf8(body).map_err(|_| Fault::bad_request("the request body is not UTF-8 text"))?;
    let parsed: NicBody = quick_xml::de::from_str(text).map_err(|e| Fault::bad_request(format!("the request body is not a <nic> hotnic can read: {e}")))?;
    let linked = parsed.linked.as_deref().map(|l| boolean("linked", l)).transpose().map_err(Fault::bad_request)?;
    let plugged = parsed.plugged.as_deref().map(|p| boolean("plugged", p)).transpose().map_err(Fault::bad_request)?;
    let network = match parsed.vnic_profile {
        None => None,
        Some(Reference { id: None }) => return Err(Fault::bad_request("<vnic_profile> needs the id of a profile (GET /ovirt-engine/api/vnicprofiles)")),
        Some(Reference { id: Some(id) }) => Some(profile_network(engine, actor, vm, &id).await?),
    };
    Ok(NicFields { name: parsed.name, interface: parsed.interface, mac: parsed.mac.and_then(|m| m.address), network, plugged, linked })
}

/// The network a profile id names, which must be one of the VM's cluster.
async fn profile_network(engine: &Engine, actor: &Actor, vm: &Vm, profile: &str) -> Result<String, Fault> {
    let unknown = || Fault::bad_request(format!("no vNIC profile with id {profile}"));
    let id: Uuid = profile.parse().map_err(|_| unknown())?;
    let network = networks::list_networks(engine.db(), actor, None).await?.into_iter().find(|n| n.id == id).ok_or_else(unknown)?;
    if network.cluster_id != vm.cluster_id {
        return Err(Fault::bad_request(format!(
            "vNIC profile {} is of a network of another cluster than VM {}'s",
            network.name, vm.name
        )));
    }
    Ok(network.name)
}

/// GET /api/vms/{vm}/nics
pub async fn list(State(engine): State<Engine>, Caller(actor): Caller, Path(vm): Path<String>) -> Answer {
    let vm = vms::get_vm(&engine, &actor, id_in_path("VM", &vm)?).await?;
    let list = nics::list_nics(&engine, &actor, vm.id).await?;
    Ok(ok(El::new("nics").children(nics_xml(&engine, &actor, vm.cluster_id, &list).await?)))
}

/// POST /api/vms/{vm}/nics: 201 with the new NIC, plugged unless asked not.
pub async fn add(State(engine): State<Engine>, Caller(actor): Caller, Path(vm): Path<String>, body: Bytes) -> Answer {
    let vm = vms::get_vm(&engine, &actor, id_in_path("VM", &vm)?).await?;
    let vm_id = vm.id;
    let fields = read_nic(&engine, &actor, &vm, &body).await?;
    let name = fields.name.ok_or_else(|| Fault::bad_request("Incomplete parameters: Nic [name] required for add"))?;
    let new = NewNic {
        name,
        network: fields.network,
        interface: fields.interface.unwrap_or_else(|| "virtio".into()),
        mac: fields.mac,
        port_mirroring: false,
        boot_order: None,
    };
    let mut nic = nics::add_nic(&engine, &actor, vm_id, new).await?;
    // A NIC added with its cable pulled is plugged that way.
    if fields.linked == Some(false) {
        nic = match link::set_nic_link(&engine, &actor, vm_id, nic.id, false).await {
            Ok(unlinked) => unlinked,
            Err(err) => return Err(undo_add(&engine, &actor, &nic, err).await),
        };
    }
    if fields.plugged != Some(false) {
        nic = match plug::plug_nic(&engine, &actor, vm_id, nic.id).await {
            Ok(plugged) => plugged,
            Err(err) => return Err(undo_add(&engine, &actor, &nic, err).await),
        };
    }
    Ok(Xml(StatusCode::CREATED, one_nic(&engine, &actor, &nic).await?))
}

/// The plug half of an add failed: the add is taken back, unless the plug
/// was cut short (its intent stays for monitoring, and so does the NIC).
async fn undo_add(engine: &Engine, actor: &Actor, nic: &Nic, err: EngineError) -> Fault {
    if !matches!(err, EngineError::Interrupted | EngineError::HostUnreachable { .. }) {
        if let Err(undo) = nics::remove_nic(engine, actor, nic.vm_id, nic.id).await {
            tracing::warn!(error = %undo, nic = %nic.id, "could not take back a NIC whose plug failed");
        }
    }
    Fault::from(err)
}

fn nic_path(vm: &str, nic: &str) -> Result<(Uuid, Uuid), Fault> {
    Ok((id_in_path("VM", vm)?, id_in_path("NIC", nic)?))
}

/// GET /api/vms/{vm}/nics/{nic}
pub async fn get(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    let nic = nics::get_nic(&engine, &actor, vm, nic).await?;
    Ok(ok(one_nic(&engine, &actor, &nic).await?))
}

/// PUT /api/vms/{vm}/nics/{nic}: changes what the body holds; `plugged`
/// plugs or unplugs after the other changes.
pub async fn update(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>, body: Bytes) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    nics::get_nic(&engine, &actor, vm, nic).await?;
    let vm = vms::get_vm(&engine, &actor, vm).await?;
    let fields = read_nic(&engine, &actor, &vm, &body).await?;
    let vm = vm.id;
    let update = NicUpdate {
        name: fields.name,
        network: fields.network,
        interface: fields.interface,
        mac: fields.mac,
        port_mirroring: None,
        boot_order: None,
        plugged: fields.plugged,
        linked: fields.linked,
    };
    let nic = nics::edit_nic(&engine, &actor, vm, nic, update).await?;
    Ok(ok(one_nic(&engine, &actor, &nic).await?))
}

/// POST /api/vms/{vm}/nics/{nic}/activate: plug.
pub async fn activate(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    plug::plug_nic(&engine, &actor, vm, nic).await?;
    Ok(complete())
}

/// POST /api/vms/{vm}/nics/{nic}/deactivate: unplug.
pub async fn deactivate(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    plug::unplug_nic(&engine, &actor, vm, nic).await?;
    Ok(complete())
}

/// DELETE /api/vms/{vm}/nics/{nic}: 200 (the SDK takes nothing else).
pub async fn remove(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    nics::remove_nic(&engine, &actor, vm, nic).await?;
    Ok(complete())
}

/// GET …/nics/{nic}/networkfilterparameters: hotnic has none.
pub async fn network_filter_parameters(State(engine): State<Engine>, Caller(actor): Caller, Path((vm, nic)): Path<(String, String)>) -> Answer {
    let (vm, nic) = nic_path(&vm, &nic)?;
    nics::get_nic(&engine, &actor, vm, nic).await?;
    Ok(ok(El::new("network_filter_parameters")))
}
