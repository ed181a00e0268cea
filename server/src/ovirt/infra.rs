//! The objects around NICs that scripts and tools follow: networks, vNIC
//! profiles, clusters and data centers. hotnic has no data centers and no
//! profiles of its own, so:
//! - each cluster is presented as one data center (same id and name): its
//!   networks are the cluster's, and `Clusters.name=X` finds it;
//! - each network has one vNIC profile, with the network's id and name.

use super::fault::{Answer, Fault};
use super::search::{Field, ListQuery, Search};
use super::vms::id_in_path;
use super::xml::{ok, El, API};
use crate::rest::caller::Caller;
use axum::extract::{Path, Query, State};
use hotnic_engine::access::Actor;
use hotnic_engine::{clusters, networks, Engine};
use hotnic_model::{Cluster, Network};
use uuid::Uuid;

fn version(level: &str) -> El {
    let (major, minor) = level.split_once('.').unwrap_or((level, "0"));
    El::new("version").child(El::leaf("major", major)).child(El::leaf("minor", minor))
}

fn network_xml(network: &Network) -> El {
    let href = format!("{API}/networks/{}", network.id);
    El::object("network", href.clone(), network.id)
        .child(El::leaf("name", &network.name))
        .child(El::leaf("description", ""))
        .links(&href, &["vnicprofiles"])
        .child(El::leaf("mtu", 0))
        .child(El::leaf("required", false))
        .child(El::leaf("stp", false))
        .child(El::new("usages").child(El::leaf("usage", "vm")))
        .child(El::reference("data_center", "datacenters", network.cluster_id))
}

fn profile_xml(network: &Network) -> El {
    El::object("vnic_profile", format!("{API}/vnicprofiles/{}", network.id), network.id)
        .child(El::leaf("name", &network.name))
        .child(El::new("pass_through").child(El::leaf("mode", "disabled")))
        .child(El::leaf("port_mirroring", false))
        .child(El::reference("network", "networks", network.id))
}

fn cluster_xml(cluster: &Cluster) -> El {
    let href = format!("{API}/clusters/{}", cluster.id);
    El::object("cluster", href.clone(), cluster.id)
        .child(El::leaf("name", &cluster.name))
        .child(El::leaf("description", ""))
        .links(&href, &["networks"])
        .child(version(&cluster.compatibility_version))
        .child(El::reference("data_center", "datacenters", cluster.id))
}

fn data_center_xml(cluster: &Cluster) -> El {
    let href = format!("{API}/datacenters/{}", cluster.id);
    El::object("data_center", href.clone(), cluster.id)
        .child(El::leaf("name", &cluster.name))
        .child(El::leaf("description", format!("the data center of hotnic cluster {}", cluster.name)))
        .links(&href, &["clusters", "networks"])
        .child(El::leaf("local", false))
        .child(El::leaf("status", "up"))
        .child(version(&cluster.compatibility_version))
}

async fn all_networks(engine: &Engine, actor: &Actor) -> Result<Vec<Network>, Fault> {
    Ok(networks::list_networks(engine.db(), actor, None).await?)
}

async fn one_network(engine: &Engine, actor: &Actor, what: &str, id: &str) -> Result<Network, Fault> {
    let id = id_in_path(what, id)?;
    all_networks(engine, actor).await?.into_iter().find(|n| n.id == id).ok_or_else(|| Fault::not_found(format!("no {what} with id {id}")))
}

async fn one_cluster(engine: &Engine, actor: &Actor, what: &str, id: &str) -> Result<Cluster, Fault> {
    let id: Uuid = id_in_path(what, id)?;
    clusters::list_clusters(engine.db(), actor).await?.into_iter().find(|c| c.id == id).ok_or_else(|| Fault::not_found(format!("no {what} with id {id}")))
}

/// GET /api/networks[?search=name=…]
pub async fn networks(State(engine): State<Engine>, Caller(actor): Caller, Query(query): Query<ListQuery>) -> Answer {
    let search = Search::parse(&query, &[Field::Name])?;
    let found = search.filter(all_networks(&engine, &actor).await?, |s, n| s.matches(&n.name, None));
    Ok(ok(El::new("networks").children(found.iter().map(network_xml))))
}

/// GET /api/networks/{id}
pub async fn network(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    Ok(ok(network_xml(&one_network(&engine, &actor, "network", &id).await?)))
}

/// GET /api/networks/{id}/vnicprofiles
pub async fn network_profiles(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    let network = one_network(&engine, &actor, "network", &id).await?;
    Ok(ok(El::new("vnic_profiles").child(profile_xml(&network))))
}

/// GET /api/vnicprofiles (no search in oVirt's either)
pub async fn profiles(State(engine): State<Engine>, Caller(actor): Caller, Query(query): Query<ListQuery>) -> Answer {
    let search = Search::parse(&query, &[])?;
    let found = search.filter(all_networks(&engine, &actor).await?, |_, _| true);
    Ok(ok(El::new("vnic_profiles").children(found.iter().map(profile_xml))))
}

/// GET /api/vnicprofiles/{id}
pub async fn profile(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    Ok(ok(profile_xml(&one_network(&engine, &actor, "vNIC profile", &id).await?)))
}

/// GET /api/clusters[?search=name=…]
pub async fn clusters(State(engine): State<Engine>, Caller(actor): Caller, Query(query): Query<ListQuery>) -> Answer {
    let search = Search::parse(&query, &[Field::Name])?;
    let found = search.filter(clusters::list_clusters(engine.db(), &actor).await?, |s, c| s.matches(&c.name, None));
    Ok(ok(El::new("clusters").children(found.iter().map(cluster_xml))))
}

/// GET /api/clusters/{id}
pub async fn cluster(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    Ok(ok(cluster_xml(&one_cluster(&engine, &actor, "cluster", &id).await?)))
}

/// GET /api/clusters/{id}/networks and /api/datacenters/{id}/networks
pub async fn cluster_networks(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    let cluster = one_cluster(&engine, &actor, "cluster", &id).await?;
    let list = networks::list_networks(engine.db(), &actor, Some(cluster.id)).await?;
    Ok(ok(El::new("networks").children(list.iter().map(network_xml))))
}

/// GET /api/datacenters[?search=name=… | Clusters.name=…]
pub async fn data_centers(State(engine): State<Engine>, Caller(actor): Caller, Query(query): Query<ListQuery>) -> Answer {
    let search = Search::parse(&query, &[Field::Name, Field::ClusterName])?;
    let found = search.filter(clusters::list_clusters(engine.db(), &actor).await?, |s, c| s.matches(&c.name, Some(&c.name)));
    Ok(ok(El::new("data_centers").children(found.iter().map(data_center_xml))))
}

/// GET /api/datacenters/{id}
pub async fn data_center(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    Ok(ok(data_center_xml(&one_cluster(&engine, &actor, "data center", &id).await?)))
}

/// GET /api/datacenters/{id}/clusters
pub async fn data_center_clusters(State(engine): State<Engine>, Caller(actor): Caller, Path(id): Path<String>) -> Answer {
    let cluster = one_cluster(&engine, &actor, "data center", &id).await?;
    Ok(ok(El::new("clusters").child(cluster_xml(&cluster))))
}
