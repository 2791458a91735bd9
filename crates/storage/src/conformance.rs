//! The storage conformance suite: the same tests on SQLite and, when `CLASSCODE_TEST_PG_URL` is set, PostgreSQL.

use chrono::{TimeZone, Utc};

use crate::test_db::TestDatabase;
use sea_orm::ConnectionTrait;

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

fn keyed_statement(agent: &str, activity: &str) -> crate::NewStatement {
    crate::NewStatement {
        statement_id: uuid::Uuid::new_v4(),
        stored: Utc::now(),
        verb_id: "http://adlnet.gov/expapi/verbs/experienced".to_owned(),
        registration: None,
        voids: None,
        targets: None,
        has_attachments: false,
        fresh_id: true,
        payload: format!(r#"{{"actor":"{agent}","object":"{activity}"}}"#),
        keys: vec![
            ("agent".to_owned(), agent.to_owned()),
            ("activity".to_owned(), activity.to_owned()),
        ],
        activities: Vec::new(),
    }
}

fn by_key(kind: &str, value: &str) -> crate::StatementFilter {
    crate::StatementFilter {
        keys: vec![crate::KeyFilter {
            kind: kind.to_owned(),
            value: value.to_owned(),
        }],
        limit: 100,
        ..crate::StatementFilter::default()
    }
}

fn keep_incoming(_held: &str, incoming: &str) -> String {
    incoming.to_owned()
}

async fn payloads(
    storage: &Storage,
    tenant: crate::TenantId,
    filter: &crate::StatementFilter,
) -> Vec<String> {
    let mut found: Vec<String> = storage
        .find_statements(tenant, filter)
        .await
        .expect("query")
        .into_iter()
        .map(|stored| stored.payload)
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn query_keys_belong_to_their_tenant_even_when_cached() {
    let (_database, storage) = fresh_storage().await;
    let lyon = storage
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect("lyon")
        .id;
    let nice = storage
        .insert_tenant(new_tenant("nice"))
        .await
        .expect("nice")
        .id;
    let agent = "mbox::mailto:ada@example.org";
    let in_lyon = keyed_statement(agent, "https://hub.example.org/content/reseaux");
    let in_nice = keyed_statement(agent, "https://hub.example.org/content/robotique");
    storage
        .insert_statements(lyon, vec![in_lyon.clone()], Vec::new(), keep_incoming)
        .await
        .expect("lyon statement");
    // The agent key is now cached for Lyon; Nice must get a key of its own.
    storage
        .insert_statements(nice, vec![in_nice.clone()], Vec::new(), keep_incoming)
        .await
        .expect("nice statement");

    let filter = by_key("agent", agent);
    assert_eq!(
        payloads(&storage, lyon, &filter).await,
        vec![in_lyon.payload.clone()]
    );
    assert_eq!(
        payloads(&storage, nice, &filter).await,
        vec![in_nice.payload.clone()]
    );
    // Both filters must hold; a key stored only in the other tenant, or never stored, matches nothing.
    let mut both = by_key("agent", agent);
    both.keys.push(crate::KeyFilter {
        kind: "activity".to_owned(),
        value: "https://hub.example.org/content/robotique".to_owned(),
    });
    assert!(payloads(&storage, lyon, &both).await.is_empty());
    assert_eq!(
        payloads(&storage, nice, &both).await,
        vec![in_nice.payload.clone()]
    );
    assert!(
        payloads(
            &storage,
            lyon,
            &by_key("agent", "mbox::mailto:nobody@example.org")
        )
        .await
        .is_empty()
    );
    // The same kind and value under another kind is another key.
    assert!(
        payloads(&storage, lyon, &by_key("activity", agent))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_query_key_migration_carries_stored_keys_down_and_up_again() {
    let (database, storage) = fresh_storage().await;
    let lyon = storage
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect("lyon")
        .id;
    let statements: Vec<crate::NewStatement> = (0..30)
        .map(|index| {
            keyed_statement(
                &format!("mbox::mailto:learner{}@example.org", index % 4),
                &format!("https://hub.example.org/content/module-{}", index % 3),
            )
        })
        .collect();
    storage
        .insert_statements(lyon, statements.clone(), Vec::new(), keep_incoming)
        .await
        .expect("statements");
    let filter = |index: usize| {
        let mut filter = by_key(
            "agent",
            &format!("mbox::mailto:learner{}@example.org", index % 4),
        );
        filter.keys.push(crate::KeyFilter {
            kind: "activity".to_owned(),
            value: format!("https://hub.example.org/content/module-{}", index % 3),
        });
        filter
    };
    let before: Vec<Vec<String>> = {
        let mut all = Vec::new();
        for index in 0..12 {
            all.push(payloads(&storage, lyon, &filter(index)).await);
        }
        all
    };
    assert!(before.iter().all(|found| !found.is_empty()), "{before:?}");
    assert_eq!(before.iter().map(Vec::len).sum::<usize>(), 30);

    // Down one step (back to one row per key and statement) and up again, in a fresh process's storage so that no
    // cached id can answer for the table.
    storage.migrate_down(Some(1)).await.expect("down one");
    storage.migrate_up().await.expect("up again");
    let reopened = Storage::connect(&database.connect_options())
        .await
        .expect("reconnect");
    for (index, expected) in before.iter().enumerate() {
        assert_eq!(
            &payloads(&reopened, lyon, &filter(index)).await,
            expected,
            "filter {index}"
        );
    }
}

#[tokio::test]
async fn an_erased_learner_is_gone_for_every_node_and_can_start_again() {
    let (database, node_a) = fresh_storage().await;
    // A second node on the same database, with caches of its own.
    let node_b = Storage::connect(&database.connect_options())
        .await
        .expect("second node");
    let lyon = node_a
        .insert_tenant(new_tenant("lyon"))
        .await
        .expect("lyon")
        .id;
    let erased = "mbox:mailto:camille@example.org";
    let kept = "mbox:mailto:dominique@example.org";
    let activity = "https://hub.example.org/content/reseaux";
    for (stored, node) in [&node_a, &node_b].into_iter().enumerate() {
        node.insert_statements(
            lyon,
            vec![
                keyed_statement(erased, activity),
                keyed_statement(kept, activity),
            ],
            Vec::new(),
            keep_incoming,
        )
        .await
        .expect("statements");
        // Both nodes now hold the learner's key id in their caches.
        assert_eq!(
            payloads(node, lyon, &by_key("agent", erased)).await.len(),
            stored + 1
        );
    }

    let not_learner = |_: &str| false;
    let erasure = crate::LearnerErasure {
        tenant_id: lyon,
        agent_key: erased,
        badge_key: None,
        lti_account: None,
        daily_token: "none",
        is_learner: &not_learner,
        at: Utc::now(),
        dry_run: true,
    };
    let counted = node_b.erase_learner(&erasure).await.expect("dry run");
    assert_eq!(counted.statements, 2);
    assert_eq!(
        payloads(&node_a, lyon, &by_key("agent", erased))
            .await
            .len(),
        2,
        "a dry run keeps everything"
    );

    let removed = node_b
        .erase_learner(&crate::LearnerErasure {
            dry_run: false,
            ..erasure
        })
        .await
        .expect("erase");
    assert_eq!(removed.statements, 2);
    assert!(
        payloads(&node_a, lyon, &by_key("agent", erased))
            .await
            .is_empty()
    );
    assert_eq!(
        payloads(&node_a, lyon, &by_key("agent", kept)).await.len(),
        2
    );

    // The learner comes back, through the node that did not erase them: its cached id is gone with the erasure, so
    // the new statement gets a new key that both nodes find.
    let again = keyed_statement(erased, activity);
    node_a
        .insert_statements(lyon, vec![again.clone()], Vec::new(), keep_incoming)
        .await
        .expect("statement after the erasure");
    for node in [&node_a, &node_b] {
        assert_eq!(
            payloads(node, lyon, &by_key("agent", erased)).await,
            vec![again.payload.clone()]
        );
    }
    node_b.close().await;
}

#[tokio::test]
async fn an_older_node_starts_and_is_ready_on_a_database_a_newer_node_migrated() {
    let (_database, storage) = fresh_storage().await;
    // A newer binary applied a migration this one does not know.
    storage
        .db()
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_a_newer_hub', 0)",
        )
        .await
        .expect("a newer migration");
    assert!(
        storage
            .pending_migrations()
            .await
            .expect("pending")
            .is_empty()
    );
    assert!(storage.migrate_up().await.expect("migrate up").is_empty());
}
