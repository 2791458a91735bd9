//! The content catalog's storage: package versions (modules and parcours) and their files, written all or
//! nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{content_files, content_packages};
use crate::{Storage, StorageError};

/// One stored version of a module or parcours, without its files.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContentPackage {
    pub id: Uuid,
    pub content_id: String,
    pub version: String,
    /// `module` or `parcours`.
    pub kind: String,
    /// The checked manifest, as JSON.
    pub manifest: String,
    /// The module's quizzes by activity id, as JSON (`{}` for a parcours).
    pub quizzes: String,
    /// SHA-256 over the package's paths and contents: the same package imported twice is recognised.
    pub sha256: String,
    pub total_bytes: i64,
    pub imported_at: DateTime<Utc>,
}

/// A package version to store, with its files (path, SHA-256, bytes).
#[derive(Clone, Debug)]
pub struct NewContentPackage {
    pub content_id: String,
    pub version: String,
    pub kind: String,
    pub manifest: String,
    pub quizzes: String,
    pub sha256: String,
    pub files: Vec<(String, String, Vec<u8>)>,
    pub imported_at: DateTime<Utc>,
}

impl From<content_packages::Model> for ContentPackage {
    fn from(model: content_packages::Model) -> Self {
        ContentPackage {
            id: model.id,
            content_id: model.content_id,
            version: model.version,
            kind: model.kind,
            manifest: model.manifest,
            quizzes: model.quizzes,
            sha256: model.sha256,
            total_bytes: model.total_bytes,
            imported_at: model.imported_at,
        }
    }
}

impl Storage {
    /// Stores package versions in one transaction: all of them, or none. A (content id, version) pair stored
    /// before is a [`StorageError::Conflict`].
    pub async fn insert_content_packages(
        &self,
        packages: Vec<NewContentPackage>,
    ) -> Result<Vec<ContentPackage>, StorageError> {
        let txn = self.db().begin().await?;
        let mut stored = Vec::with_capacity(packages.len());
        for package in packages {
            let total: usize = package.files.iter().map(|(_, _, bytes)| bytes.len()).sum();
            let model = content_packages::ActiveModel {
                id: Set(Uuid::now_v7()),
                content_id: Set(package.content_id),
                version: Set(package.version),
                kind: Set(package.kind),
                manifest: Set(package.manifest),
                quizzes: Set(package.quizzes),
                sha256: Set(package.sha256),
                total_bytes: Set(i64::try_from(total).unwrap_or(i64::MAX)),
                imported_at: Set(package.imported_at),
            }
            .insert(&txn)
            .await?;
            for (path, sha256, content) in package.files {
                content_files::ActiveModel {
                    package_id: Set(model.id),
                    path: Set(path),
                    sha256: Set(sha256),
                    content: Set(content),
                }
                .insert(&txn)
                .await?;
            }
            stored.push(ContentPackage::from(model));
        }
        txn.commit().await?;
        Ok(stored)
    }

    /// Every stored version, by content id then import order.
    pub async fn find_content_packages(&self) -> Result<Vec<ContentPackage>, StorageError> {
        Ok(content_packages::Entity::find()
            .order_by_asc(content_packages::Column::ContentId)
            .order_by_asc(content_packages::Column::ImportedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(ContentPackage::from)
            .collect())
    }

    /// One version of a content id.
    pub async fn find_content_package(
        &self,
        content_id: &str,
        version: &str,
    ) -> Result<Option<ContentPackage>, StorageError> {
        Ok(content_packages::Entity::find()
            .filter(content_packages::Column::ContentId.eq(content_id))
            .filter(content_packages::Column::Version.eq(version))
            .one(self.db())
            .await?
            .map(ContentPackage::from))
    }

    /// The paths of a package version's files.
    pub async fn find_content_file_paths(
        &self,
        package_id: Uuid,
    ) -> Result<Vec<String>, StorageError> {
        Ok(content_files::Entity::find()
            .select_only()
            .column(content_files::Column::Path)
            .filter(content_files::Column::PackageId.eq(package_id))
            .order_by_asc(content_files::Column::Path)
            .into_tuple::<String>()
            .all(self.db())
            .await?)
    }

    /// One file of a package version.
    pub async fn find_content_file(
        &self,
        package_id: Uuid,
        path: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(
            content_files::Entity::find_by_id((package_id, path.to_owned()))
                .one(self.db())
                .await?
                .map(|file| file.content),
        )
    }
}
