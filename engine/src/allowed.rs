//! What a caller may do now with a VM or one of its NICs, and why not: the
//! caller's role (the one permission check), the VM's status, the VM lock
//! and the cluster level, decided here once. Flows refuse with the same
//! reasons; the page only shows these answers.

use crate::access::{Act, Actor, Target};
use crate::entities::{cluster, vm};
use crate::locks::Holder;
use crate::state::{NicChangePath, VmStatus};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{Allowed, CompatibilityVersion, Nic, NicActions, VmActions, NIC_HOTPLUG_MIN_VERSION};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The facts about one VM the answers depend on.
pub struct VmFacts<'a> {
    pub vm: &'a vm::Model,
    pub status: VmStatus,
    /// A flow (not monitoring) holds the VM now.
    pub busy: bool,
    /// Why the cluster cannot hot plug, if it cannot.
    pub level: Result<(), String>,
}

impl<'a> VmFacts<'a> {
    pub async fn read(engine: &Engine, vm: &'a vm::Model) -> EngineResult<VmFacts<'a>> {
        let level = cluster_level(engine.db(), vm).await?;
        VmFacts::with_level(engine, vm, level)
    }

    /// When the cluster's level is known already (lists read clusters once).
    pub fn with_level(engine: &Engine, vm: &'a vm::Model, level: Result<(), String>) -> EngineResult<VmFacts<'a>> {
        Ok(VmFacts {
            vm,
            status: crate::vms::status_of(vm)?,
            busy: matches!(engine.locks.holder(vm.id), Some(Holder::Flow)),
            level,
        })
    }

    fn permit(&self, actor: &Actor, act: Act) -> Allowed {
        match actor.may(act, Target::of_vm(self.vm), &format!("VM {}", self.vm.name)) {
            Ok(()) => Allowed::yes(),
            Err(why) => Allowed::no(why),
        }
    }

    fn not_busy(&self) -> Allowed {
        if self.busy {
            Allowed::no(EngineError::Busy.to_string())
        } else {
            Allowed::yes()
        }
    }

    fn change_path(&self, verb: &str) -> Result<NicChangePath, String> {
        crate::state::nic_change_path(self.status, verb).map_err(|e| e.to_string())
    }
}

/// Whether the VM's cluster level allows NIC hot plug (3.1 and above).
pub async fn cluster_level(db: &impl ConnectionTrait, vm: &vm::Model) -> EngineResult<Result<(), String>> {
    let cluster = cluster::Entity::find_by_id(vm.cluster_id)
        .one(db)
        .await?
        .ok_or_else(|| EngineError::NotFound("the VM's cluster is gone".into()))?;
    level_of(&cluster)
}

/// Whether a cluster's level allows NIC hot plug, and if not, why.
pub fn level_of(cluster: &cluster::Model) -> EngineResult<Result<(), String>> {
    let level: CompatibilityVersion = crate::state::stored(&cluster.compatibility_version)?;
    Ok(if level.supports_nic_hotplug() {
        Ok(())
    } else {
        Err(format!(
            "Plugging a NIC is only supported on clusters of compatibility version {NIC_HOTPLUG_MIN_VERSION} and above; cluster {} is {level}",
            cluster.name
        ))
    })
}

fn from(result: Result<impl Sized, String>) -> Allowed {
    match result {
        Ok(_) => Allowed::yes(),
        Err(why) => Allowed::no(why),
    }
}

pub fn vm_actions(actor: &Actor, facts: &VmFacts<'_>) -> VmActions {
    let vm = facts.vm;
    let operate = || facts.permit(actor, Act::OperateVm);
    VmActions {
        run: operate().and(|| facts.not_busy()).and(|| {
            if facts.status == VmStatus::Down {
                Allowed::yes()
            } else {
                Allowed::no(format!("VM {} is {}; only a VM that is down can be run", vm.name, vm.status))
            }
        }),
        stop: operate().and(|| facts.not_busy()).and(|| {
            if facts.status.is_running() {
                Allowed::yes()
            } else {
                Allowed::no(format!("VM {} is already down", vm.name))
            }
        }),
        add_nic: operate().and(|| facts.not_busy()),
        delete: facts.permit(actor, Act::ManageCluster).and(|| facts.not_busy()).and(|| {
            if facts.status == VmStatus::Down {
                Allowed::yes()
            } else {
                Allowed::no(format!("VM {} is {}; stop it before deleting it", vm.name, vm.status))
            }
        }),
    }
}

pub fn nic_actions(actor: &Actor, facts: &VmFacts<'_>, nic: &Nic) -> NicActions {
    let operate = || facts.permit(actor, Act::OperateVm).and(|| facts.not_busy());
    let already = |plugged: bool| {
        if nic.plugged == plugged {
            Allowed::no(format!("NIC {} is already {}", nic.name, if plugged { "plugged" } else { "unplugged" }))
        } else {
            Allowed::yes()
        }
    };
    NicActions {
        edit: operate(),
        // A hot plug needs a free PCI slot too.
        plug: operate().and(|| from(facts.level.clone())).and(|| already(true)).and(|| match facts.change_path("plug") {
            Ok(NicChangePath::Host) => from(crate::pci_slots::has_free_slot(facts.vm)),
            path => from(path),
        }),
        unplug: operate().and(|| from(facts.level.clone())).and(|| already(false)).and(|| from(facts.change_path("unplug"))),
        // Live on a plugged NIC of a running VM (the level applies there);
        // only stored on any other.
        link: operate().and(|| match nic.plugged && facts.status.is_running() {
            true => from(facts.level.clone()),
            false => Allowed::yes(),
        }),
        resolve_drift: operate().and(|| match (&nic.drift, facts.status.is_running()) {
            (None, _) => Allowed::no(format!("NIC {} does not differ from its host", nic.name)),
            (Some(_), false) => Allowed::no(format!("VM {} is {}; drift is between a running VM and its host", facts.vm.name, facts.vm.status)),
            (Some(_), true) => Allowed::yes(),
        }),
        remove: operate().and(|| {
            if nic.plugged && facts.status.is_running() {
                Allowed::no(format!("NIC {} is plugged into running VM {}; unplug it first", nic.name, facts.vm.name))
            } else {
                Allowed::yes()
            }
        }),
    }
}
