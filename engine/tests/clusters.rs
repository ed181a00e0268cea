//! The cluster flows on both databases.

mod common;

use common::admin;
use hotnic_engine::clusters::{create_cluster, list_clusters};
use hotnic_engine::{Database, EngineError};
use hotnic_model::NewCluster;

fn new(name: &str, version: &str) -> NewCluster {
    NewCluster { name: name.into(), compatibility_version: version.into() }
}

async fn creates_and_lists_sorted(database: &Database) {
    let db = &database.conn;
    let b = create_cluster(db, &admin(), new("beta", "3.0")).await.unwrap();
    let a = create_cluster(db, &admin(), new(" alpha ", "4.7")).await.unwrap();
    assert_eq!(a.name, "alpha", "names are trimmed");
    assert_eq!(a.compatibility_version, "4.7");
    let listed = list_clusters(db, &admin()).await.unwrap();
    assert_eq!(listed, vec![a, b]);
}
on_both_databases!(creates_and_lists_sorted_db, creates_and_lists_sorted);

async fn refuses_bad_input_and_changes_nothing(database: &Database) {
    let db = &database.conn;
    let cases = [
        (new("", "4.7"), "name", "cluster the name is empty"),
        (new("x'/><hostdev", "4.7"), "name", "may hold only letters"),
        (new("ok", "5.0"), "compatibility_version", "unknown compatibility version '5.0'"),
        (new("ok", ""), "compatibility_version", "unknown compatibility version"),
    ];
    for (input, field, reason) in cases {
        match create_cluster(db, &admin(), input.clone()).await {
            Err(EngineError::Invalid { field: Some(f), reason: r }) => {
                assert_eq!(f, field, "{input:?}");
                assert!(r.contains(reason), "{input:?}: {r}");
                let (status, body) = EngineError::Invalid { field: Some(f), reason: r }.to_http();
                assert_eq!(status, 400);
                assert_eq!(body.field.as_deref(), Some(field));
            }
            other => panic!("{input:?} gave {other:?}"),
        }
    }
    assert!(list_clusters(db, &admin()).await.unwrap().is_empty());
}
on_both_databases!(refuses_bad_input_db, refuses_bad_input_and_changes_nothing);

async fn refuses_a_duplicate_name(database: &Database) {
    let db = &database.conn;
    create_cluster(db, &admin(), new("Default", "4.7")).await.unwrap();
    let err = create_cluster(db, &admin(), new("Default", "3.1")).await.unwrap_err();
    assert!(matches!(&err, EngineError::Conflict(r) if r == "a cluster named 'Default' already exists"), "{err:?}");
    assert_eq!(err.to_http().0, 409);
    let listed = list_clusters(db, &admin()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].compatibility_version, "4.7");
}
on_both_databases!(refuses_a_duplicate_name_db, refuses_a_duplicate_name);
