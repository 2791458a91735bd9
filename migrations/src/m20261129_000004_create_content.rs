//! The content catalog: imported packages (modules and parcours), every version kept so that earlier launches and
//! traces stay valid, and the files of each version.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentPackages::Table)
                    .col(pk_uuid(ContentPackages::Id))
                    .col(string_len(ContentPackages::ContentId, 100))
                    .col(string_len(ContentPackages::Version, 32))
                    .col(string_len(ContentPackages::Kind, 16))
                    .col(text(ContentPackages::Manifest))
                    .col(text(ContentPackages::Quizzes))
                    .col(string_len(ContentPackages::Sha256, 64))
                    .col(big_integer(ContentPackages::TotalBytes))
                    .col(timestamp_with_time_zone(ContentPackages::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_content_packages_id_version")
                    .table(ContentPackages::Table)
                    .col(ContentPackages::ContentId)
                    .col(ContentPackages::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContentFiles::Table)
                    .col(uuid(ContentFiles::PackageId))
                    .col(string_len(ContentFiles::Path, 500))
                    .col(string_len(ContentFiles::Sha256, 64))
                    .col(blob(ContentFiles::Content))
                    .primary_key(
                        Index::create()
                            .col(ContentFiles::PackageId)
                            .col(ContentFiles::Path),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContentFiles::Table, ContentFiles::PackageId)
                            .to(ContentPackages::Table, ContentPackages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentFiles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ContentPackages::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ContentPackages {
    Table,
    Id,
    ContentId,
    Version,
    Kind,
    Manifest,
    Quizzes,
    Sha256,
    TotalBytes,
    ImportedAt,
}

#[derive(DeriveIden)]
enum ContentFiles {
    Table,
    PackageId,
    Path,
    Sha256,
    Content,
}
