//! The storage conformance suite: the same tests on SQLite and, when `CLASSCODE_TEST_PG_URL` is set, PostgreSQL.

use chrono::{TimeZone, Utc};

use crate::test_db::TestDatabase;
use crate::{NewTenant, Storage, StorageError};

async fn fresh_storage() -> (TestDatabase, Storage) {
    let database = TestDatabase::create().await.expect("test database");
    let storage = Storage::connect(&database.connect_options())
        .await
        .expect("connect");
    storage.migrate_up().await.expect("migrate up");
    (database, storage)
}

fn new_tenant(name: &str) -> NewTenant {
    NewTenant {
        name: name.to_owned(),
        display_name: format!("Académie {name}"),
        created_at: Utc
            .with_ymd_and_hms(2026, 11, 29, 8, 0, 0)
            .single()
            .expect("valid date"),
    }
}

#[tokio::test]
async fn migrations_go_up_down_and_up_to_the_same_schema() {
    let database = TestDatabase::create().await.expect("test database");
    let storage = Storage::connect(&database.connect_options())
        .await
        .expect("connect");
    assert_eq!(
        storage.pending_migrations().await.expect("pending"),
        Storage::known_migrations()
    );

    let applied = storage.migrate_up().await.expect("first up");
    assert_eq!(applied, Storage::known_migrations());
    let first = storage.schema_fingerprint().await.expect("fingerprint");
    assert!(
        first.iter().any(|line| line.contains("tenants")),
        "{first:?}"
    );

    storage.migrate_down(None).await.expect("down");
    let after_down = storage.schema_fingerprint().await.expect("fingerprint");
    assert!(
        after_down
            .iter()
            .all(|line| line.contains("seaql_migrations")),
        "only the migration table may remain after down: {after_down:?}"
    );

    storage.migrate_up().await.expect("second up");
    assert_eq!(
        storage.schema_fingerprint().await.expect("fingerprint"),
        first
    );
    assert!(
        storage
            .pending_migrations()
            .await
            .expect("pending")
            .is_empty()
    );
}

#[tokio::test]
async fn a_second_migrate_up_has_nothing_to_do() {
    let (_database, storage) = fresh_storage().await;
    assert!(storage.migrate_up().await.expect("again").is_empty());
}

#[tokio::test]
async fn inserted_tenants_are_found_by_name_and_listed_in_creation_order() {
    let (_database, storage) = fresh_storage().await;
    let lyon = storage
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect("insert lyon");
    let nice = storage
        .insert_tenant(new_tenant("nice"))
        .await
        .expect("insert nice");

    assert_eq!(
        storage.find_tenant_by_name("lyon").await.expect("find"),
        Some(lyon.clone())
    );
    assert_eq!(
        storage.find_tenant_by_name("paris").await.expect("find"),
        None
    );
    assert_eq!(
        storage.find_tenants().await.expect("list"),
        vec![lyon, nice]
    );
}

#[tokio::test]
async fn a_taken_tenant_name_is_a_conflict() {
    let (_database, storage) = fresh_storage().await;
    storage
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect("first");
    let err = storage
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect_err("second must fail");
    assert!(matches!(err, StorageError::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn the_pool_reports_its_size_and_the_database_answers_pings() {
    let (_database, storage) = fresh_storage().await;
    storage.ping().await.expect("ping");
    let stats = storage.pool_stats();
    assert_eq!(stats.max, 5);
    assert!(stats.size >= 1 && stats.size <= stats.max, "{stats:?}");
}
