//! Learner erasure and the audit log: `cache_generations` (a counter per process cache that an erasure bumps, so that
//! every node drops ids it cached for rows the erasure removed), `learner_erasures` (what each erasure removed, with
//! no identifier of the learner) and `audit_log` (who did what to the hub, from the admin API and the CLI).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CacheGenerations::Table)
                    .col(string_len(CacheGenerations::Name, 32).primary_key())
                    .col(big_integer(CacheGenerations::Generation))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CacheGenerations::Table)
                    .columns([CacheGenerations::Name, CacheGenerations::Generation])
                    .values_panic(["query_keys".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LearnerErasures::Table)
                    .col(big_pk_auto(LearnerErasures::Id))
                    .col(uuid(LearnerErasures::TenantId))
                    .col(timestamp_with_time_zone(LearnerErasures::ErasedAt))
                    .col(text(LearnerErasures::Report))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len(AuditLog::Actor, 200))
                    .col(string_len(AuditLog::Action, 64))
                    .col(text(AuditLog::Target))
                    .col(text(AuditLog::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            LearnerErasures::Table.into_iden(),
            CacheGenerations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CacheGenerations {
    Table,
    Name,
    Generation,
}

#[derive(DeriveIden)]
enum LearnerErasures {
    Table,
    Id,
    TenantId,
    ErasedAt,
    Report,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    Target,
    Details,
}
