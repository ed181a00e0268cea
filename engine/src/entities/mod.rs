//! sea-orm entities: the rows as the database holds them. Flows convert
//! them to the API types in `hotnic-model` at their edge.

pub mod api_token;
pub mod audit_log;
pub mod cluster;
pub mod host;
pub mod mac_pool;
pub mod network;
pub mod permission;
pub mod server;
pub mod session;
pub mod user;
pub mod vm;
pub mod vm_device;
pub mod vm_interface;
