//! A NIC as stored (its interface row, device row and network) and as the
//! API shows it: the reads every NIC flow, run and monitoring share. Flows
//! (`nics`, `plug`, `run`, `monitoring`) build on this; it builds on no flow.

use crate::access::Actor;
use crate::allowed::{nic_actions, VmFacts};
use crate::entities::{cluster, host, network, vm, vm_device, vm_interface};
use crate::state::{NetworkKind, NicModel};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{Nic, PciAddress};
use sea_orm::sea_query::{Alias, CommonTableExpression, Expr, SelectStatement, UpdateStatement, WithClause};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryResult, QueryTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// A NIC as stored: its interface row, its device row and its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNic {
    pub interface: vm_interface::Model,
    pub device: vm_device::Model,
    pub network: Option<network::Model>,
}

impl StoredNic {
    pub fn address(&self) -> Option<PciAddress> {
        self.device.address.as_deref().and_then(|json| serde_json::from_str(json).ok())
    }

    pub fn model(&self) -> EngineResult<NicModel> {
        crate::state::stored(&self.interface.model)
    }

    pub fn view(&self) -> Nic {
        Nic {
            id: self.interface.id,
            vm_id: self.interface.vm_id,
            name: self.interface.name.clone(),
            network: self.network.as_ref().map(|n| n.name.clone()),
            interface: self.interface.model.clone(),
            mac: self.interface.mac.clone(),
            plugged: self.device.is_plugged,
            address: self.address(),
            port_mirroring: self.interface.port_mirroring,
            boot_order: self.interface.boot_order,
            linked: self.interface.linked,
            drift: self.device.drift.clone(),
            actions: Default::default(),
        }
    }
}

/// NICs as the API shows them to `actor`, each with what they may do.
pub(crate) async fn present(engine: &Engine, actor: &Actor, vm: &vm::Model, nics: Vec<Nic>) -> EngineResult<Vec<Nic>> {
    let facts = VmFacts::read(engine, vm).await?;
    Ok(nics.into_iter().map(|nic| with_actions(actor, &facts, nic)).collect())
}

/// One NIC of [`present`].
pub(crate) async fn present_one(engine: &Engine, actor: &Actor, vm: &vm::Model, nic: Nic) -> EngineResult<Nic> {
    Ok(present(engine, actor, vm, vec![nic]).await?.remove(0))
}

pub(crate) fn with_actions(actor: &Actor, facts: &VmFacts<'_>, mut nic: Nic) -> Nic {
    nic.actions = nic_actions(actor, facts, &nic);
    nic
}

/// All NICs of a VM, by name.
pub async fn stored_nics(db: &impl ConnectionTrait, vm_id: Uuid) -> EngineResult<Vec<StoredNic>> {
    Ok(stored_nics_of(db, &[vm_id]).await?.remove(&vm_id).unwrap_or_default())
}

/// All NICs of each of `vm_ids`, by name, in three statements whatever the
/// number of VMs (monitoring reads a host's VMs at once).
pub async fn stored_nics_of(db: &impl ConnectionTrait, vm_ids: &[Uuid]) -> EngineResult<HashMap<Uuid, Vec<StoredNic>>> {
    let mut by_vm: HashMap<Uuid, Vec<StoredNic>> = vm_ids.iter().map(|id| (*id, Vec::new())).collect();
    if vm_ids.is_empty() {
        return Ok(by_vm);
    }
    let interfaces = vm_interface::Entity::find()
        .filter(vm_interface::Column::VmId.is_in(vm_ids.to_vec()))
        .order_by_asc(vm_interface::Column::Name)
        .all(db)
        .await?;
    let mut devices: HashMap<Uuid, vm_device::Model> = vm_device::Entity::find()
        .filter(vm_device::Column::VmId.is_in(vm_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.device_id, d))
        .collect();
    // Only the networks these NICs use, not every network of the database.
    let mut used: Vec<Uuid> = interfaces.iter().filter_map(|i| i.network_id).collect();
    used.sort();
    used.dedup();
    let networks: HashMap<Uuid, network::Model> = if used.is_empty() {
        HashMap::new()
    } else {
        network::Entity::find().filter(network::Column::Id.is_in(used)).all(db).await?.into_iter().map(|n| (n.id, n)).collect()
    };
    for interface in interfaces {
        let device = devices.remove(&interface.id).ok_or_else(|| missing_device(interface.id))?;
        let network = interface.network_id.and_then(|id| networks.get(&id).cloned());
        by_vm.entry(interface.vm_id).or_default().push(StoredNic { interface, device, network });
    }
    Ok(by_vm)
}

/// One NIC of a VM, in one statement (its interface, device and network
/// joined); callers have read the VM already.
pub async fn find_nic(db: &impl ConnectionTrait, vm_id: Uuid, nic_id: Uuid) -> EngineResult<StoredNic> {
    let found = vm_interface::Entity::find_by_id(nic_id)
        .filter(vm_interface::Column::VmId.eq(vm_id))
        .find_also_related(vm_device::Entity)
        .find_also_related(network::Entity)
        .one(db)
        .await?;
    let (interface, device, network) = found.ok_or_else(|| no_such_nic(nic_id))?;
    let device = device.ok_or_else(|| missing_device(interface.id))?;
    Ok(StoredNic { interface, device, network })
}

/// A NIC with its VM and the VM's cluster and host, all in one statement:
/// every flow on one NIC starts with this read, so each round trip counts.
pub(crate) async fn find_nic_placed(db: &impl ConnectionTrait, vm_id: Uuid, nic_id: Uuid) -> EngineResult<(NicPlacement, StoredNic)> {
    let statement = db.get_database_backend().build(&placed_nic(vm_id, nic_id));
    let row = db.query_one_raw(statement).await?;
    found_placed(db, vm_id, nic_id, row.as_ref()).await
}

/// [`find_nic_placed`] with a write to the NIC's rows sent with it, in one
/// round trip: on PostgreSQL one statement (a data-modifying WITH), whose
/// read sees the rows as they were before the write; on SQLite the write,
/// then the read, in one text to the connection's worker thread (each text
/// sent costs a thread wake-up), whose read sees the rows after it. So the
/// caller must not read what the write changes. Returns the read (its own
/// errors apart: they are the caller's to weigh) and how many rows the
/// write changed.
pub(crate) async fn find_nic_placed_while(
    db: &impl ConnectionTrait,
    vm_id: Uuid,
    nic_id: Uuid,
    mut write: UpdateStatement,
) -> EngineResult<(EngineResult<(NicPlacement, StoredNic)>, u64)> {
    const WRITTEN: &str = "written_first";
    let backend = db.get_database_backend();
    let mut read = placed_nic(vm_id, nic_id);
    let statement = if backend == DbBackend::Postgres {
        write.returning_col(vm_device::Column::DeviceId);
        read.expr_as(Expr::cust(format!("(SELECT count(*) FROM {WRITTEN})")), Alias::new("written_rows"));
        let with = WithClause::new().cte(CommonTableExpression::new().query(write).table_name(Alias::new(WRITTEN)).to_owned()).to_owned();
        backend.build(&read.with(with))
    } else {
        // changes(): the rows the text's write changed, on this connection.
        read.expr_as(Expr::cust("changes()"), Alias::new("written_rows"));
        crate::write_batch::joined(backend, vec![backend.build(&write), backend.build(&read)])
    };
    // The write answers no rows: the read's row, if any, is the only one.
    let row = db.query_all_raw(statement).await?.pop();
    // No row read: no NIC of that VM, so the write (on the same NIC of the same VM) changed none.
    let rows: i64 = row.as_ref().map(|row| row.try_get("", "written_rows")).transpose()?.unwrap_or(0);
    Ok((found_placed(db, vm_id, nic_id, row.as_ref()).await, rows as u64))
}

/// The select behind [`find_nic_placed`]: sea-orm names the six rows'
/// columns A_ (interface) to F_ (host).
fn placed_nic(vm_id: Uuid, nic_id: Uuid) -> SelectStatement {
    vm_interface::Entity::find_by_id(nic_id)
        .filter(vm_interface::Column::VmId.eq(vm_id))
        .find_also_related(vm_device::Entity)
        .find_also(vm_interface::Entity, network::Entity)
        .find_also(vm_interface::Entity, vm::Entity)
        .find_also(vm::Entity, cluster::Entity)
        .find_also(vm::Entity, host::Entity)
        .into_query()
}

async fn found_placed(db: &impl ConnectionTrait, vm_id: Uuid, nic_id: Uuid, row: Option<&QueryResult>) -> EngineResult<(NicPlacement, StoredNic)> {
    let Some(row) = row else {
        // Rare: say which of the two is missing.
        return match vm::Entity::find_by_id(vm_id).one(db).await? {
            None => Err(EngineError::NotFound(format!("no VM with id {vm_id}"))),
            Some(_) => Err(no_such_nic(nic_id)),
        };
    };
    let interface = vm_interface::Model::from_query_result(row, "A_")?;
    let device = vm_device::Model::from_query_result_optional(row, "B_")?.ok_or_else(|| missing_device(interface.id))?;
    let network = network::Model::from_query_result_optional(row, "C_")?;
    let (Some(vm), Some(cluster)) = (vm::Model::from_query_result_optional(row, "D_")?, cluster::Model::from_query_result_optional(row, "E_")?)
    else {
        // The foreign keys keep a NIC's VM and a VM's cluster.
        return Err(EngineError::Database(sea_orm::DbErr::Custom(format!("NIC {} has no VM or cluster row", interface.id))));
    };
    let host = host::Model::from_query_result_optional(row, "F_")?;
    Ok(((vm, cluster, host), StoredNic { interface, device, network }))
}

/// A VM, its cluster and the host it runs on (if any).
pub(crate) type NicPlacement = (vm::Model, cluster::Model, Option<host::Model>);

fn no_such_nic(nic_id: Uuid) -> EngineError {
    EngineError::NotFound(format!("the VM has no NIC with id {nic_id}"))
}

fn missing_device(nic_id: Uuid) -> EngineError {
    EngineError::Database(sea_orm::DbErr::Custom(format!("NIC {nic_id} has no device row")))
}

/// The VDSM `device` of a NIC: its network's kind, bridgeless without one.
pub fn device_kind(network: Option<&network::Model>) -> NetworkKind {
    network.and_then(|n| n.kind.parse().ok()).unwrap_or(NetworkKind::Bridgeless)
}
