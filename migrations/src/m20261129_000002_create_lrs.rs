//! The Learning Record Store: credentials, statements with their query keys, attachments, activities and
//! documents (State, Activity Profile, Agent Profile). Every row carries its tenant.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LrsCredentials::Table)
                    .col(pk_uuid(LrsCredentials::Id))
                    .col(uuid(LrsCredentials::TenantId))
                    .col(string_len_uniq(LrsCredentials::Key, 64))
                    .col(string_len(LrsCredentials::SecretHash, 128))
                    .col(string_len(LrsCredentials::Name, 200))
                    .col(string_len(LrsCredentials::Scopes, 500))
                    .col(timestamp_with_time_zone(LrsCredentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(LrsCredentials::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LrsCredentials::Table, LrsCredentials::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lrs_credentials_tenant")
                    .table(LrsCredentials::Table)
                    .col(LrsCredentials::TenantId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Statements::Table)
                    .col(big_pk_auto(Statements::Seq))
                    .col(uuid(Statements::TenantId))
                    .col(uuid(Statements::StatementId))
                    .col(timestamp_with_time_zone(Statements::Stored))
                    .col(text(Statements::VerbId))
                    .col(uuid_null(Statements::Registration))
                    .col(boolean(Statements::Voided).default(false))
                    .col(uuid_null(Statements::Voids))
                    .col(uuid_null(Statements::Targets))
                    .col(boolean(Statements::HasAttachments).default(false))
                    .col(text(Statements::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Statements::Table, Statements::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_statements_tenant_id",
                vec![Statements::TenantId, Statements::StatementId],
            ),
            (
                "idx_statements_tenant_stored",
                vec![Statements::TenantId, Statements::Stored],
            ),
            (
                "idx_statements_tenant_seq",
                vec![Statements::TenantId, Statements::Seq],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Statements::Table);
            if name == "idx_statements_tenant_id" {
                index.unique();
            }
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        // Only voiding statements have `voids`: a partial index stays small and costs ordinary inserts nothing.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_statements_tenant_voids ON statements (tenant_id, voids) WHERE voids IS NOT NULL",
            )
            .await?;

        // The key table is read and written through its primary key only; on SQLite, WITHOUT ROWID makes that key
        // the table itself instead of a second B-tree beside it.
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                manager
                    .get_connection()
                    .execute_unprepared(
                        "CREATE TABLE statement_keys (\
                           tenant_id uuid_text NOT NULL, kind varchar(16) NOT NULL, value text NOT NULL, \
                           seq integer NOT NULL REFERENCES statements (seq) ON DELETE CASCADE, \
                           PRIMARY KEY (tenant_id, kind, value, seq)) WITHOUT ROWID",
                    )
                    .await?;
            }
            _ => {
                manager
                    .create_table(
                        Table::create()
                            .table(StatementKeys::Table)
                            .col(uuid(StatementKeys::TenantId))
                            .col(string_len(StatementKeys::Kind, 16))
                            .col(text(StatementKeys::Value))
                            .col(big_integer(StatementKeys::Seq))
                            .primary_key(
                                Index::create()
                                    .col(StatementKeys::TenantId)
                                    .col(StatementKeys::Kind)
                                    .col(StatementKeys::Value)
                                    .col(StatementKeys::Seq),
                            )
                            .foreign_key(
                                ForeignKey::create()
                                    .from(StatementKeys::Table, StatementKeys::Seq)
                                    .to(Statements::Table, Statements::Seq)
                                    .on_delete(ForeignKeyAction::Cascade),
                            )
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_statement_keys_seq")
                    .table(StatementKeys::Table)
                    .col(StatementKeys::Seq)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(uuid(Attachments::TenantId))
                    .col(string_len(Attachments::Sha2, 128))
                    .col(string_len(Attachments::ContentType, 255))
                    .col(binary(Attachments::Content))
                    .primary_key(
                        Index::create()
                            .col(Attachments::TenantId)
                            .col(Attachments::Sha2),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachments::Table, Attachments::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(uuid(Activities::TenantId))
                    .col(text(Activities::ActivityId))
                    .col(text(Activities::Definition))
                    .col(timestamp_with_time_zone(Activities::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(Activities::TenantId)
                            .col(Activities::ActivityId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(big_pk_auto(Documents::Id))
                    .col(uuid(Documents::TenantId))
                    .col(string_len(Documents::Kind, 20))
                    .col(text(Documents::ActivityId))
                    .col(text(Documents::AgentKey))
                    .col(string_len(Documents::Registration, 36))
                    .col(text(Documents::DocumentId))
                    .col(string_len(Documents::ContentType, 255))
                    .col(binary(Documents::Content))
                    .col(string_len(Documents::Etag, 64))
                    .col(timestamp_with_time_zone(Documents::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Documents::Table, Documents::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_documents_key")
                    .table(Documents::Table)
                    .unique()
                    .col(Documents::TenantId)
                    .col(Documents::Kind)
                    .col(Documents::ActivityId)
                    .col(Documents::AgentKey)
                    .col(Documents::Registration)
                    .col(Documents::DocumentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Documents::Table.into_iden(),
            Activities::Table.into_iden(),
            Attachments::Table.into_iden(),
            StatementKeys::Table.into_iden(),
            Statements::Table.into_iden(),
            LrsCredentials::Table.into_iden(),
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
enum LrsCredentials {
    Table,
    Id,
    TenantId,
    Key,
    SecretHash,
    Name,
    Scopes,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Statements {
    Table,
    Seq,
    TenantId,
    StatementId,
    Stored,
    VerbId,
    Registration,
    Voided,
    Voids,
    Targets,
    HasAttachments,
    Payload,
}

#[derive(DeriveIden)]
enum StatementKeys {
    Table,
    TenantId,
    Kind,
    Value,
    Seq,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    TenantId,
    Sha2,
    ContentType,
    Content,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    TenantId,
    ActivityId,
    Definition,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    TenantId,
    Kind,
    ActivityId,
    AgentKey,
    Registration,
    DocumentId,
    ContentType,
    Content,
    Etag,
    UpdatedAt,
}
