//! Maintained aggregates for the admin dashboard: counts per (tenant, day, metric, key), the learners active each
//! day, and the aggregator's cursor per tenant. A pass applies its counts and moves the cursor in one transaction,
//! so a statement is counted once even when a node dies mid-pass.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

use crate::entities::{daily_learners, daily_stats, stats_cursors};
use crate::{Storage, StorageError, TenantId};

/// One count: tenant, day (`YYYY-MM-DD`), metric, key, and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyCount {
    pub tenant_id: TenantId,
    pub day: String,
    pub metric: String,
    pub key: String,
    pub count: i64,
}

async fn add_counts<C: sea_orm::ConnectionTrait>(
    db: &C,
    counts: &[DailyCount],
) -> Result<(), StorageError> {
    for chunk in counts.chunks(200) {
        if chunk.is_empty() {
            continue;
        }
        daily_stats::Entity::insert_many(chunk.iter().map(|count| daily_stats::ActiveModel {
            tenant_id: Set(count.tenant_id.0),
            day: Set(count.day.clone()),
            metric: Set(count.metric.clone()),
            key: Set(count.key.clone()),
            count: Set(count.count),
        }))
        .on_conflict(
            OnConflict::columns([
                daily_stats::Column::TenantId,
                daily_stats::Column::Day,
                daily_stats::Column::Metric,
                daily_stats::Column::Key,
            ])
            .value(
                daily_stats::Column::Count,
                Expr::cust("daily_stats.count + excluded.count"),
            )
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

impl Storage {
    /// Takes the aggregation lease of a tenant until `lease_until` if nobody holds it; returns the cursor.
    pub async fn claim_stats_cursor(
        &self,
        tenant_id: TenantId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<i64>, StorageError> {
        stats_cursors::Entity::insert(stats_cursors::ActiveModel {
            tenant_id: Set(tenant_id.0),
            last_seq: Set(0),
            lease_until: Set(None),
        })
        .on_conflict_do_nothing_on([stats_cursors::Column::TenantId])
        .exec_without_returning(self.db())
        .await?;
        let claimed = stats_cursors::Entity::update_many()
            .col_expr(
                stats_cursors::Column::LeaseUntil,
                Expr::value(Some(lease_until)),
            )
            .filter(stats_cursors::Column::TenantId.eq(tenant_id.0))
            .filter(
                stats_cursors::Column::LeaseUntil
                    .is_null()
                    .or(stats_cursors::Column::LeaseUntil.lt(now)),
            )
            .exec(self.db())
            .await?;
        if claimed.rows_affected == 0 {
            return Ok(None);
        }
        Ok(stats_cursors::Entity::find_by_id(tenant_id.0)
            .one(self.db())
            .await?
            .map(|cursor| cursor.last_seq))
    }

    /// Applies one pass of a tenant in one transaction: adds the counts, records the active learners, moves the
    /// cursor to `last_seq` and releases the lease.
    pub async fn apply_stats(
        &self,
        tenant_id: TenantId,
        last_seq: i64,
        counts: &[DailyCount],
        learners: &[(String, String)],
    ) -> Result<(), StorageError> {
        let txn = self.db().begin().await?;
        add_counts(&txn, counts).await?;
        for chunk in learners.chunks(300) {
            daily_learners::Entity::insert_many(chunk.iter().map(|(day, learner)| {
                daily_learners::ActiveModel {
                    tenant_id: Set(tenant_id.0),
                    day: Set(day.clone()),
                    learner: Set(learner.clone()),
                }
            }))
            .on_conflict_do_nothing_on([
                daily_learners::Column::TenantId,
                daily_learners::Column::Day,
                daily_learners::Column::Learner,
            ])
            .exec_without_returning(&txn)
            .await?;
        }
        stats_cursors::Entity::update_many()
            .col_expr(stats_cursors::Column::LastSeq, Expr::value(last_seq))
            .col_expr(
                stats_cursors::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(stats_cursors::Column::TenantId.eq(tenant_id.0))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Adds counts outside the aggregator (a launch counts itself when it is recorded).
    pub async fn add_daily_counts(&self, counts: &[DailyCount]) -> Result<(), StorageError> {
        add_counts(self.db(), counts).await
    }

    /// The counts of some metrics between two days (inclusive), for one tenant or all.
    pub async fn find_daily_counts(
        &self,
        tenant_id: Option<TenantId>,
        since: &str,
        until: &str,
        metrics: &[&str],
    ) -> Result<Vec<DailyCount>, StorageError> {
        let mut query = daily_stats::Entity::find()
            .filter(daily_stats::Column::Metric.is_in(metrics.iter().copied()))
            .filter(daily_stats::Column::Day.gte(since))
            .filter(daily_stats::Column::Day.lte(until));
        if let Some(tenant_id) = tenant_id {
            query = query.filter(daily_stats::Column::TenantId.eq(tenant_id.0));
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(|row| DailyCount {
                tenant_id: TenantId(row.tenant_id),
                day: row.day,
                metric: row.metric,
                key: row.key,
                count: row.count,
            })
            .collect())
    }

    /// Learners active each day between two days, and in the whole period (distinct), for one tenant or all.
    pub async fn find_active_learners(
        &self,
        tenant_id: Option<TenantId>,
        since: &str,
        until: &str,
    ) -> Result<(Vec<(String, u64)>, u64), StorageError> {
        let filter = |query: sea_orm::Select<daily_learners::Entity>| {
            let query = query
                .filter(daily_learners::Column::Day.gte(since))
                .filter(daily_learners::Column::Day.lte(until));
            match tenant_id {
                Some(tenant_id) => query.filter(daily_learners::Column::TenantId.eq(tenant_id.0)),
                None => query,
            }
        };
        let per_day: Vec<(String, i64)> = filter(daily_learners::Entity::find())
            .select_only()
            .column(daily_learners::Column::Day)
            .column_as(daily_learners::Column::Learner.count(), "count")
            .group_by(daily_learners::Column::Day)
            .into_tuple()
            .all(self.db())
            .await?;
        let distinct = filter(daily_learners::Entity::find())
            .select_only()
            .column(daily_learners::Column::TenantId)
            .column(daily_learners::Column::Learner)
            .distinct()
            .count(self.db())
            .await?;
        Ok((
            per_day
                .into_iter()
                .map(|(day, count)| (day, u64::try_from(count).unwrap_or(0)))
                .collect(),
            distinct,
        ))
    }

    /// How far behind the aggregator is: statements stored after each tenant's cursor.
    pub async fn find_stats_cursor(&self, tenant_id: TenantId) -> Result<i64, StorageError> {
        Ok(stats_cursors::Entity::find_by_id(tenant_id.0)
            .one(self.db())
            .await?
            .map_or(0, |cursor| cursor.last_seq))
    }
}
