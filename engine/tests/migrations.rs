//! The schema goes up and down cleanly on SQLite and on PostgreSQL.

mod common;

use common::TestDb;
use hotnic_engine::Database;
use hotnic_migrations::{Migrator, MigratorTrait, SchemaManager};

const TABLES: &[&str] =
    &["clusters", "hosts", "networks", "vms", "vm_interfaces", "vm_device", "mac_pool", "audit_log", "users", "sessions", "api_tokens", "permissions", "servers"];

async fn tables_present(database: &Database) -> Vec<&'static str> {
    let manager = SchemaManager::new(&database.conn);
    let mut present = Vec::new();
    for table in TABLES {
        if manager.has_table(*table).await.expect("has_table") {
            present.push(*table);
        }
    }
    present
}

async fn up_down_up(database: &Database) {
    assert!(tables_present(database).await.is_empty(), "a new database has no tables");
    assert_eq!(Migrator::get_pending_migrations(&database.conn).await.unwrap().len(), Migrator::migrations().len());

    Migrator::up(&database.conn, None).await.expect("up");
    assert_eq!(tables_present(database).await, TABLES);
    assert!(Migrator::get_pending_migrations(&database.conn).await.unwrap().is_empty());
    let health = hotnic_engine::health::health(database).await.unwrap();
    assert_eq!(health.schema_version, "m20261207_000001_vm_nics_version");
    assert_eq!(health.migrations_applied, Migrator::migrations().len());

    // The default MAC pool is seeded with oVirt's range.
    use hotnic_engine::entities::mac_pool;
    use sea_orm::EntityTrait;
    let pools = mac_pool::Entity::find().all(&database.conn).await.unwrap();
    assert_eq!(pools.len(), 1);
    assert_eq!((pools[0].range_start.as_str(), pools[0].range_end.as_str()), ("00:1a:4a:16:01:51", "00:1a:4a:16:01:e6"));
    assert!(!pools[0].allow_duplicates);

    Migrator::down(&database.conn, None).await.expect("down");
    assert!(tables_present(database).await.is_empty(), "down removes every table");

    Migrator::up(&database.conn, None).await.expect("up again after down");
    assert_eq!(tables_present(database).await, TABLES);
}

#[tokio::test]
async fn up_down_up_on_sqlite() {
    let db = TestDb::sqlite(false).await;
    up_down_up(&db.database).await;
    assert_eq!(db.database.kind(), "sqlite");
    db.finish().await;
}

#[tokio::test]
async fn up_down_up_on_postgres() {
    let db = TestDb::postgres(false).await;
    up_down_up(&db.database).await;
    assert_eq!(db.database.kind(), "postgres");
    db.finish().await;
}

#[tokio::test]
async fn opening_twice_applies_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("twice.db").display());
    let first = Database::open(&url).await.unwrap();
    first.conn.close().await.unwrap();
    let second = Database::open(&url).await.unwrap();
    let health = hotnic_engine::health::health(&second).await.unwrap();
    assert_eq!(health.migrations_applied, Migrator::migrations().len());
}

#[tokio::test]
async fn sqlite_files_use_the_write_ahead_log() {
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("wal.db").display());
    let database = Database::open(&url).await.unwrap();
    let pragma = |sql: &str| Statement::from_string(database.conn.get_database_backend(), sql.to_owned());
    let mode = database.conn.query_one_raw(pragma("PRAGMA journal_mode")).await.unwrap().unwrap();
    assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
    // 1 = NORMAL (FULL is 2): one fsync per checkpoint, not per commit.
    let sync = database.conn.query_one_raw(pragma("PRAGMA synchronous")).await.unwrap().unwrap();
    assert_eq!(sync.try_get_by_index::<i32>(0).unwrap(), 1);
}

/// A database written before the unique address index may hold two NICs at
/// one address (the BZ1199782 state): the migration clears both, and from
/// then on the database refuses such a pair.
async fn shared_addresses_are_cleared_then_refused(database: &Database) {
    use hotnic_engine::entities::{cluster, vm, vm_device, vm_interface};
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let db = &database.conn;
    Migrator::up(db, Some(1)).await.expect("first migration only");
    let now = chrono::Utc::now();
    let cluster = cluster::Model { id: uuid::Uuid::new_v4(), name: "c".into(), compatibility_version: "4.7".into(), created_at: now };
    cluster.clone().into_active_model().insert(db).await.unwrap();
    let vm = vm::Model {
        id: uuid::Uuid::new_v4(),
        name: "v".into(),
        cluster_id: cluster.id,
        host_id: None,
        status: "down".into(),
        memory_mib: 128,
        vcpus: 1,
        kernel: None,
        initrd: None,
        cmdline: None,
        disk: None,
        created_at: now,
        pci_slots_free: None,
        pci_slots_total: None,
        unknown_nics: None,
        nics_version: 0,
    };
    let mut row = vm.clone().into_active_model();
    // Columns of later migrations are not there yet.
    row.pci_slots_free = sea_orm::NotSet;
    row.pci_slots_total = sea_orm::NotSet;
    row.unknown_nics = sea_orm::NotSet;
    row.nics_version = sea_orm::NotSet;
    vm::Entity::insert(row).exec_without_returning(db).await.unwrap();
    let slot = |n: u8| format!(r#"{{"domain":0,"bus":0,"slot":{n},"function":0}}"#);
    let mut nics = Vec::new();
    for (i, address) in [slot(3), slot(3), slot(4)].into_iter().enumerate() {
        let id = uuid::Uuid::new_v4();
        let mut interface = vm_interface::Model {
            id,
            vm_id: vm.id,
            name: format!("nic{i}"),
            network_id: None,
            mac: format!("00:1a:4a:16:01:5{i}"),
            model: "virtio".into(),
            port_mirroring: false,
            boot_order: None,
            created_at: now,
            linked: true,
        }
        .into_active_model();
        // Columns of later migrations are not there yet.
        interface.linked = sea_orm::NotSet;
        vm_interface::Entity::insert(interface).exec_without_returning(db).await.unwrap();
        let mut device = vm_device::Model {
            device_id: id,
            vm_id: vm.id,
            r#type: "interface".into(),
            device: "bridge".into(),
            is_plugged: true,
            address: Some(address),
            alias: None,
            spec_params: "{}".into(),
            pending: None,
            pending_since: None,
            drift: None,
        }
        .into_active_model();
        // Columns of later migrations are not there yet.
        device.pending = sea_orm::NotSet;
        device.pending_since = sea_orm::NotSet;
        device.drift = sea_orm::NotSet;
        vm_device::Entity::insert(device).exec_without_returning(db).await.unwrap();
        nics.push(id);
    }
    Migrator::up(db, None).await.expect("the index migration");
    let mut rows = vm_device::Entity::find().all(db).await.unwrap();
    rows.sort_by_key(|r| nics.iter().position(|n| *n == r.device_id));
    let addresses: Vec<Option<String>> = rows.iter().map(|r| r.address.clone()).collect();
    assert_eq!(addresses, [None, None, Some(slot(4))], "the shared address is cleared, the other kept");
    let mut again = rows[0].clone().into_active_model();
    again.address = Set(Some(slot(4)));
    assert!(again.update(db).await.is_err(), "a second NIC at slot 4 is refused");
}

#[tokio::test]
async fn shared_addresses_are_cleared_then_refused_on_sqlite() {
    let db = TestDb::sqlite(false).await;
    shared_addresses_are_cleared_then_refused(&db.database).await;
    db.finish().await;
}

#[tokio::test]
async fn shared_addresses_are_cleared_then_refused_on_postgres() {
    let db = TestDb::postgres(false).await;
    shared_addresses_are_cleared_then_refused(&db.database).await;
    db.finish().await;
}
