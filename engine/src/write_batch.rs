//! Writes gathered while a pass decides, sent together at its end inside
//! the caller's transaction. On SQLite they go to the connection's worker
//! thread as one text: each statement sent alone costs a hand-over and a
//! wake-up, and a monitoring pass that finds 400 NICs changed sends 1,200
//! of them. PostgreSQL takes one parameterised statement per message, so
//! there they go one after another (still one commit).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, StatementBuilder};

/// Statements per text sent to SQLite. sqlx keeps each text it ran
/// prepared, per connection (a hundred texts): a few short statements per
/// text keep that cache small and still save most hand-overs.
const STATEMENTS_PER_TEXT: usize = 16;

/// The writes of one transaction, in the order they are to run.
pub(crate) struct WriteBatch {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl WriteBatch {
    pub(crate) fn new(backend: DbBackend) -> Self {
        WriteBatch { backend, statements: Vec::new() }
    }

    pub(crate) fn push(&mut self, statement: &impl StatementBuilder) {
        self.statements.push(self.backend.build(statement));
    }

    /// Runs the writes in a transaction of their own, all or nothing; no
    /// transaction at all when there is nothing to write.
    pub(crate) async fn send_alone(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if self.statements.is_empty() {
            return Ok(());
        }
        let txn = crate::db::begin_write(db).await?;
        self.send(&txn).await?;
        txn.commit().await
    }

    /// Runs the writes, in order, on `txn` (a transaction: the batch is
    /// all or nothing only inside one).
    pub(crate) async fn send(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        if self.statements.is_empty() {
            return Ok(());
        }
        if self.backend == DbBackend::Postgres {
            for statement in self.statements {
                txn.execute_raw(statement).await?;
            }
            return Ok(());
        }
        let mut statements = self.statements.into_iter().peekable();
        while statements.peek().is_some() {
            let chunk: Vec<Statement> = statements.by_ref().take(STATEMENTS_PER_TEXT).collect();
            txn.query_all_raw(joined(self.backend, chunk)).await?;
        }
        Ok(())
    }
}

/// Statements joined into one text, their values in order: SQLite numbers
/// `?` placeholders across the statements of one text.
pub(crate) fn joined(backend: DbBackend, parts: Vec<Statement>) -> Statement {
    let mut sql = Vec::with_capacity(parts.len());
    let mut values = Vec::new();
    for part in parts {
        sql.push(part.sql);
        values.extend(part.values.map(|v| v.0).unwrap_or_default());
    }
    Statement::from_sql_and_values(backend, sql.join(";\n"), values)
}
