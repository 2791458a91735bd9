//! Statements: an all-or-nothing batch insert (statements, query keys, voiding, activities, attachments in one
//! transaction) and keyset-paged queries that use the key index rather than scanning.
//!
//! Query keys (an agent, a verb, an activity, a registration, by kind) are a dictionary: each distinct key of a
//! tenant is one `query_keys` row, and a statement refers to its keys by id in `statement_query_keys`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{activities, attachments, query_keys, statement_query_keys, statements};
use crate::{Storage, StorageError, TenantId};

/// Bind parameters per multi-row insert stay well under SQLite's and PostgreSQL's limits.
const KEY_ROWS_PER_INSERT: usize = 1000;

/// Rows per multi-row INSERT on the hot path. Chunks have power-of-two sizes up to these, so only a handful of SQL
/// texts exist and the driver's prepared-statement cache serves them instead of compiling a new thousand-row
/// statement for every batch.
const STATEMENT_ROWS_PER_INSERT: usize = 32;
const KEY_ROWS_PER_HOT_INSERT: usize = 128;

/// The cache holds at most this many query key ids (a few megabytes); it starts again empty when full.
const QUERY_KEY_CACHE_ENTRIES: usize = 200_000;

/// A query key: `(kind code, value)`.
type Key = (String, String);

/// The name of the query key cache's row in `cache_generations`.
pub(crate) const QUERY_KEYS_GENERATION: &str = "query_keys";

/// How long a query may trust the cache's generation before reading it again. Only queries about a learner erased
/// in the meantime can notice: they miss that learner's newest statements for at most this long.
const GENERATION_CHECK_EVERY: Duration = Duration::from_secs(1);

/// Query key ids already read or written by this process, by tenant, kind and value. An id is never reused (the
/// table's ids only grow), so an entry stays true while its row exists; ids written by a transaction enter the cache
/// only once it committed. Several nodes each keep their own.
///
/// A learner's erasure deletes rows: it bumps the `query_keys` generation first, and a cache that sees another
/// generation than its own starts again empty. Writers read the generation in their transaction, under a shared
/// lock on PostgreSQL that the erasure's update waits for; an entry is kept only if the generation it was read
/// under is still the cache's.
#[derive(Clone, Debug, Default)]
pub(crate) struct QueryKeyCache(Arc<Mutex<QueryKeyIds>>);

#[derive(Debug, Default)]
struct QueryKeyIds {
    entries: usize,
    by_tenant: HashMap<Uuid, HashMap<String, HashMap<String, i64>>>,
    generation: Option<i64>,
    checked_at: Option<Instant>,
}

impl QueryKeyCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueryKeyIds> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The ids known for these keys, and the keys not known.
    fn split(&self, tenant_id: TenantId, keys: &BTreeSet<Key>) -> (HashMap<Key, i64>, Vec<Key>) {
        let cache = self.lock();
        let tenant = cache.by_tenant.get(&tenant_id.0);
        let mut known = HashMap::with_capacity(keys.len());
        let mut unknown = Vec::new();
        for key in keys {
            match tenant
                .and_then(|kinds| kinds.get(&key.0))
                .and_then(|values| values.get(&key.1))
            {
                Some(&id) => {
                    known.insert(key.clone(), id);
                }
                None => unknown.push(key.clone()),
            }
        }
        (known, unknown)
    }

    /// Brings the cache to `generation`: empty again if it held another one.
    fn sync(&self, generation: i64) {
        let mut cache = self.lock();
        if cache.generation != Some(generation) {
            cache.by_tenant.clear();
            cache.entries = 0;
            cache.generation = Some(generation);
        }
        cache.checked_at = Some(Instant::now());
    }

    /// The generation to read under, unless it is time to read it again.
    fn fresh_generation(&self) -> Option<i64> {
        let cache = self.lock();
        match (cache.generation, cache.checked_at) {
            (Some(generation), Some(at)) if at.elapsed() < GENERATION_CHECK_EVERY => {
                Some(generation)
            }
            _ => None,
        }
    }

    /// Forgets every id (this process erased rows).
    pub(crate) fn clear(&self) {
        let mut cache = self.lock();
        cache.by_tenant.clear();
        cache.entries = 0;
        cache.generation = None;
    }

    fn remember(
        &self,
        tenant_id: TenantId,
        generation: i64,
        learned: impl IntoIterator<Item = (Key, i64)>,
    ) {
        let mut cache = self.lock();
        if cache.generation != Some(generation) {
            return;
        }
        for ((kind, value), id) in learned {
            if cache.entries >= QUERY_KEY_CACHE_ENTRIES {
                cache.by_tenant.clear();
                cache.entries = 0;
            }
            let previous = cache
                .by_tenant
                .entry(tenant_id.0)
                .or_default()
                .entry(kind)
                .or_default()
                .insert(value, id);
            if previous.is_none() {
                cache.entries += 1;
            }
        }
    }
}

/// The cache holds at most this many activity definitions; it starts again empty when full.
const ACTIVITY_CACHE_ENTRIES: usize = 20_000;

/// Activity definitions as this process last committed or read them, by tenant and activity id. When merging what
/// a statement sends into the cached definition changes nothing, the group neither reads nor writes the row. On
/// PostgreSQL another node may have changed it since: skipping is then the same as having written first and been
/// overwritten, since merges only add or replace what they carry.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActivityCache(Arc<Mutex<HashMap<(Uuid, String), String>>>);

impl ActivityCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, String), String>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached definitions of these activities, only if every one is cached.
    fn all_of(&self, tenant_id: TenantId, ids: &[String]) -> Option<HashMap<String, String>> {
        let cache = self.lock();
        ids.iter()
            .map(|id| {
                cache
                    .get(&(tenant_id.0, id.clone()))
                    .map(|definition| (id.clone(), definition.clone()))
            })
            .collect()
    }

    fn remember(&self, tenant_id: TenantId, definitions: HashMap<String, String>) {
        let mut cache = self.lock();
        if cache.len() + definitions.len() > ACTIVITY_CACHE_ENTRIES {
            cache.clear();
        }
        for (id, definition) in definitions {
            cache.insert((tenant_id.0, id), definition);
        }
    }
}

/// A statement to store; the hub has validated and prepared it.
#[derive(Clone, Debug)]
pub struct NewStatement {
    pub statement_id: Uuid,
    pub stored: DateTime<Utc>,
    pub verb_id: String,
    pub registration: Option<Uuid>,
    pub voids: Option<Uuid>,
    pub targets: Option<Uuid>,
    pub has_attachments: bool,
    /// The LRS made the id just now (the client sent none): no stored statement can name it yet.
    pub fresh_id: bool,
    pub payload: String,
    /// `(kind code, value)` pairs.
    pub keys: Vec<(String, String)>,
    /// Activities and their definitions as JSON text (`None`: no definition sent).
    pub activities: Vec<(String, Option<String>)>,
}

/// One client's statements and attachments, stored all or nothing.
#[derive(Clone, Debug)]
pub struct StatementBatch {
    pub tenant_id: TenantId,
    pub statements: Vec<NewStatement>,
    pub attachments: Vec<NewAttachment>,
}

/// Attachment content received with a batch.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A stored statement as queries return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredStatement {
    pub seq: i64,
    pub statement_id: Uuid,
    pub stored: DateTime<Utc>,
    pub voided: bool,
    pub voids: Option<Uuid>,
    pub has_attachments: bool,
    pub payload: String,
}

/// One filter of a query: the statement must have the key `(kind, value)`.
#[derive(Clone, Debug)]
pub struct KeyFilter {
    pub kind: String,
    pub value: String,
}

/// A statement query, already checked.
#[derive(Clone, Debug, Default)]
pub struct StatementFilter {
    pub keys: Vec<KeyFilter>,
    /// Exclusive lower bound on `stored`.
    pub since: Option<DateTime<Utc>>,
    /// Inclusive upper bound on `stored`.
    pub until: Option<DateTime<Utc>>,
    pub ascending: bool,
    /// Keyset cursor: only statements after this sequence number in the query's order.
    pub after_seq: Option<i64>,
    /// Only statements at or below this sequence number (so that pages of one query see one snapshot).
    pub max_seq: Option<i64>,
    pub limit: u64,
}

fn to_stored(model: statements::Model) -> StoredStatement {
    StoredStatement {
        seq: model.seq,
        statement_id: model.statement_id,
        stored: model.stored,
        voided: model.voided,
        voids: model.voids,
        has_attachments: model.has_attachments,
        payload: model.payload,
    }
}

impl Storage {
    /// Stored statements of a tenant with these ids, voided or not.
    pub async fn find_statements_by_ids(
        &self,
        tenant_id: TenantId,
        ids: &[Uuid],
    ) -> Result<Vec<StoredStatement>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let models = statements::Entity::find()
            .filter(statements::Column::TenantId.eq(tenant_id.0))
            .filter(statements::Column::StatementId.is_in(ids.iter().copied()))
            .all(self.db())
            .await?;
        Ok(models.into_iter().map(to_stored).collect())
    }

    /// Stores a batch in one transaction: when this returns `Ok`, every statement is committed, or none is.
    pub async fn insert_statements(
        &self,
        tenant_id: TenantId,
        batch: Vec<NewStatement>,
        new_attachments: Vec<NewAttachment>,
        merge_definition: fn(&str, &str) -> String,
    ) -> Result<(), StorageError> {
        let batch = StatementBatch {
            tenant_id,
            statements: batch,
            attachments: new_attachments,
        };
        self.insert_statement_batches(std::slice::from_ref(&batch), merge_definition)
            .await
    }

    /// Stores several clients' batches in one transaction (group commit: one disk sync for all of them).
    pub async fn insert_statement_batches(
        &self,
        batches: &[StatementBatch],
        merge_definition: fn(&str, &str) -> String,
    ) -> Result<(), StorageError> {
        // On SQLite the transaction takes the write lock at once: it reads query keys before its first write, and a
        // deferred transaction that reads then writes fails (`database is locked`) if another connection wrote since.
        let txn = self
            .db()
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        // Every query key of the group first, tenant by tenant, each tenant's keys in (kind, value) order: concurrent
        // PostgreSQL writers adding the same new keys then wait on each other in one order (no deadlock).
        let mut keys_by_tenant: BTreeMap<Uuid, BTreeSet<Key>> = BTreeMap::new();
        for batch in batches {
            keys_by_tenant
                .entry(batch.tenant_id.0)
                .or_default()
                .extend(batch.statements.iter().flat_map(|s| s.keys.iter().cloned()));
        }
        let generation = query_keys_generation(&txn, true).await?;
        self.query_keys.sync(generation);
        let mut learned: HashMap<Uuid, HashMap<Key, i64>> = HashMap::new();
        for (tenant, keys) in &keys_by_tenant {
            let ids = self
                .query_key_ids(&txn, TenantId(*tenant), keys, true)
                .await?;
            learned.insert(*tenant, ids);
        }
        for batch in batches {
            let ids = learned.entry(batch.tenant_id.0).or_default();
            self.insert_batch_in(
                &txn,
                batch.tenant_id,
                &batch.statements,
                &batch.attachments,
                ids,
            )
            .await?;
        }
        // Activity definitions last, for the whole group at once, in (tenant, activity id) order: concurrent groups
        // then lock shared activity rows in the same order (no deadlock) and hold them only until the commit.
        let mut tenants: Vec<TenantId> = batches.iter().map(|batch| batch.tenant_id).collect();
        tenants.sort_by_key(|tenant| tenant.0);
        tenants.dedup();
        let mut committed_definitions = Vec::with_capacity(tenants.len());
        for tenant in tenants {
            let statements: Vec<&NewStatement> = batches
                .iter()
                .filter(|batch| batch.tenant_id == tenant)
                .flat_map(|batch| batch.statements.iter())
                .collect();
            let definitions = self
                .upsert_activities(&txn, tenant, &statements, merge_definition)
                .await?;
            committed_definitions.push((tenant, definitions));
        }
        txn.commit().await?;
        for (tenant_id, ids) in learned {
            self.query_keys
                .remember(TenantId(tenant_id), generation, ids);
        }
        for (tenant_id, definitions) in committed_definitions {
            self.activities.remember(tenant_id, definitions);
        }
        Ok(())
    }

    /// Inserts one client's batch in `txn`. `key_ids` holds the ids of the batch's own query keys; the ids of keys
    /// inherited from targeted statements are added to it.
    async fn insert_batch_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        tenant_id: TenantId,
        batch: &[NewStatement],
        new_attachments: &[NewAttachment],
        key_ids: &mut HashMap<Key, i64>,
    ) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let rows: Vec<statements::ActiveModel> = batch
            .iter()
            .map(|statement| statements::ActiveModel {
                seq: sea_orm::ActiveValue::NotSet,
                tenant_id: Set(tenant_id.0),
                statement_id: Set(statement.statement_id),
                stored: Set(statement.stored),
                verb_id: Set(statement.verb_id.clone()),
                registration: Set(statement.registration),
                voided: Set(false),
                voids: Set(statement.voids),
                targets: Set(statement.targets),
                has_attachments: Set(statement.has_attachments),
                payload: Set(statement.payload.clone()),
            })
            .collect();
        let mut seq_of: HashMap<Uuid, i64> = HashMap::with_capacity(rows.len());
        for chunk in chunked_pow2(rows, STATEMENT_ROWS_PER_INSERT) {
            let mut insert = statements::Entity::insert_many(chunk).into_query();
            insert.returning(
                Query::returning()
                    .columns([statements::Column::Seq, statements::Column::StatementId]),
            );
            for row in txn.query_all(&insert).await? {
                let seq: i64 = row.try_get("", "seq")?;
                let statement_id: Uuid = row.try_get("", "statement_id")?;
                seq_of.insert(statement_id, seq);
            }
        }

        // Statements that target another one (not voiding) match queries through their target (Data §2.4.4.3):
        // they inherit the target's keys, and so, transitively, the keys of what the target targets.
        let targets: Vec<Uuid> = batch
            .iter()
            .filter_map(|statement| statement.targets)
            .collect();
        let inherited = self.keys_of_statements(txn, tenant_id, &targets).await?;

        let mut keys_of: Vec<(i64, Vec<Key>)> = Vec::with_capacity(batch.len());
        let mut distinct: BTreeSet<Key> = BTreeSet::new();
        for statement in batch {
            let Some(&seq) = seq_of.get(&statement.statement_id) else {
                continue;
            };
            let mut keys = statement.keys.clone();
            if let Some(target) = statement.targets
                && let Some(target_keys) = inherited.get(&target)
            {
                keys.extend(target_keys.iter().cloned());
            }
            keys.sort();
            keys.dedup();
            distinct.extend(keys.iter().cloned());
            keys_of.push((seq, keys));
        }
        distinct.retain(|key| !key_ids.contains_key(key));
        if !distinct.is_empty() {
            let inherited_ids = self.query_key_ids(txn, tenant_id, &distinct, true).await?;
            key_ids.extend(inherited_ids);
        }
        let mut key_rows = Vec::new();
        for (seq, keys) in keys_of {
            for key in keys {
                let Some(&key_id) = key_ids.get(&key) else {
                    return Err(StorageError::Other(anyhow::anyhow!(
                        "query key {key:?} has no id after it was written"
                    )));
                };
                key_rows.push(statement_query_keys::ActiveModel {
                    key_id: Set(key_id),
                    seq: Set(seq),
                });
            }
        }
        for chunk in chunked_pow2(key_rows, KEY_ROWS_PER_HOT_INSERT) {
            statement_query_keys::Entity::insert_many(chunk)
                .exec_without_returning(txn)
                .await?;
        }

        // Voiding: targets become voided, unless they are voiding statements themselves.
        let voided_targets: Vec<Uuid> = batch
            .iter()
            .filter_map(|statement| statement.voids)
            .collect();
        if !voided_targets.is_empty() {
            statements::Entity::update_many()
                .col_expr(statements::Column::Voided, Expr::value(true))
                .filter(statements::Column::TenantId.eq(tenant_id.0))
                .filter(statements::Column::StatementId.is_in(voided_targets))
                .filter(statements::Column::Voids.is_null())
                .exec(txn)
                .await?;
        }
        // A statement may arrive after the statement that voids it.
        let batch_ids: Vec<Uuid> = batch
            .iter()
            .filter(|s| s.voids.is_none() && !s.fresh_id)
            .map(|s| s.statement_id)
            .collect();
        let already_voided: Vec<Uuid> = if batch_ids.is_empty() {
            Vec::new()
        } else {
            statements::Entity::find()
                .select_only()
                .column(statements::Column::Voids)
                .filter(statements::Column::TenantId.eq(tenant_id.0))
                .filter(statements::Column::Voids.is_in(batch_ids))
                .into_tuple::<Option<Uuid>>()
                .all(txn)
                .await?
                .into_iter()
                .flatten()
                .collect()
        };
        if !already_voided.is_empty() {
            statements::Entity::update_many()
                .col_expr(statements::Column::Voided, Expr::value(true))
                .filter(statements::Column::TenantId.eq(tenant_id.0))
                .filter(statements::Column::StatementId.is_in(already_voided))
                .filter(statements::Column::Voids.is_null())
                .exec(txn)
                .await?;
        }

        for attachment in new_attachments {
            attachments::Entity::insert(attachments::ActiveModel {
                tenant_id: Set(tenant_id.0),
                sha2: Set(attachment.sha2.clone()),
                content_type: Set(attachment.content_type.clone()),
                content: Set(attachment.content.clone()),
            })
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await?;
        }
        Ok(())
    }

    /// The ids of these query keys of a tenant: from the cache, else from the table, else (with `create`) written.
    /// A key without an id (not found and not created) is absent from the answer. Without `create`, `db` must not be
    /// a transaction: what it reads goes to the cache at once.
    async fn query_key_ids<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant_id: TenantId,
        keys: &BTreeSet<Key>,
        create: bool,
    ) -> Result<HashMap<Key, i64>, StorageError> {
        let generation = if create {
            None
        } else {
            match self.query_keys.fresh_generation() {
                Some(generation) => Some(generation),
                None => {
                    let generation = query_keys_generation(db, false).await?;
                    self.query_keys.sync(generation);
                    Some(generation)
                }
            }
        };
        let (mut ids, unknown) = self.query_keys.split(tenant_id, keys);
        if unknown.is_empty() {
            return Ok(ids);
        }
        let found = Self::read_query_key_ids(db, tenant_id, &unknown).await?;
        if let Some(generation) = generation {
            // Read outside any transaction: these rows are committed, the cache may keep them now.
            self.query_keys.remember(
                tenant_id,
                generation,
                found.iter().map(|(key, id)| (key.clone(), *id)),
            );
            ids.extend(found);
            return Ok(ids);
        }
        let missing: Vec<Key> = unknown
            .into_iter()
            .filter(|key| !found.contains_key(key))
            .collect();
        ids.extend(found);
        if missing.is_empty() {
            return Ok(ids);
        }
        // On PostgreSQL new keys are committed at once, on a connection of their own, before the group's transaction
        // reads their ids: inserted inside it, a key another writer is also adding makes that writer wait for this
        // whole transaction (the unique index), and with many learners arriving, two writers did little but wait
        // for each other. A key whose statements then fail to commit stays unused, which costs nothing. Its commit
        // is relaxed, yet durable before any statement that uses it: the statements' synchronous commit flushes the
        // log up to their own commit record, after the key's. An erasure cannot remove a key in between: it waits
        // for the share lock the group took on the generation first. On SQLite the group's transaction holds the
        // only write lock, so keys are written inside it.
        let backend = db.get_database_backend();
        for chunk in missing.chunks(KEY_ROWS_PER_INSERT / 4) {
            if backend == DbBackend::Postgres {
                insert_query_keys(self.relaxed(), tenant_id, chunk).await?;
            } else {
                insert_query_keys(db, tenant_id, chunk).await?;
            }
        }
        ids.extend(Self::read_query_key_ids(db, tenant_id, &missing).await?);
        Ok(ids)
    }

    async fn read_query_key_ids<C: ConnectionTrait>(
        db: &C,
        tenant_id: TenantId,
        keys: &[Key],
    ) -> Result<HashMap<Key, i64>, StorageError> {
        let mut ids = HashMap::with_capacity(keys.len());
        // One query per kind: `tenant_id = ? AND kind = ? AND value IN (…)` is a probe of the unique index per value.
        // With several kinds in one `IN` as well, PostgreSQL's planner prefers to scan every key of the tenant,
        // which grows with the learners (18 ms at 45 000 keys, for each group of statements that brings a new key).
        let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (kind, value) in keys {
            by_kind
                .entry(kind.as_str())
                .or_default()
                .push(value.as_str());
        }
        let backend = db.get_database_backend();
        for (kind, mut values) in by_kind {
            values.sort_unstable();
            values.dedup();
            for chunk in values.chunks(KEY_ROWS_PER_INSERT / 2) {
                if backend == DbBackend::Postgres {
                    // A lookup per value through the unique index, whatever plan the prepared statement settles
                    // on: with `value IN ($3, …)`, PostgreSQL's generic plan (used after a few runs) filtered every
                    // key of the kind instead (30 ms at 15 000 agents).
                    let rows = chunk
                        .iter()
                        .enumerate()
                        .map(|(index, _)| format!("(${}::text)", index + 3))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "SELECT v.value, (SELECT q.id FROM query_keys q WHERE q.tenant_id = $1 AND q.kind = $2 \
                         AND q.value = v.value) AS id FROM (VALUES {rows}) AS v(value)"
                    );
                    let mut values: Vec<sea_orm::Value> = vec![tenant_id.0.into(), kind.into()];
                    values.extend(chunk.iter().map(|value| sea_orm::Value::from(*value)));
                    for row in db
                        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
                        .await?
                    {
                        let value: String = row.try_get("", "value")?;
                        if let Some(id) = row.try_get::<Option<i64>>("", "id")? {
                            ids.insert((kind.to_owned(), value), id);
                        }
                    }
                    continue;
                }
                let rows: Vec<(i64, String)> = query_keys::Entity::find()
                    .select_only()
                    .column(query_keys::Column::Id)
                    .column(query_keys::Column::Value)
                    .filter(query_keys::Column::TenantId.eq(tenant_id.0))
                    .filter(query_keys::Column::Kind.eq(kind))
                    .filter(query_keys::Column::Value.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(db)
                    .await?;
                for (id, value) in rows {
                    ids.insert((kind.to_owned(), value), id);
                }
            }
        }
        Ok(ids)
    }

    /// Records every activity of the batch: new ones are inserted, and definitions are merged into the ones held
    /// (`merge_definition(current, incoming)` returns the merged JSON text). Returns the definitions as they stand
    /// once the transaction commits (to cache then); nothing when the cache showed nothing to do.
    async fn upsert_activities<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant_id: TenantId,
        batch: &[&NewStatement],
        merge_definition: fn(&str, &str) -> String,
    ) -> Result<HashMap<String, String>, StorageError> {
        let mut incoming: Vec<(String, Option<String>)> = Vec::new();
        for statement in batch {
            incoming.extend(statement.activities.iter().cloned());
        }
        if incoming.is_empty() {
            return Ok(HashMap::new());
        }
        let mut ids: Vec<String> = incoming.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        if let Some(cached) = self.activities.all_of(tenant_id, &ids)
            && merged_definitions(&incoming, &cached, merge_definition)
                .iter()
                .all(|(activity_id, definition)| cached.get(activity_id) == Some(definition))
        {
            return Ok(HashMap::new());
        }
        let held = Self::activity_definitions(db, tenant_id, &ids, false).await?;
        let mut changed = merged_definitions(&incoming, &held, merge_definition);
        // Most statements repeat definitions the LRS already holds: those rows are left alone (no write, no lock).
        changed.retain(|activity_id, definition| held.get(activity_id) != Some(definition));
        if changed.is_empty() {
            return Ok(held);
        }
        // PostgreSQL runs several writers: a definition read before another writer's commit would be merged from a
        // stale copy and overwrite that writer's languages. The rows about to change are locked (created first, empty,
        // when new), in id order, then read and merged again. SQLite has one writer: the first read is current.
        let mut committed = held.clone();
        if self.backend() == crate::Backend::Postgres {
            let now = batch.first().map(|s| s.stored).unwrap_or_else(Utc::now);
            let placeholders: Vec<activities::ActiveModel> = changed
                .keys()
                .filter(|activity_id| !held.contains_key(*activity_id))
                .map(|activity_id| activities::ActiveModel {
                    tenant_id: Set(tenant_id.0),
                    activity_id: Set(activity_id.clone()),
                    definition: Set("{}".to_owned()),
                    updated_at: Set(now),
                })
                .collect();
            for chunk in chunked(placeholders, KEY_ROWS_PER_INSERT / 4) {
                activities::Entity::insert_many(chunk)
                    .on_conflict_do_nothing()
                    .exec_without_returning(db)
                    .await?;
            }
            let locked_ids: Vec<String> = changed.keys().cloned().collect();
            let locked = Self::activity_definitions(db, tenant_id, &locked_ids, true).await?;
            let incoming: Vec<(String, Option<String>)> = incoming
                .into_iter()
                .filter(|(activity_id, _)| changed.contains_key(activity_id))
                .collect();
            changed = merged_definitions(&incoming, &locked, merge_definition);
            changed.retain(|activity_id, definition| locked.get(activity_id) != Some(definition));
            committed.extend(locked);
        }
        committed.extend(
            changed
                .iter()
                .map(|(id, definition)| (id.clone(), definition.clone())),
        );
        let now = batch.first().map(|s| s.stored).unwrap_or_else(Utc::now);
        let rows: Vec<activities::ActiveModel> = changed
            .into_iter()
            .map(|(activity_id, definition)| activities::ActiveModel {
                tenant_id: Set(tenant_id.0),
                activity_id: Set(activity_id),
                definition: Set(definition),
                updated_at: Set(now),
            })
            .collect();
        for chunk in chunked(rows, KEY_ROWS_PER_INSERT / 4) {
            activities::Entity::insert_many(chunk)
                .on_conflict(
                    OnConflict::columns([
                        activities::Column::TenantId,
                        activities::Column::ActivityId,
                    ])
                    .update_columns([
                        activities::Column::Definition,
                        activities::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(committed)
    }

    /// The held definitions of these activities (ids sorted), optionally locked for update in id order.
    async fn activity_definitions<C: ConnectionTrait>(
        db: &C,
        tenant_id: TenantId,
        ids: &[String],
        lock: bool,
    ) -> Result<HashMap<String, String>, StorageError> {
        let mut held = HashMap::new();
        for chunk in ids.chunks(KEY_ROWS_PER_INSERT / 2) {
            let mut select = activities::Entity::find()
                .select_only()
                .column(activities::Column::ActivityId)
                .column(activities::Column::Definition)
                .filter(activities::Column::TenantId.eq(tenant_id.0))
                .filter(activities::Column::ActivityId.is_in(chunk.iter().cloned()));
            if lock {
                select = select
                    .order_by_asc(activities::Column::ActivityId)
                    .lock_exclusive();
            }
            let rows: Vec<(String, String)> = select.into_tuple().all(db).await?;
            held.extend(rows);
        }
        Ok(held)
    }

    async fn keys_of_statements<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant_id: TenantId,
        statement_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<(String, String)>>, StorageError> {
        if statement_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let targets: Vec<(i64, Uuid)> = statements::Entity::find()
            .select_only()
            .column(statements::Column::Seq)
            .column(statements::Column::StatementId)
            .filter(statements::Column::TenantId.eq(tenant_id.0))
            .filter(statements::Column::StatementId.is_in(statement_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let id_of: HashMap<i64, Uuid> = targets.iter().copied().collect();
        let k = Alias::new("k");
        let q = Alias::new("q");
        let mut select = Query::select();
        select
            .column((k.clone(), statement_query_keys::Column::Seq))
            .column((q.clone(), query_keys::Column::Kind))
            .column((q.clone(), query_keys::Column::Value))
            .from_as(statement_query_keys::Entity, k.clone())
            .join_as(
                JoinType::InnerJoin,
                query_keys::Entity,
                q.clone(),
                Expr::col((q.clone(), query_keys::Column::Id))
                    .equals((k.clone(), statement_query_keys::Column::KeyId)),
            )
            .and_where(
                Expr::col((k.clone(), statement_query_keys::Column::Seq))
                    .is_in(id_of.keys().copied()),
            );
        let mut keys: Vec<(i64, String, String)> = Vec::new();
        for row in db.query_all(&select).await? {
            keys.push((
                row.try_get("", "seq")?,
                row.try_get("", "kind")?,
                row.try_get("", "value")?,
            ));
        }
        let mut by_statement: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
        for (seq, kind, value) in keys {
            if let Some(id) = id_of.get(&seq) {
                by_statement.entry(*id).or_default().push((kind, value));
            }
        }
        Ok(by_statement)
    }

    /// Statements matching `filter`, voided ones excluded, in sequence order, at most `filter.limit`.
    ///
    /// The filters' keys are looked up first (a key never stored matches nothing). The first key then drives the
    /// query: its `(key_id, seq)` range of the key table's primary key is read in sequence order and stops at the
    /// limit; the other keys are point lookups in the same index. Without key filters the `(tenant_id, seq)` index of
    /// statements is read in order.
    pub async fn find_statements(
        &self,
        tenant_id: TenantId,
        filter: &StatementFilter,
    ) -> Result<Vec<StoredStatement>, StorageError> {
        let wanted: BTreeSet<Key> = filter
            .keys
            .iter()
            .map(|key| (key.kind.clone(), key.value.clone()))
            .collect();
        let key_ids = self
            .query_key_ids(self.db(), tenant_id, &wanted, false)
            .await?;
        if key_ids.len() < wanted.len() {
            return Ok(Vec::new());
        }
        // The most selective key cannot be known without statistics; the caller's first filter drives, as before.
        let mut driver_ids: Vec<i64> = Vec::with_capacity(filter.keys.len());
        for key in &filter.keys {
            let id = key_ids[&(key.kind.clone(), key.value.clone())];
            if !driver_ids.contains(&id) {
                driver_ids.push(id);
            }
        }
        let k = Alias::new("k");
        let s = Alias::new("s");
        let seq_column = |table: &Alias| Expr::col((table.clone(), statements::Column::Seq));
        let mut select = Query::select();
        select.columns([
            (s.clone(), statements::Column::Seq),
            (s.clone(), statements::Column::StatementId),
            (s.clone(), statements::Column::Stored),
            (s.clone(), statements::Column::Voided),
            (s.clone(), statements::Column::Voids),
            (s.clone(), statements::Column::HasAttachments),
            (s.clone(), statements::Column::Payload),
        ]);
        let order_table = match driver_ids.split_first() {
            Some((driver, others)) => {
                select
                    .from_as(statement_query_keys::Entity, k.clone())
                    .join_as(
                        JoinType::InnerJoin,
                        statements::Entity,
                        s.clone(),
                        Expr::col((s.clone(), statements::Column::Seq))
                            .equals((k.clone(), statement_query_keys::Column::Seq)),
                    )
                    .and_where(
                        Expr::col((k.clone(), statement_query_keys::Column::KeyId)).eq(*driver),
                    )
                    // Key ids belong to one tenant already; this keeps the rule visible in the query.
                    .and_where(
                        Expr::col((s.clone(), statements::Column::TenantId)).eq(tenant_id.0),
                    );
                for (index, other) in others.iter().enumerate() {
                    let alias = Alias::new(format!("k{index}"));
                    let lookup = Query::select()
                        .expr(Expr::val(1))
                        .from_as(statement_query_keys::Entity, alias.clone())
                        .and_where(
                            Expr::col((alias.clone(), statement_query_keys::Column::KeyId))
                                .eq(*other),
                        )
                        .and_where(
                            Expr::col((alias.clone(), statement_query_keys::Column::Seq))
                                .equals((k.clone(), statement_query_keys::Column::Seq)),
                        )
                        .to_owned();
                    select.and_where(Expr::exists(lookup));
                }
                k.clone()
            }
            None => {
                select.from_as(statements::Entity, s.clone()).and_where(
                    Expr::col((s.clone(), statements::Column::TenantId)).eq(tenant_id.0),
                );
                s.clone()
            }
        };
        select.and_where(Expr::col((s.clone(), statements::Column::Voided)).eq(false));
        if let Some(since) = filter.since {
            select.and_where(Expr::col((s.clone(), statements::Column::Stored)).gt(since));
        }
        if let Some(until) = filter.until {
            select.and_where(Expr::col((s.clone(), statements::Column::Stored)).lte(until));
        }
        if let Some(max_seq) = filter.max_seq {
            select.and_where(seq_column(&order_table).lte(max_seq));
        }
        if let Some(after) = filter.after_seq {
            select.and_where(if filter.ascending {
                seq_column(&order_table).gt(after)
            } else {
                seq_column(&order_table).lt(after)
            });
        }
        select
            .order_by(
                (order_table, statements::Column::Seq),
                if filter.ascending {
                    Order::Asc
                } else {
                    Order::Desc
                },
            )
            .limit(filter.limit);
        let rows = self.db().query_all(&select).await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            found.push(StoredStatement {
                seq: row.try_get("", "seq")?,
                statement_id: row.try_get("", "statement_id")?,
                stored: row.try_get("", "stored")?,
                voided: row.try_get("", "voided")?,
                voids: row.try_get("", "voids")?,
                has_attachments: row.try_get("", "has_attachments")?,
                payload: row.try_get("", "payload")?,
            });
        }
        Ok(found)
    }

    /// The highest sequence number of a tenant's statements (0 when there is none).
    pub async fn find_max_statement_seq(&self, tenant_id: TenantId) -> Result<i64, StorageError> {
        let max: Option<Option<i64>> = statements::Entity::find()
            .select_only()
            .column_as(statements::Column::Seq.max(), "max_seq")
            .filter(statements::Column::TenantId.eq(tenant_id.0))
            .into_tuple()
            .one(self.db())
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// Attachment contents of a tenant by SHA-2.
    pub async fn find_attachments(
        &self,
        tenant_id: TenantId,
        hashes: &[String],
    ) -> Result<Vec<NewAttachment>, StorageError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let models = attachments::Entity::find()
            .filter(attachments::Column::TenantId.eq(tenant_id.0))
            .filter(attachments::Column::Sha2.is_in(hashes.iter().cloned()))
            .all(self.db())
            .await?;
        Ok(models
            .into_iter()
            .map(|model| NewAttachment {
                sha2: model.sha2,
                content_type: model.content_type,
                content: model.content,
            })
            .collect())
    }

    /// The definition held for an activity, as JSON text.
    pub async fn find_activity_definition(
        &self,
        tenant_id: TenantId,
        activity_id: &str,
    ) -> Result<Option<String>, StorageError> {
        let model = activities::Entity::find()
            .filter(activities::Column::TenantId.eq(tenant_id.0))
            .filter(activities::Column::ActivityId.eq(activity_id))
            .one(self.db())
            .await?;
        Ok(model.map(|model| model.definition))
    }
}

/// The definitions `incoming` leaves, merged in arrival order over `held`, by activity id (a BTreeMap: rows are
/// written in id order).
fn merged_definitions(
    incoming: &[(String, Option<String>)],
    held: &HashMap<String, String>,
    merge_definition: fn(&str, &str) -> String,
) -> BTreeMap<String, String> {
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for (activity_id, definition) in incoming {
        let current = merged
            .get(activity_id)
            .or_else(|| held.get(activity_id))
            .cloned();
        let next = match (current, definition) {
            (Some(current), Some(definition)) => merge_definition(&current, definition),
            (None, Some(definition)) => definition.clone(),
            (None, None) => "{}".to_owned(),
            (Some(_), None) => continue,
        };
        merged.insert(activity_id.clone(), next);
    }
    merged
}

/// Splits into chunks of `max` (a power of two), then of decreasing powers of two for the rest.
/// The query key cache's generation. `share_lock`: in a writer's transaction on PostgreSQL, the row stays locked in
/// share mode until the commit, so that an erasure (which updates it first) waits for the writer, and the writer for
/// the erasure.
pub(crate) async fn query_keys_generation<C: ConnectionTrait>(
    db: &C,
    share_lock: bool,
) -> Result<i64, StorageError> {
    let backend = db.get_database_backend();
    let lock = if share_lock && backend == DbBackend::Postgres {
        " FOR SHARE"
    } else {
        ""
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT generation FROM cache_generations WHERE name = {}{lock}",
                if backend == DbBackend::Postgres {
                    "$1"
                } else {
                    "?"
                }
            ),
            [sea_orm::Value::from(QUERY_KEYS_GENERATION)],
        ))
        .await?
        .ok_or_else(|| {
            StorageError::Other(anyhow::anyhow!("cache_generations has no query_keys row"))
        })?;
    Ok(row.try_get("", "generation")?)
}

/// Writes query keys that may already exist, in (kind, value) order so that writers adding the same keys wait on each
/// other in one order.
async fn insert_query_keys<C: ConnectionTrait>(
    db: &C,
    tenant_id: TenantId,
    keys: &[Key],
) -> Result<(), StorageError> {
    let rows = keys.iter().map(|(kind, value)| query_keys::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        tenant_id: Set(tenant_id.0),
        kind: Set(kind.clone()),
        value: Set(value.clone()),
    });
    query_keys::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([
            query_keys::Column::TenantId,
            query_keys::Column::Kind,
            query_keys::Column::Value,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn chunked_pow2<T>(items: Vec<T>, max: usize) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut remaining = items.len();
    let mut rest = items.into_iter();
    while remaining > 0 {
        let mut size = max;
        while size > remaining {
            size /= 2;
        }
        chunks.push(rest.by_ref().take(size).collect());
        remaining -= size;
    }
    chunks
}

fn chunked<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut current = Vec::with_capacity(size.min(items.len()));
    for item in items {
        current.push(item);
        if current.len() == size {
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::chunked_pow2;

    #[test]
    fn chunks_are_full_then_decreasing_powers_of_two() {
        let sizes: Vec<usize> = chunked_pow2((0..300).collect(), 128)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [128, 128, 32, 8, 4]);
        let all: Vec<i32> = chunked_pow2((0..77).collect(), 32)
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(all, (0..77).collect::<Vec<_>>());
        assert!(chunked_pow2(Vec::<u8>::new(), 32).is_empty());
    }
}
