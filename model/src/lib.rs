//! The public API types of hotnic: what the REST API, the server functions
//! and the browser exchange. Plain serde types; no database, no web framework,
//! so the WASM build can use them too.

mod cluster;
mod compatibility;
mod error;
mod health;
mod names;

pub use cluster::{Cluster, NewCluster};
pub use compatibility::{CompatibilityVersion, NIC_HOTPLUG_MIN_VERSION};
pub use error::ApiError;
pub use health::Health;
pub use names::{EntityName, NameError};
