//! The LTI tool: our signing keys, platform registrations (each bound to a tenant) and their deployments, OIDC
//! login states, launches, and the outbox of calls to platforms (AGS scores) that must survive a restart.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ToolKeys::Table)
                    .col(pk_uuid(ToolKeys::Id))
                    .col(string_len_uniq(ToolKeys::Kid, 64))
                    .col(string_len(ToolKeys::Alg, 16))
                    .col(text(ToolKeys::PublicJwk))
                    .col(text(ToolKeys::PrivateKeySealed))
                    .col(timestamp_with_time_zone(ToolKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ToolKeys::RotatedAt))
                    .col(timestamp_with_time_zone_null(ToolKeys::UnpublishAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LtiPlatforms::Table)
                    .col(pk_uuid(LtiPlatforms::Id))
                    .col(uuid(LtiPlatforms::TenantId))
                    .col(string_len(LtiPlatforms::Issuer, 255))
                    .col(string_len(LtiPlatforms::ClientId, 255))
                    .col(text(LtiPlatforms::AuthUrl))
                    .col(text(LtiPlatforms::TokenUrl))
                    .col(text(LtiPlatforms::JwksUrl))
                    .col(string_len_null(LtiPlatforms::Product, 64))
                    .col(timestamp_with_time_zone(LtiPlatforms::CreatedAt))
                    .col(timestamp_with_time_zone_null(LtiPlatforms::DisabledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiPlatforms::Table, LtiPlatforms::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lti_platforms_issuer_client")
                    .table(LtiPlatforms::Table)
                    .col(LtiPlatforms::Issuer)
                    .col(LtiPlatforms::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LtiDeployments::Table)
                    .col(uuid(LtiDeployments::PlatformId))
                    .col(string_len(LtiDeployments::DeploymentId, 255))
                    .col(timestamp_with_time_zone(LtiDeployments::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(LtiDeployments::PlatformId)
                            .col(LtiDeployments::DeploymentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiDeployments::Table, LtiDeployments::PlatformId)
                            .to(LtiPlatforms::Table, LtiPlatforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // A login state is written by the node that answered the login and consumed by whichever node gets the
        // launch: single use is one conditional UPDATE on `used_at`.
        manager
            .create_table(
                Table::create()
                    .table(LtiLoginStates::Table)
                    .col(string_len(LtiLoginStates::State, 64).primary_key())
                    .col(uuid(LtiLoginStates::PlatformId))
                    .col(string_len(LtiLoginStates::Nonce, 64))
                    .col(string_len(LtiLoginStates::BrowserSecret, 64))
                    .col(text(LtiLoginStates::LoginQuery))
                    .col(boolean(LtiLoginStates::UsesPlatformStorage))
                    .col(timestamp_with_time_zone(LtiLoginStates::CreatedAt))
                    .col(timestamp_with_time_zone(LtiLoginStates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LtiLoginStates::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiLoginStates::Table, LtiLoginStates::PlatformId)
                            .to(LtiPlatforms::Table, LtiPlatforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lti_login_states_expires")
                    .table(LtiLoginStates::Table)
                    .col(LtiLoginStates::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LtiLaunches::Table)
                    .col(pk_uuid(LtiLaunches::Id))
                    .col(uuid(LtiLaunches::TenantId))
                    .col(uuid(LtiLaunches::PlatformId))
                    .col(string_len(LtiLaunches::DeploymentId, 255))
                    .col(string_len(LtiLaunches::MessageType, 32))
                    .col(string_len_null(LtiLaunches::Subject, 255))
                    .col(string_len(LtiLaunches::Standing, 16))
                    .col(string_len_null(LtiLaunches::ContextId, 255))
                    .col(string_len_null(LtiLaunches::ResourceLinkId, 255))
                    .col(string_len_null(LtiLaunches::ContentId, 255))
                    .col(uuid_null(LtiLaunches::Registration))
                    .col(text(LtiLaunches::Claims))
                    .col(timestamp_with_time_zone(LtiLaunches::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiLaunches::Table, LtiLaunches::PlatformId)
                            .to(LtiPlatforms::Table, LtiPlatforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lti_launches_tenant_registration")
                    .table(LtiLaunches::Table)
                    .col(LtiLaunches::TenantId)
                    .col(LtiLaunches::Registration)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LtiOutbox::Table)
                    .col(pk_uuid(LtiOutbox::Id))
                    .col(uuid(LtiOutbox::TenantId))
                    .col(uuid(LtiOutbox::PlatformId))
                    .col(string_len(LtiOutbox::Kind, 16))
                    .col(string_len_uniq(LtiOutbox::DedupeKey, 200))
                    .col(text(LtiOutbox::TargetUrl))
                    .col(text(LtiOutbox::Payload))
                    .col(string_len(LtiOutbox::Status, 16))
                    .col(integer(LtiOutbox::Attempts))
                    .col(timestamp_with_time_zone(LtiOutbox::NextAttemptAt))
                    .col(text_null(LtiOutbox::LastError))
                    .col(timestamp_with_time_zone(LtiOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(LtiOutbox::DoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LtiOutbox::Table, LtiOutbox::PlatformId)
                            .to(LtiPlatforms::Table, LtiPlatforms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lti_outbox_due")
                    .table(LtiOutbox::Table)
                    .col(LtiOutbox::Status)
                    .col(LtiOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LtiOutbox::Table.into_iden(),
            LtiLaunches::Table.into_iden(),
            LtiLoginStates::Table.into_iden(),
            LtiDeployments::Table.into_iden(),
            LtiPlatforms::Table.into_iden(),
            ToolKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ToolKeys {
    Table,
    Id,
    Kid,
    Alg,
    PublicJwk,
    PrivateKeySealed,
    CreatedAt,
    RotatedAt,
    UnpublishAt,
}

#[derive(DeriveIden)]
enum LtiPlatforms {
    Table,
    Id,
    TenantId,
    Issuer,
    ClientId,
    AuthUrl,
    TokenUrl,
    JwksUrl,
    Product,
    CreatedAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum LtiDeployments {
    Table,
    PlatformId,
    DeploymentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LtiLoginStates {
    Table,
    State,
    PlatformId,
    Nonce,
    BrowserSecret,
    LoginQuery,
    UsesPlatformStorage,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum LtiLaunches {
    Table,
    Id,
    TenantId,
    PlatformId,
    DeploymentId,
    MessageType,
    Subject,
    Standing,
    ContextId,
    ResourceLinkId,
    ContentId,
    Registration,
    Claims,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LtiOutbox {
    Table,
    Id,
    TenantId,
    PlatformId,
    Kind,
    DedupeKey,
    TargetUrl,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    DoneAt,
}
