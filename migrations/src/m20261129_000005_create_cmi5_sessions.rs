//! cmi5 launch sessions: one row per AU launch, with the single-use fetch secret (stored hashed), the launch mode
//! and the mastery score the AU was launched with, and when the AU ended the session.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cmi5Sessions::Table)
                    .col(pk_uuid(Cmi5Sessions::Id))
                    .col(uuid(Cmi5Sessions::TenantId))
                    .col(uuid(Cmi5Sessions::LaunchId))
                    .col(uuid(Cmi5Sessions::Registration))
                    .col(string_len(Cmi5Sessions::ContentId, 100))
                    .col(string_len(Cmi5Sessions::Version, 32))
                    .col(string_len(Cmi5Sessions::AuId, 500))
                    .col(string_len(Cmi5Sessions::LaunchMode, 16))
                    .col(double_null(Cmi5Sessions::MasteryScore))
                    .col(string_len(Cmi5Sessions::FetchHash, 64))
                    .col(timestamp_with_time_zone_null(Cmi5Sessions::FetchedAt))
                    .col(timestamp_with_time_zone_null(Cmi5Sessions::TerminatedAt))
                    .col(timestamp_with_time_zone(Cmi5Sessions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cmi5_sessions_fetch_hash")
                    .table(Cmi5Sessions::Table)
                    .col(Cmi5Sessions::FetchHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cmi5_sessions_registration")
                    .table(Cmi5Sessions::Table)
                    .col(Cmi5Sessions::TenantId)
                    .col(Cmi5Sessions::Registration)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Cmi5Sessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Cmi5Sessions {
    Table,
    Id,
    TenantId,
    LaunchId,
    Registration,
    ContentId,
    Version,
    AuId,
    LaunchMode,
    MasteryScore,
    FetchHash,
    FetchedAt,
    TerminatedAt,
    CreatedAt,
}
