//! hotnic's engine: the owner of truth. Flows are plain async functions over
//! a database connection or transaction; the REST API and the server
//! functions both call them and add no logic of their own.

pub mod clusters;
pub mod db;
pub mod entities;
mod error;
pub mod health;

pub use db::Database;
pub use error::{EngineError, EngineResult};
