//! VMs: create, read, delete. Running and stopping live in `run`.

use crate::access::{Act, Actor, Visible};
use crate::allowed::{vm_actions, VmFacts};
use crate::audit::{self, Severity, Subject};
use crate::entities::{cluster, host, vm, vm_interface};
use crate::state::{self, VmStatus};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{EntityName, NewVm, Vm};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The API's view of a VM row, with what `actor` may do with it;
/// `nic_count` comes from vm_interfaces.
fn vm_view(engine: &Engine, actor: &Actor, row: vm::Model, level: Result<(), String>, nic_count: u64) -> EngineResult<Vm> {
    let actions = vm_actions(actor, &VmFacts::with_level(engine, &row, level)?);
    let pci_slots = crate::pci_slots::slots_of(&row);
    let unknown_nics = crate::drift::unknown_nics_of(&row);
    Ok(Vm {
        id: row.id,
        name: row.name,
        cluster_id: row.cluster_id,
        status: row.status,
        host_id: row.host_id,
        memory_mib: row.memory_mib,
        vcpus: row.vcpus,
        kernel: row.kernel,
        initrd: row.initrd,
        cmdline: row.cmdline,
        disk: row.disk,
        nic_count: u32::try_from(nic_count).unwrap_or(u32::MAX),
        pci_slots,
        unknown_nics,
        actions,
    })
}

/// One VM row as the API shows it, with its NIC count.
pub(crate) async fn read_vm(engine: &Engine, actor: &Actor, row: vm::Model) -> EngineResult<Vm> {
    let nic_count = vm_interface::Entity::find().filter(vm_interface::Column::VmId.eq(row.id)).count(engine.db()).await?;
    let level = crate::allowed::cluster_level(engine.db(), &row).await?;
    vm_view(engine, actor, row, level, nic_count)
}

/// The VMs the caller sees, by name, with their NIC counts from one
/// grouped query (not one per VM).
pub async fn list_vms(engine: &Engine, actor: &Actor) -> EngineResult<Vec<Vm>> {
    let db = engine.db();
    let counts: HashMap<Uuid, i64> = vm_interface::Entity::find()
        .select_only()
        .column(vm_interface::Column::VmId)
        .column_as(vm_interface::Column::Id.count(), "nic_count")
        .group_by(vm_interface::Column::VmId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut query = vm::Entity::find().order_by_asc(vm::Column::Name);
    if let Visible::Some { clusters, vms, .. } = actor.visible() {
        query = query.filter(Condition::any().add(vm::Column::ClusterId.is_in(clusters)).add(vm::Column::Id.is_in(vms)));
    }
    let levels: HashMap<Uuid, Result<(), String>> = cluster::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|c| Ok((c.id, crate::allowed::level_of(c)?)))
        .collect::<EngineResult<_>>()?;
    query
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            let level = levels.get(&row.cluster_id).cloned().unwrap_or(Ok(()));
            vm_view(engine, actor, row, level, u64::try_from(count).unwrap_or(0))
        })
        .collect()
}

pub async fn find_vm(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<vm::Model> {
    vm::Entity::find_by_id(id).one(db).await?.ok_or_else(|| EngineError::NotFound(format!("no VM with id {id}")))
}

/// A VM with its cluster and the host it runs on (if any), in one
/// statement: what every NIC flow reads first.
pub(crate) async fn find_vm_placed(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<(vm::Model, cluster::Model, Option<host::Model>)> {
    let found = vm::Entity::find_by_id(id).find_also_related(cluster::Entity).find_also_related(host::Entity).one(db).await?;
    let (vm, cluster, host) = found.ok_or_else(|| EngineError::NotFound(format!("no VM with id {id}")))?;
    let cluster = cluster.ok_or_else(|| EngineError::NotFound("the VM's cluster is gone".into()))?;
    Ok((vm, cluster, host))
}

pub async fn get_vm(engine: &Engine, actor: &Actor, id: Uuid) -> EngineResult<Vm> {
    read_vm(engine, actor, actor.vm(engine.db(), id, Act::View).await?).await
}

pub fn status_of(row: &vm::Model) -> EngineResult<VmStatus> {
    state::stored(&row.status)
}

/// An image of the cluster's library for a kernel, initrd or disk: a file
/// name, never a host path (the agent checks again on its own).
fn parse_image_name(field: &'static str, value: Option<String>) -> EngineResult<Option<String>> {
    let Some(name) = value.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) else { return Ok(None) };
    let shown: String = name.chars().take(60).collect::<String>().escape_default().to_string();
    if name.contains('/') {
        return Err(EngineError::invalid(
            field,
            format!("'{shown}' is a path; send the name of an image of the cluster's image library instead (GET /api/clusters/{{id}}/images lists them)"),
        ));
    }
    if name.starts_with('.') || name.len() > 255 || name.chars().any(char::is_control) {
        return Err(EngineError::invalid(field, format!("'{shown}' is not an image name")));
    }
    Ok(Some(name))
}

/// Every named image must be in the library of an up host of the cluster.
async fn require_images(engine: &Engine, actor: &Actor, cluster_id: Uuid, named: &[(&'static str, &Option<String>)]) -> EngineResult<()> {
    if named.iter().all(|(_, name)| name.is_none()) {
        return Ok(());
    }
    let library = crate::hosts::cluster_images(engine, actor, cluster_id).await?;
    if library.is_empty() {
        return Err(EngineError::Conflict(
            "no up host of the cluster lists any image: add a host, or put the images in its image library".into(),
        ));
    }
    for (field, name) in named {
        if let Some(name) = name {
            if !library.iter().any(|image| &image.name == name) {
                let known: Vec<&str> = library.iter().map(|i| i.name.as_str()).collect();
                return Err(EngineError::invalid(
                    field,
                    format!("no host of the cluster has an image '{name}'; its images are: {}", known.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

pub async fn create_vm(engine: &Engine, actor: &Actor, new: NewVm) -> EngineResult<Vm> {
    let db = engine.db();
    actor.cluster_in_input(db, new.cluster_id, Act::ManageCluster).await?;
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("VM {e}")))?;
    if !(64..=65536).contains(&new.memory_mib) {
        return Err(EngineError::invalid("memory_mib", "memory must be between 64 and 65536 MiB"));
    }
    if !(1..=64).contains(&new.vcpus) {
        return Err(EngineError::invalid("vcpus", "a VM has 1 to 64 virtual CPUs"));
    }
    let kernel = parse_image_name("kernel", new.kernel)?;
    let initrd = parse_image_name("initrd", new.initrd)?;
    let disk = parse_image_name("disk", new.disk)?;
    let cmdline = new.cmdline.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if cmdline.as_deref().is_some_and(|c| c.chars().any(char::is_control) || c.len() > 1024) {
        return Err(EngineError::invalid("cmdline", "the kernel command line must be one printable line"));
    }
    if kernel.is_none() && (initrd.is_some() || cmdline.is_some()) {
        return Err(EngineError::invalid("kernel", "an initrd or command line needs a kernel"));
    }
    if vm::Entity::find().filter(vm::Column::Name.eq(name.as_str())).one(db).await?.is_some() {
        return Err(EngineError::Conflict(format!("a VM named '{name}' already exists")));
    }
    require_images(engine, actor, new.cluster_id, &[("kernel", &kernel), ("initrd", &initrd), ("disk", &disk)]).await?;
    let row = vm::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_string()),
        cluster_id: Set(new.cluster_id),
        host_id: Set(None),
        status: Set(VmStatus::Down.to_string()),
        memory_mib: Set(new.memory_mib),
        vcpus: Set(new.vcpus),
        kernel: Set(kernel),
        initrd: Set(initrd),
        cmdline: Set(cmdline),
        disk: Set(disk),
        created_at: Set(chrono::Utc::now()),
        pci_slots_free: Set(None),
        pci_slots_total: Set(None),
        unknown_nics: Set(None),
        nics_version: sea_orm::NotSet,
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        &actor.audit_name(),
        Severity::Normal,
        "vm_added",
        format!("VM {} was created", row.name),
        Subject { cluster_id: Some(row.cluster_id), vm_id: Some(row.id), ..Default::default() },
    )
    .await?;
    engine.changed(Some(row.id));
    read_vm(engine, actor, row).await
}

/// Deletes a VM that is down, with its NICs (their MACs return to the pool).
pub async fn delete_vm(engine: &Engine, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.vm(engine.db(), id, Act::ManageCluster).await?;
    engine.locks.with_vm(id, delete_vm_locked(engine, actor, id)).await
}

async fn delete_vm_locked(engine: &Engine, actor: &Actor, id: Uuid) -> EngineResult<()> {
    let db = engine.db();
    let row = find_vm(db, id).await?;
    if status_of(&row)? != VmStatus::Down {
        return Err(EngineError::Conflict(format!("VM {} is {}; stop it before deleting it", row.name, row.status)));
    }
    vm::Entity::delete_by_id(id).exec(db).await?;
    crate::access::permissions::forget_object(db, hotnic_model::PermissionObject::Vm(id)).await?;
    audit::record(
        db,
        &actor.audit_name(),
        Severity::Normal,
        "vm_removed",
        format!("VM {} was removed", row.name),
        Subject { cluster_id: Some(row.cluster_id), vm_id: Some(id), ..Default::default() },
    )
    .await?;
    engine.changed(Some(id));
    Ok(())
}
