//! One module per page; `common` holds the small widgets they share.

pub mod clusters;
pub mod common;
pub mod events;
pub mod hosts;
pub mod networks;
pub mod permissions;
pub mod row_edit;
pub mod signin;
pub mod tokens;
pub mod users;
pub mod vm;
pub mod vms;
