//! Open Badges: the hub's Ed25519 signing keys (private halves sealed with the master key, kept after rotation so
//! older credentials stay verifiable) and one row per awarded badge, holding the documents exactly as issued and
//! signed, its place in a Bitstring Status List, and its revocation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BadgeKeys::Table)
                    .col(string_len(BadgeKeys::Kid, 64).primary_key())
                    .col(string_len(BadgeKeys::PublicKey, 64))
                    .col(text(BadgeKeys::PrivateKeySealed))
                    .col(timestamp_with_time_zone(BadgeKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(BadgeKeys::RetiredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Badges::Table)
                    .col(pk_uuid(Badges::Id))
                    .col(uuid(Badges::TenantId))
                    .col(uuid(Badges::CertificationId))
                    .col(string_len(Badges::ContentId, 100))
                    .col(string_len(Badges::ActorKey, 400))
                    .col(timestamp_with_time_zone(Badges::IssuedAt))
                    .col(timestamp_with_time_zone_null(Badges::ValidUntil))
                    .col(integer(Badges::StatusList))
                    .col(integer(Badges::StatusIndex))
                    .col(string_len(Badges::Kid, 64))
                    .col(text(Badges::Ob2Assertion))
                    .col(text(Badges::Ob3Credential))
                    .col(text(Badges::Ob3Jwt))
                    .col(timestamp_with_time_zone_null(Badges::RevokedAt))
                    .col(text_null(Badges::RevokedReason))
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            (
                "idx_badges_status_entry",
                vec![Badges::StatusList, Badges::StatusIndex],
                true,
            ),
            (
                "idx_badges_certification",
                vec![Badges::TenantId, Badges::CertificationId],
                false,
            ),
            (
                "idx_badges_actor",
                vec![Badges::TenantId, Badges::ActorKey],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Badges::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Badges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(BadgeKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum BadgeKeys {
    Table,
    Kid,
    PublicKey,
    PrivateKeySealed,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Badges {
    Table,
    Id,
    TenantId,
    CertificationId,
    ContentId,
    ActorKey,
    IssuedAt,
    ValidUntil,
    StatusList,
    StatusIndex,
    Kid,
    Ob2Assertion,
    Ob3Credential,
    Ob3Jwt,
    RevokedAt,
    RevokedReason,
}
