//! The teacher dashboard finds the learners of one resource link through their launches: an index on
//! (tenant, platform, context, resource link) keeps that off a scan of every launch.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_lti_launches_link")
                    .table(LtiLaunches::Table)
                    .col(LtiLaunches::TenantId)
                    .col(LtiLaunches::PlatformId)
                    .col(LtiLaunches::ContextId)
                    .col(LtiLaunches::ResourceLinkId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_lti_launches_link")
                    .table(LtiLaunches::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LtiLaunches {
    Table,
    TenantId,
    PlatformId,
    ContextId,
    ResourceLinkId,
}
