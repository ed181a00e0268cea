//! Sign-in, sessions, API tokens and permissions as flows, on both
//! databases: the same message for a wrong name or password, back-off,
//! idle sessions ending, disabled users and revoked tokens locked out, and
//! an administrator always left.

mod common;

use hotnic_engine::access::{permissions, sessions, tokens, users, Actor};
use hotnic_engine::{AgentHosts, Database, Engine, EngineConfig, EngineError};
use hotnic_model::{NewApiToken, NewPermission, NewUser, PermissionObject, Role, SignIn, UserUpdate};
use std::time::Duration;

fn engine(database: &Database, idle: Duration) -> Engine {
    let config = EngineConfig { session_idle: idle, ..Default::default() };
    Engine::new(database.clone(), AgentHosts::new(Duration::from_secs(2)), config)
}

fn credentials(name: &str, password: &str) -> SignIn {
    SignIn { name: name.into(), password: password.into() }
}

async fn first_admin(engine: &Engine) -> Actor {
    let generated = users::bootstrap_admin(engine.db(), None).await.unwrap().expect("a first admin");
    assert_eq!(generated.len(), 24, "a random password is made");
    assert_eq!(users::bootstrap_admin(engine.db(), None).await.unwrap(), None, "only once");
    let (_, actor) = sessions::sign_in(engine, credentials("admin", &generated), None).await.unwrap();
    assert!(actor.is_super_user());
    actor
}

async fn sign_in_sessions_and_back_off(database: &Database) {
    let engine = engine(database, Duration::from_secs(3600));
    let admin = first_admin(&engine).await;
    users::create_user(&engine, &admin, NewUser { name: "alice".into(), password: "alice-password".into() }).await.unwrap();

    // One message whether the user exists or not.
    let address = Some("192.0.2.1".parse().unwrap());
    let wrong = sessions::sign_in(&engine, credentials("alice", "nope-nope"), address).await.unwrap_err();
    let unknown = sessions::sign_in(&engine, credentials("mallory", "nope-nope"), address).await.unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(wrong.to_http().0, 401);

    // Five failures from one address (two above), then it must wait.
    for _ in 0..3 {
        sessions::sign_in(&engine, credentials("alice", "nope-nope"), address).await.unwrap_err();
    }
    let held = sessions::sign_in(&engine, credentials("alice", "alice-password"), address).await.unwrap_err();
    assert!(matches!(held, EngineError::TooManyAttempts { .. }), "{held}");
    assert_eq!(held.to_http().0, 429);
    // Alice elsewhere is not held back by that address.
    let elsewhere = Some("192.0.2.2".parse().unwrap());
    let (secret, alice) = sessions::sign_in(&engine, credentials("alice", "alice-password"), elsewhere).await.unwrap();
    assert_eq!(alice.name, "alice");

    // The session opens the door until sign-out.
    assert_eq!(sessions::resolve(&engine, &secret).await.unwrap().unwrap().name, "alice");
    sessions::sign_out(&engine, &secret).await.unwrap();
    assert!(sessions::resolve(&engine, &secret).await.unwrap().is_none());
    assert!(sessions::resolve(&engine, "not-a-session").await.unwrap().is_none());

    // Disabling a user ends their sessions and stops their tokens.
    let (secret, alice) = sessions::sign_in(&engine, credentials("alice", "alice-password"), elsewhere).await.unwrap();
    let token = tokens::create_token(&engine, &alice, NewApiToken { name: "ci".into() }).await.unwrap();
    assert!(token.secret.starts_with("hnt_"));
    let by_token = tokens::resolve(&engine, &token.secret).await.unwrap().unwrap();
    assert_eq!(by_token.audit_name(), "alice (token ci)");
    let alice_id = alice.user_id;
    users::update_user(&engine, &admin, alice_id, UserUpdate { enabled: Some(false), password: None }).await.unwrap();
    assert!(sessions::resolve(&engine, &secret).await.unwrap().is_none());
    assert!(tokens::resolve(&engine, &token.secret).await.unwrap().is_none());
    let disabled = sessions::sign_in(&engine, credentials("alice", "alice-password"), elsewhere).await.unwrap_err();
    assert_eq!(disabled.to_http().0, 401);
    assert!(disabled.to_string().contains("disabled"), "{disabled}");

    // Enabled again: the token works until revoked.
    users::update_user(&engine, &admin, alice_id, UserUpdate { enabled: Some(true), password: None }).await.unwrap();
    let alice = tokens::resolve(&engine, &token.secret).await.unwrap().unwrap();
    tokens::revoke_token(&engine, &alice, token.token.id).await.unwrap();
    assert!(tokens::resolve(&engine, &token.secret).await.unwrap().is_none());
    // A user cannot revoke another's token (it is not theirs to see).
    let admins = tokens::create_token(&engine, &admin, NewApiToken { name: "ops".into() }).await.unwrap();
    let err = tokens::revoke_token(&engine, &alice, admins.token.id).await.unwrap_err();
    assert_eq!(err.to_http().0, 404);
}
on_both_databases!(sign_in_sessions_and_back_off_db, sign_in_sessions_and_back_off);

async fn idle_sessions_end(database: &Database) {
    let engine = engine(database, Duration::from_millis(300));
    let admin = first_admin(&engine).await;
    users::create_user(&engine, &admin, NewUser { name: "bob".into(), password: "bob-password".into() }).await.unwrap();
    let (secret, _) = sessions::sign_in(&engine, credentials("bob", "bob-password"), None).await.unwrap();
    assert!(sessions::resolve(&engine, &secret).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(sessions::resolve(&engine, &secret).await.unwrap().is_none(), "idle longer than the limit");
}
on_both_databases!(idle_sessions_end_db, idle_sessions_end);

async fn permissions_keep_an_administrator(database: &Database) {
    let engine = engine(database, Duration::from_secs(3600));
    let first = first_admin(&engine).await;
    // The last SuperUser cannot be revoked, nor disable themselves.
    let system = permissions::list_permissions(&engine, &first, PermissionObject::System).await.unwrap();
    assert_eq!(system.len(), 1);
    let err = permissions::revoke(&engine, &first, system[0].id).await.unwrap_err();
    assert_eq!(err.to_http().0, 409, "{err}");
    let err = users::update_user(&engine, &first, first.user_id, UserUpdate { enabled: Some(false), password: None }).await.unwrap_err();
    assert_eq!(err.to_http().0, 409);
    // Roles must fit their object.
    users::create_user(&engine, &first, NewUser { name: "carol".into(), password: "carol-password".into() }).await.unwrap();
    let vm = uuid::Uuid::new_v4();
    for (role, object, field) in [
        (Role::SuperUser, PermissionObject::Vm(vm), "role"),
        (Role::ClusterAdmin, PermissionObject::Vm(vm), "role"),
        (Role::ReadOnly, PermissionObject::Vm(vm), "object"),
    ] {
        let err = permissions::grant(&engine, &first, NewPermission { user: "carol".into(), role, object }).await.unwrap_err();
        assert!(matches!(&err, EngineError::Invalid { field: Some(f), .. } if *f == field), "{role:?}: {err}");
    }
    // Short passwords are refused; nothing is created.
    let err = users::create_user(&engine, &first, NewUser { name: "dave".into(), password: "short".into() }).await.unwrap_err();
    assert_eq!(err.to_http().1.field.as_deref(), Some("password"));
    assert!(users::find_user_by_name(engine.db(), "dave").await.unwrap().is_none());
    // Only a SuperUser manages users.
    let (_, carol) = sessions::sign_in(&engine, credentials("carol", "carol-password"), None).await.unwrap();
    let err = users::list_users(&engine, &carol).await.unwrap_err();
    assert_eq!(err.to_http().0, 403);
    assert!(err.to_string().contains("SuperUser"), "{err}");
}
on_both_databases!(permissions_keep_an_administrator_db, permissions_keep_an_administrator);

/// A token resolved lately is believed without another read
/// (`signed_in::KEPT_FOR`); revoking it through the server that keeps it
/// ends that at once.
async fn a_revoked_token_is_refused_at_once(database: &Database) {
    let engine = engine(database, Duration::from_secs(3600));
    let admin = first_admin(&engine).await;
    let token = tokens::create_token(&engine, &admin, NewApiToken { name: "burst".into() }).await.unwrap();
    assert!(tokens::resolve(&engine, &token.secret).await.unwrap().is_some());
    tokens::revoke_token(&engine, &admin, token.token.id).await.unwrap();
    assert!(tokens::resolve(&engine, &token.secret).await.unwrap().is_none());
}
on_both_databases!(revoked_token_db, a_revoked_token_is_refused_at_once);

/// Servers sharing a PostgreSQL database: a token revoked through one is
/// refused by the other as soon as the change notice arrives, not after
/// `KEPT_FOR`; and a server that lost its notices reads every token again.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_through_a_peer_server_is_refused_at_once() {
    use hotnic_engine::access::signed_in::KEPT_FOR;
    use sea_orm::ConnectionTrait;
    let db = common::TestDb::postgres(true).await;
    let (here, elsewhere) = (engine(&db.database, Duration::from_secs(3600)), engine(&db.database, Duration::from_secs(3600)));
    let _feeds = (hotnic_engine::change_feed::spawn(&here).unwrap(), hotnic_engine::change_feed::spawn(&elsewhere).unwrap());
    let admin = first_admin(&here).await;
    let refused_here_within = |secret: String| {
        let here = here.clone();
        async move {
            let started = std::time::Instant::now();
            while tokens::resolve(&here, &secret).await.unwrap().is_some() {
                assert!(started.elapsed() < KEPT_FOR / 4, "still believed after {:?}", started.elapsed());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            started.elapsed()
        }
    };

    let token = tokens::create_token(&here, &admin, NewApiToken { name: "burst".into() }).await.unwrap();
    assert!(tokens::resolve(&here, &token.secret).await.unwrap().is_some(), "kept here");
    tokens::revoke_token(&elsewhere, &admin, token.token.id).await.unwrap();
    let took = refused_here_within(token.secret.clone()).await;
    println!("a token revoked through the other server was refused here after {took:?}");

    // The row goes with no notice (as if it was lost): the token kept here
    // is still believed, until this server loses its listening connection.
    let token = tokens::create_token(&here, &admin, NewApiToken { name: "kept".into() }).await.unwrap();
    assert!(tokens::resolve(&here, &token.secret).await.unwrap().is_some());
    let conn = &db.database.conn;
    conn.execute_unprepared(&format!("DELETE FROM api_tokens WHERE id = '{}'", token.token.id)).await.unwrap();
    assert!(tokens::resolve(&here, &token.secret).await.unwrap().is_some(), "believed without a read");
    conn.execute_unprepared("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'")
        .await
        .unwrap();
    let took = refused_here_within(token.secret.clone()).await;
    println!("a server that lost its notices read the token again after {took:?}");
    db.finish().await;
}
