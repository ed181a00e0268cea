//! Who the caller is and what they may do. Every flow takes an [`Actor`]
//! and asks [`Actor::check`] (the one permission function) before it reads
//! or changes anything; lists ask [`Actor::visible`]. Reading an object the
//! caller may not see is 404, as if it did not exist; acting on one they
//! may see but not change is 403 naming the role they lack.
//!
//! - `users`: local users, passwords (argon2), the first admin;
//! - `sessions`: sign-in, browser sessions (idle expiry), sign-out;
//! - `tokens`: API tokens for scripts;
//! - `permissions`: granting and revoking roles;
//! - `throttle`: back-off after failed sign-ins;
//! - `signed_in`: API tokens resolved a moment ago, kept for bursts.

mod actor;
pub mod permissions;
mod secrets;
pub mod sessions;
pub mod signed_in;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use actor::{Act, Actor, Scope, Target, Visible};
