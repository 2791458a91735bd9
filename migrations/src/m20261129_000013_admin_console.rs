//! The admin console's sign-in: `admin_accounts` (local administrators, with an Argon2id hash of their password and
//! their failed attempts, which lock the account for a while),
//! `admin_sessions` (a signed-in administrator: the hash of the cookie's token, never the token, and the CSRF token
//! pages carry) and `admin_logins` (an OpenID Connect sign-in under way: its `state`, bound to the browser that
//! started it, its nonce and PKCE verifier; used up once).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdminAccounts::Table)
                    .col(uuid(AdminAccounts::Id).primary_key())
                    .col(string_len(AdminAccounts::Username, 100).unique_key())
                    .col(string_len(AdminAccounts::DisplayName, 200))
                    .col(text(AdminAccounts::PasswordHash))
                    .col(timestamp_with_time_zone(AdminAccounts::CreatedAt))
                    .col(timestamp_with_time_zone_null(AdminAccounts::DisabledAt))
                    .col(integer(AdminAccounts::FailedAttempts).default(0))
                    .col(timestamp_with_time_zone_null(AdminAccounts::LockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminSessions::Table)
                    .col(string_len(AdminSessions::TokenHash, 64).primary_key())
                    .col(string_len(AdminSessions::Subject, 300))
                    .col(string_len(AdminSessions::DisplayName, 200))
                    .col(string_len(AdminSessions::Source, 16))
                    .col(text(AdminSessions::Roles))
                    .col(string_len(AdminSessions::CsrfToken, 64))
                    .col(timestamp_with_time_zone(AdminSessions::CreatedAt))
                    .col(timestamp_with_time_zone(AdminSessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_admin_sessions_expires_at")
                    .table(AdminSessions::Table)
                    .col(AdminSessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminLogins::Table)
                    .col(string_len(AdminLogins::State, 64).primary_key())
                    .col(string_len(AdminLogins::BrowserHash, 64))
                    .col(string_len(AdminLogins::Nonce, 128))
                    .col(string_len(AdminLogins::PkceVerifier, 128))
                    .col(timestamp_with_time_zone(AdminLogins::CreatedAt))
                    .col(timestamp_with_time_zone(AdminLogins::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AdminLogins::Table.into_iden(),
            AdminSessions::Table.into_iden(),
            AdminAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AdminAccounts {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    CreatedAt,
    DisabledAt,
    FailedAttempts,
    LockedUntil,
}

#[derive(DeriveIden)]
enum AdminSessions {
    Table,
    TokenHash,
    Subject,
    DisplayName,
    Source,
    Roles,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AdminLogins {
    Table,
    State,
    BrowserHash,
    Nonce,
    PkceVerifier,
    CreatedAt,
    ExpiresAt,
}
