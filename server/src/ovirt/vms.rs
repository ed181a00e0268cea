//! `GET /api`, the VMs (list with search, get) and their start/stop, over
//! the engine's VM flows.

use super::fault::{Answer, Fault};
use super::search::{Field, ListQuery, Search};
use super::xml::{complete, ok, El, API};
use crate::rest::caller::Caller;
use axum::extract::{Path, Query, State};
use hotnic_engine::{run, vms, Engine};
use hotnic_model::Vm;
use uuid::Uuid;

/// A path id: anything but a UUID names nothing (404, as an unknown id).
pub fn id_in_path(what: &str, text: &str) -> Result<Uuid, Fault> {
    text.parse().map_err(|_| Fault::not_found(format!("no {what} with id {text}")))
}

/// GET /api: what the SDK's `connection.test()` reads.
pub async fn api_root(Caller(actor): Caller) -> Answer {
    let version = El::new("version")
        .child(El::leaf("build", 0))
        .child(El::leaf("full_version", format!("4.5.0 (hotnic {})", env!("CARGO_PKG_VERSION"))))
        .child(El::leaf("major", 4))
        .child(El::leaf("minor", 5))
        .child(El::leaf("revision", 0));
    let product = El::new("product_info").child(El::leaf("name", "hotnic")).child(El::leaf("vendor", "hotnic")).child(version);
    Ok(ok(El::new("api")
        .links(API, &["clusters", "datacenters", "networks", "vms", "vnicprofiles"])
        .child(product)
        .child(El::reference("authenticated_user", "users", actor.user_id))))
}

pub fn vm_xml(vm: &Vm) -> El {
    let href = format!("{API}/vms/{}", vm.id);
    let topology =
        El::new("topology").child(El::leaf("cores", 1)).child(El::leaf("sockets", vm.vcpus)).child(El::leaf("threads", 1));
    let mut el = El::object("vm", href.clone(), vm.id)
        .actions(&href, &["start", "stop", "shutdown"])
        .child(El::leaf("name", &vm.name))
        .child(El::leaf("description", ""))
        .links(&href, &["nics"])
        .child(El::leaf("status", &vm.status))
        .child(El::leaf("stateless", false))
        .child(El::leaf("type", "server"))
        .child(El::leaf("memory", i64::from(vm.memory_mib) * 1024 * 1024))
        .child(El::new("cpu").child(topology))
        .child(El::reference("cluster", "clusters", vm.cluster_id));
    if let Some(host) = vm.host_id {
        el = el.child(El::reference("host", "hosts", host));
    }
    el
}

/// GET /api/vms[?search=name=…]
pub async fn list(State(engine): State<Engine>, Caller(actor): Caller, Query(query): Query<ListQuery>) -> Answer {
    let search = Search::parse(&query, &[Field::Name])?;
    let found = search.filter(vms::list_vms(&engine, &actor).await?, |s, vm| s.matches(&vm.name, None));
    Ok(ok(El::new("vms").children(found.iter().map(vm_xml))))
}

/// GET /api/vms/{vm}
pub async fn get(State(engine): State<Engine>, Caller(actor): Caller, Path(vm): Path<String>) -> Answer {
    let vm = id_in_path("VM", &vm)?;
    Ok(ok(vm_xml(&vms::get_vm(&engine, &actor, vm).await?)))
}

/// POST /api/vms/{vm}/start
pub async fn start(State(engine): State<Engine>, Caller(actor): Caller, Path(vm): Path<String>) -> Answer {
    run::run_vm(&engine, &actor, id_in_path("VM", &vm)?).await?;
    Ok(complete())
}

/// POST /api/vms/{vm}/stop and /shutdown (hotnic has one way to stop).
pub async fn stop(State(engine): State<Engine>, Caller(actor): Caller, Path(vm): Path<String>) -> Answer {
    run::stop_vm(&engine, &actor, id_in_path("VM", &vm)?).await?;
    Ok(complete())
}
