//! Each VM's `nics_version`: a number the database itself raises whenever
//! a row of the VM's NICs changes (its interfaces, their device rows, or a
//! network they use), in the transaction that changes it. Monitoring keeps
//! what it last read of each VM's NICs and reads them again only when the
//! number moved, so a sweep where nothing changed reads VM rows alone.
//! Triggers, not the flows, keep it: no write path can forget it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000001_vm_nics_version"
    }
}

/// The tables whose rows belong to one VM (`vm_id`).
const NIC_TABLES: [&str; 2] = ["vm_interfaces", "vm_device"];

const SQLITE_UP: &str = "
CREATE TRIGGER networks_nics_version AFTER UPDATE ON networks BEGIN
  UPDATE vms SET nics_version = nics_version + 1
  WHERE id IN (SELECT vm_id FROM vm_interfaces WHERE network_id = NEW.id);
END;";

fn sqlite_table_triggers(table: &str) -> String {
    format!(
        "CREATE TRIGGER {table}_nics_version_insert AFTER INSERT ON {table} BEGIN
           UPDATE vms SET nics_version = nics_version + 1 WHERE id = NEW.vm_id;
         END;
         CREATE TRIGGER {table}_nics_version_update AFTER UPDATE ON {table} BEGIN
           UPDATE vms SET nics_version = nics_version + 1 WHERE id IN (OLD.vm_id, NEW.vm_id);
         END;
         CREATE TRIGGER {table}_nics_version_delete AFTER DELETE ON {table} BEGIN
           UPDATE vms SET nics_version = nics_version + 1 WHERE id = OLD.vm_id;
         END;"
    )
}

const POSTGRES_UP: &str = "
CREATE FUNCTION hotnic_bump_vm_nics_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE vms SET nics_version = nics_version + 1 WHERE id = OLD.vm_id;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.vm_id IS DISTINCT FROM OLD.vm_id) THEN
    UPDATE vms SET nics_version = nics_version + 1 WHERE id = NEW.vm_id;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION hotnic_bump_network_vms_nics_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE vms SET nics_version = nics_version + 1
  WHERE id IN (SELECT vm_id FROM vm_interfaces WHERE network_id = NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER networks_nics_version AFTER UPDATE ON networks
  FOR EACH ROW EXECUTE FUNCTION hotnic_bump_network_vms_nics_version();";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Vms::NicsVersion).big_integer().not_null().default(0).to_owned();
        manager.alter_table(Table::alter().table(Vms::Table).add_column(column).to_owned()).await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_UP).await?;
                for table in NIC_TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_nics_version AFTER INSERT OR UPDATE OR DELETE ON {table}
                           FOR EACH ROW EXECUTE FUNCTION hotnic_bump_vm_nics_version();"
                    ))
                    .await?;
                }
            }
            _ => {
                db.execute_unprepared(SQLITE_UP).await?;
                for table in NIC_TABLES {
                    db.execute_unprepared(&sqlite_table_triggers(table)).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER networks_nics_version ON networks").await?;
                for table in NIC_TABLES {
                    db.execute_unprepared(&format!("DROP TRIGGER {table}_nics_version ON {table}")).await?;
                }
                db.execute_unprepared("DROP FUNCTION hotnic_bump_vm_nics_version(); DROP FUNCTION hotnic_bump_network_vms_nics_version();")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER networks_nics_version").await?;
                for table in NIC_TABLES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!("DROP TRIGGER {table}_nics_version_{event}")).await?;
                    }
                }
            }
        }
        manager.alter_table(Table::alter().table(Vms::Table).drop_column(Vms::NicsVersion).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Vms { Table, NicsVersion }
