//! Maintained aggregates for the admin dashboard: counts per tenant, day, metric and key (statements, launches,
//! completions per module), the learners active each day (a keyed hash, for distinct counts), and per tenant the
//! statement sequence number the aggregator has reached, with a lease so that one node at a time advances it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DailyStats::Table)
                    .col(uuid(DailyStats::TenantId))
                    .col(string_len(DailyStats::Day, 10))
                    .col(string_len(DailyStats::Metric, 32))
                    .col(string_len(DailyStats::Key, 255))
                    .col(big_integer(DailyStats::Count))
                    .primary_key(
                        Index::create()
                            .col(DailyStats::TenantId)
                            .col(DailyStats::Day)
                            .col(DailyStats::Metric)
                            .col(DailyStats::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_daily_stats_metric_day")
                    .table(DailyStats::Table)
                    .col(DailyStats::Metric)
                    .col(DailyStats::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DailyLearners::Table)
                    .col(uuid(DailyLearners::TenantId))
                    .col(string_len(DailyLearners::Day, 10))
                    .col(string_len(DailyLearners::Learner, 32))
                    .primary_key(
                        Index::create()
                            .col(DailyLearners::TenantId)
                            .col(DailyLearners::Day)
                            .col(DailyLearners::Learner),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_daily_learners_day")
                    .table(DailyLearners::Table)
                    .col(DailyLearners::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatsCursors::Table)
                    .col(uuid(StatsCursors::TenantId).primary_key())
                    .col(big_integer(StatsCursors::LastSeq))
                    .col(timestamp_with_time_zone_null(StatsCursors::LeaseUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StatsCursors::Table.into_iden(),
            DailyLearners::Table.into_iden(),
            DailyStats::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DailyStats {
    Table,
    TenantId,
    Day,
    Metric,
    Key,
    Count,
}

#[derive(DeriveIden)]
enum DailyLearners {
    Table,
    TenantId,
    Day,
    Learner,
}

#[derive(DeriveIden)]
enum StatsCursors {
    Table,
    TenantId,
    LastSeq,
    LeaseUntil,
}
