//! Certifications: one row per learner registration and certified content (module or parcours), with the rule
//! version that certified it, the scaled score, the ids of the statements that proved it, and its revocation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .col(pk_uuid(Certifications::Id))
                    .col(uuid(Certifications::TenantId))
                    .col(uuid(Certifications::Registration))
                    .col(string_len(Certifications::ContentId, 100))
                    .col(string_len(Certifications::ContentVersion, 32))
                    .col(integer(Certifications::RuleVersion))
                    .col(text(Certifications::Actor))
                    .col(string_len(Certifications::Status, 16))
                    .col(double(Certifications::Scaled))
                    .col(text(Certifications::Evidence))
                    .col(timestamp_with_time_zone(Certifications::CertifiedAt))
                    .col(timestamp_with_time_zone_null(Certifications::RevokedAt))
                    .col(text_null(Certifications::RevokedReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certifications_registration_content")
                    .table(Certifications::Table)
                    .col(Certifications::TenantId)
                    .col(Certifications::Registration)
                    .col(Certifications::ContentId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
    TenantId,
    Registration,
    ContentId,
    ContentVersion,
    RuleVersion,
    Actor,
    Status,
    Scaled,
    Evidence,
    CertifiedAt,
    RevokedAt,
    RevokedReason,
}
