//! Port mirroring as VDSM did it: `tc` mirred actions copy everything that
//! crosses a network's bridge (ingress and egress) to a NIC's tap. Each
//! mirror is tagged with the NIC's device id as the action cookie, so it can
//! be found and removed even after the tap is gone, and each gets its own
//! filter priority on the bridge, so removing one never touches another.

use std::collections::BTreeMap;

use serde::Deserialize;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::{
    hostnet::{self, run, CommandError},
    params::BridgeName,
};

/// The first filter priority the agent uses on a bridge.
const FIRST_PREF: u32 = 1000;
const DIRECTIONS: [&str; 2] = ["ingress", "egress"];

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("cannot mirror {bridge} to {tap}: {source}")]
    Add {
        bridge: String,
        tap: String,
        #[source]
        source: CommandError,
    },
    #[error("cannot remove the mirror of {bridge}: {source}")]
    Remove {
        bridge: String,
        #[source]
        source: CommandError,
    },
}

/// Serialises changes to tc state (choosing a free priority is read-then-write)
/// and remembers which device ids have mirrors, so that unplugging a NIC
/// without any costs no `tc` call. The memory starts from a scan of every
/// bridge (mirrors left by an earlier run of the agent).
#[derive(Debug, Default)]
pub struct Mirrors {
    lock: Mutex<Known>,
}

#[derive(Debug, Default)]
struct Known {
    scanned: bool,
    cookies: std::collections::BTreeSet<String>,
}

#[derive(Deserialize)]
struct Filter {
    pref: Option<u32>,
    #[serde(default)]
    options: Option<FilterOptions>,
}

#[derive(Deserialize)]
struct FilterOptions {
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Deserialize)]
struct Action {
    #[serde(default)]
    cookie: Option<String>,
}

fn cookie_of(device_id: Uuid) -> String {
    device_id.simple().to_string()
}

/// The filters on one side of a bridge as (priority, cookie). A bridge
/// without the clsact qdisc has none.
async fn filters(bridge: &str, direction: &str) -> Vec<(u32, Option<String>)> {
    let Ok(text) = run("tc", &["-j", "filter", "show", "dev", bridge, direction]).await else {
        return vec![];
    };
    let parsed: Vec<Filter> = serde_json::from_str(text.trim()).unwrap_or_default();
    parsed
        .into_iter()
        .filter_map(|f| {
            let cookie = f
                .options
                .and_then(|o| o.actions.into_iter().find_map(|a| a.cookie));
            f.pref.map(|p| (p, cookie))
        })
        .collect()
}

impl Mirrors {
    /// Mirrors each bridge to `tap`, tagged with `device_id`. On failure the
    /// mirrors this call made are removed again.
    pub async fn add(
        &self,
        bridges: &[BridgeName],
        tap: &str,
        device_id: Uuid,
    ) -> Result<(), MirrorError> {
        let mut known = self.lock.lock().await;
        known.cookies.insert(cookie_of(device_id));
        for bridge in bridges {
            if let Err(err) = add_one(bridge.as_str(), tap, device_id).await {
                if remove_locked(device_id).await.is_ok() {
                    known.cookies.remove(&cookie_of(device_id));
                }
                return Err(err);
            }
        }
        Ok(())
    }

    /// Removes every mirror tagged with `device_id`, on every bridge; returns
    /// the bridges it was removed from.
    pub async fn remove(&self, device_id: Uuid) -> Result<Vec<String>, MirrorError> {
        let mut known = self.lock.lock().await;
        if !known.scanned {
            known.cookies.extend(scan().await.into_keys());
            known.scanned = true;
        }
        if !known.cookies.contains(&cookie_of(device_id)) {
            return Ok(vec![]);
        }
        let removed = remove_locked(device_id).await?;
        known.cookies.remove(&cookie_of(device_id));
        Ok(removed)
    }

    /// Which bridges are mirrored to which device id right now.
    pub async fn current(&self) -> BTreeMap<String, Vec<String>> {
        scan().await
    }

    /// The bridges mirrored to `device_id`, from [`Mirrors::current`].
    pub fn bridges_of(current: &BTreeMap<String, Vec<String>>, device_id: Uuid) -> Vec<String> {
        current
            .get(&cookie_of(device_id))
            .cloned()
            .unwrap_or_default()
    }
}

/// Every bridge's mirrors, by cookie (device id).
async fn scan() -> BTreeMap<String, Vec<String>> {
    // One `tc` per bridge, all at once: a host may have many bridges.
    let mut scans = tokio::task::JoinSet::new();
    for bridge in hostnet::bridges() {
        scans.spawn(async move {
            let found = filters(&bridge, "ingress").await;
            (bridge, found)
        });
    }
    let mut scanned = scans.join_all().await;
    scanned.sort_by(|a, b| a.0.cmp(&b.0));
    let mut by_cookie: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (bridge, found) in scanned {
        for (_, cookie) in found {
            if let Some(cookie) = cookie {
                let bridges = by_cookie.entry(cookie).or_default();
                if !bridges.contains(&bridge) {
                    bridges.push(bridge.clone());
                }
            }
        }
    }
    by_cookie
}

async fn add_one(bridge: &str, tap: &str, device_id: Uuid) -> Result<(), MirrorError> {
    let fail = |source| MirrorError::Add {
        bridge: bridge.to_owned(),
        tap: tap.to_owned(),
        source,
    };
    let qdiscs = run("tc", &["qdisc", "show", "dev", bridge])
        .await
        .map_err(fail)?;
    if !qdiscs.contains("clsact") {
        run("tc", &["qdisc", "add", "dev", bridge, "clsact"])
            .await
            .map_err(fail)?;
    }
    let mut used: Vec<u32> = Vec::new();
    for direction in DIRECTIONS {
        used.extend(
            filters(bridge, direction)
                .await
                .into_iter()
                .map(|(pref, _)| pref),
        );
    }
    let pref = (FIRST_PREF..)
        .find(|p| !used.contains(p))
        .expect("a free priority")
        .to_string();
    let cookie = cookie_of(device_id);
    for direction in DIRECTIONS {
        #[rustfmt::skip]
        let args = [
            "filter", "add", "dev", bridge, direction, "pref", &pref, "protocol", "all",
            "u32", "match", "u8", "0", "0",
            "action", "mirred", "egress", "mirror", "dev", tap, "cookie", &cookie,
        ];
        run("tc", &args).await.map_err(fail)?;
    }
    Ok(())
}

async fn remove_locked(device_id: Uuid) -> Result<Vec<String>, MirrorError> {
    let cookie = cookie_of(device_id);
    let mut removed_from = Vec::new();
    for bridge in hostnet::bridges() {
        for direction in DIRECTIONS {
            // One mirror can be listed more than once (u32 hash tables).
            let prefs: std::collections::BTreeSet<u32> = filters(&bridge, direction)
                .await
                .into_iter()
                .filter(|(_, found)| found.as_deref() == Some(cookie.as_str()))
                .map(|(pref, _)| pref)
                .collect();
            for pref in prefs {
                let pref = pref.to_string();
                run(
                    "tc",
                    &["filter", "del", "dev", &bridge, direction, "pref", &pref],
                )
                .await
                .map_err(|source| MirrorError::Remove {
                    bridge: bridge.clone(),
                    source,
                })?;
                if !removed_from.contains(&bridge) {
                    removed_from.push(bridge.clone());
                }
            }
        }
    }
    Ok(removed_from)
}
