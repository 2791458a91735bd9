//! Research: studies (scope, purpose, legal basis, retention, their own secret key sealed with the master key),
//! learners' consent choices (per study, or for every study when `study_id` is nil), the log of every export, and
//! the credentials a research team uses to export its study and nothing else.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResearchStudies::Table)
                    .col(pk_uuid(ResearchStudies::Id))
                    .col(string_len_uniq(ResearchStudies::Name, 100))
                    .col(string_len(ResearchStudies::Team, 200))
                    .col(text(ResearchStudies::Purpose))
                    .col(string_len(ResearchStudies::LegalBasis, 200))
                    .col(text(ResearchStudies::Scope))
                    .col(string_len(ResearchStudies::Timestamps, 16))
                    .col(integer(ResearchStudies::KAnonymity))
                    .col(timestamp_with_time_zone(ResearchStudies::RetentionUntil))
                    .col(text(ResearchStudies::KeySealed))
                    .col(timestamp_with_time_zone(ResearchStudies::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResearchConsents::Table)
                    .col(uuid(ResearchConsents::TenantId))
                    .col(string_len(ResearchConsents::ActorKey, 400))
                    .col(uuid(ResearchConsents::StudyId))
                    .col(string_len(ResearchConsents::Choice, 8))
                    .col(string_len(ResearchConsents::Source, 16))
                    .col(timestamp_with_time_zone(ResearchConsents::ChosenAt))
                    .primary_key(
                        Index::create()
                            .col(ResearchConsents::TenantId)
                            .col(ResearchConsents::ActorKey)
                            .col(ResearchConsents::StudyId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResearchExports::Table)
                    .col(pk_uuid(ResearchExports::Id))
                    .col(uuid(ResearchExports::StudyId))
                    .col(string_len(ResearchExports::RequestedBy, 200))
                    .col(string_len(ResearchExports::Format, 16))
                    .col(text(ResearchExports::Manifest))
                    .col(timestamp_with_time_zone(ResearchExports::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_research_exports_study")
                    .table(ResearchExports::Table)
                    .col(ResearchExports::StudyId)
                    .col(ResearchExports::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResearchCredentials::Table)
                    .col(string_len(ResearchCredentials::Key, 64).primary_key())
                    .col(string_len(ResearchCredentials::SecretHash, 200))
                    .col(uuid(ResearchCredentials::StudyId))
                    .col(timestamp_with_time_zone(ResearchCredentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        ResearchCredentials::RevokedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ResearchCredentials::Table.into_iden(),
            ResearchExports::Table.into_iden(),
            ResearchConsents::Table.into_iden(),
            ResearchStudies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ResearchStudies {
    Table,
    Id,
    Name,
    Team,
    Purpose,
    LegalBasis,
    /// JSON: tenants, modules, verbs, since, until.
    Scope,
    Timestamps,
    KAnonymity,
    RetentionUntil,
    KeySealed,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ResearchConsents {
    Table,
    TenantId,
    ActorKey,
    StudyId,
    Choice,
    Source,
    ChosenAt,
}

#[derive(DeriveIden)]
enum ResearchExports {
    Table,
    Id,
    StudyId,
    RequestedBy,
    Format,
    Manifest,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ResearchCredentials {
    Table,
    Key,
    SecretHash,
    StudyId,
    CreatedAt,
    RevokedAt,
}
