//! The engine's one error enum, and the one function that turns it into an
//! HTTP status and a message a person understands.

use hotnic_model::ApiError;
use sea_orm::{DbErr, SqlErr};

pub type EngineResult<T> = Result<T, EngineError>;

/// What a unique index says when a concurrent writer won.
pub(crate) const UNIQUE_RACE: &str = "that name or address is already in use";

impl EngineError {
    /// A unique index refused the write (and nothing changed).
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, EngineError::Conflict(reason) if reason == UNIQUE_RACE)
    }

    /// Lost a race with a concurrent writer (a unique index, or SQLite's
    /// single writer): doing it again may succeed.
    pub(crate) fn is_race(&self) -> bool {
        match self {
            EngineError::Conflict(_) => self.is_unique_violation(),
            EngineError::Database(err) => {
                let text = err.to_string();
                text.contains("database is locked") || text.contains("busy")
            }
            _ => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Input that cannot be accepted; `field` names the input at fault.
    #[error("{reason}")]
    Invalid { field: Option<&'static str>, reason: String },
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with the current state (VM running, already plugged…).
    #[error("{0}")]
    Conflict(String),
    /// A value that must be unique is taken (a NIC name in its VM, a MAC);
    /// `field` lets a form show the message beside that input.
    #[error("{reason}")]
    InUse { field: &'static str, reason: String },
    /// No valid session or token came with the request.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller sees the object but lacks the role to do this; the
    /// message names the role.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed sign-ins from this address: wait.
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Another flow holds the VM's lock.
    #[error("VM is busy with another operation; try again when it finishes")]
    Busy,
    /// The host answered and refused: the message says what failed and why
    /// (e.g. "Failed to plug NIC nic1 into VM vm1: <host message>").
    #[error("{reason}")]
    HostFailed { reason: String, kind: Option<hotnic_agent_api::FailureKind> },
    /// The host's agent did not answer.
    #[error("{reason}")]
    HostUnreachable {
        reason: String,
        #[source]
        source: hotnic_agent_api::client::ClientError,
    },
    #[error("database error")]
    Database(#[source] DbErr),
    /// The flow stopped half way (a crash of its task); what it asked a
    /// host to do is recorded, and monitoring finishes it.
    #[error("the operation was interrupted; monitoring records what the host did within one interval")]
    Interrupted,
}

impl EngineError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        EngineError::Invalid { field: Some(field), reason: reason.into() }
    }

    /// The HTTP status and body for this error. Internals (database text)
    /// go to the log, not to the caller.
    pub fn to_http(&self) -> (u16, ApiError) {
        match self {
            EngineError::Invalid { field, reason } => (
                400,
                ApiError { reason: reason.clone(), detail: None, field: field.map(str::to_owned), host_failure: None },
            ),
            EngineError::NotFound(reason) => (404, ApiError::new(reason)),
            EngineError::Unauthenticated(reason) => (401, ApiError::new(reason)),
            EngineError::Forbidden(reason) => (403, ApiError::new(reason)),
            EngineError::TooManyAttempts { .. } => (429, ApiError::new(self.to_string())),
            EngineError::InUse { field, reason } => {
                (409, ApiError { reason: reason.clone(), detail: None, field: Some((*field).to_owned()), host_failure: None })
            }
            EngineError::Conflict(reason) => (409, ApiError::new(reason)),
            EngineError::HostFailed { reason, kind } => (
                409,
                ApiError { host_failure: kind.and_then(|k| serde_json::to_value(k).ok()?.as_str().map(str::to_owned)), ..ApiError::new(reason) },
            ),
            EngineError::Busy => (409, ApiError::new(self.to_string())),
            EngineError::HostUnreachable { reason, source } => {
                (502, ApiError { reason: reason.clone(), detail: Some(source.to_string()), field: None, host_failure: None })
            }
            EngineError::Interrupted => (503, ApiError::new(self.to_string())),
            EngineError::Database(err) if database_unavailable(err) => {
                tracing::warn!(error = %err, "the database did not answer");
                (503, ApiError::new(DATABASE_UNAVAILABLE))
            }
            EngineError::Database(err) => {
                tracing::error!(error = %err, "database error");
                (500, ApiError::new("internal database error; see the server log"))
            }
        }
    }
}

/// What a caller reads while the database restarts or is out of reach.
pub const DATABASE_UNAVAILABLE: &str =
    "the database is unavailable (restarting or out of reach); try again in a moment. What a host did meanwhile is recorded by monitoring once the database is back";

/// A lost or refused connection (the database restarting, the network),
/// as opposed to a statement the database rejected.
fn database_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::RuntimeErr;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(err)) | DbErr::Query(RuntimeErr::SqlxError(err)) => match err.as_ref() {
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Protocol(_) => true,
            // Class 08: connection exception; 57P0x: the server shuts down or starts.
            Sqlx::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        },
        _ => false,
    }
}

impl From<DbErr> for EngineError {
    fn from(err: DbErr) -> Self {
        // A unique index caught a race the flow's own check did not see.
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return EngineError::Conflict(UNIQUE_RACE.into());
        }
        EngineError::Database(err)
    }
}
