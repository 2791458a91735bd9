//! Documents of the State, Activity Profile and Agent Profile resources, addressed by a `DocumentKey`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entities::documents;
use crate::{Storage, StorageError, TenantId};

/// Which resource a document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    State,
    ActivityProfile,
    AgentProfile,
}

impl DocumentKind {
    fn code(self) -> &'static str {
        match self {
            DocumentKind::State => "state",
            DocumentKind::ActivityProfile => "activity_profile",
            DocumentKind::AgentProfile => "agent_profile",
        }
    }
}

/// Where a set of documents lives: the parts of the key other than the document id. Unused parts are empty
/// (an agent profile has no activity; a state without registration has an empty registration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentScope {
    pub tenant_id: TenantId,
    pub kind: DocumentKind,
    pub activity_id: String,
    pub agent_key: String,
    pub registration: String,
}

/// A stored document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub document_id: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated_at: DateTime<Utc>,
}

impl Storage {
    fn scoped(scope: &DocumentScope) -> sea_orm::Select<documents::Entity> {
        documents::Entity::find()
            .filter(documents::Column::TenantId.eq(scope.tenant_id.0))
            .filter(documents::Column::Kind.eq(scope.kind.code()))
            .filter(documents::Column::ActivityId.eq(scope.activity_id.clone()))
            .filter(documents::Column::AgentKey.eq(scope.agent_key.clone()))
            .filter(documents::Column::Registration.eq(scope.registration.clone()))
    }

    pub async fn find_document(
        &self,
        scope: &DocumentScope,
        document_id: &str,
    ) -> Result<Option<Document>, StorageError> {
        let model = Self::scoped(scope)
            .filter(documents::Column::DocumentId.eq(document_id))
            .one(self.db())
            .await?;
        Ok(model.map(|model| Document {
            document_id: model.document_id,
            content_type: model.content_type,
            content: model.content,
            etag: model.etag,
            updated_at: model.updated_at,
        }))
    }

    /// Ids of the documents in a scope updated after `since` (all when `None`), oldest first.
    pub async fn find_document_ids(
        &self,
        scope: &DocumentScope,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<String>, StorageError> {
        let mut query = Self::scoped(scope)
            .select_only()
            .column(documents::Column::DocumentId)
            .order_by_asc(documents::Column::UpdatedAt);
        if let Some(since) = since {
            query = query.filter(documents::Column::UpdatedAt.gt(since));
        }
        Ok(query.into_tuple::<String>().all(self.db()).await?)
    }

    /// Creates or replaces a document.
    pub async fn upsert_document(
        &self,
        scope: &DocumentScope,
        document: Document,
    ) -> Result<(), StorageError> {
        documents::Entity::insert(documents::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            tenant_id: Set(scope.tenant_id.0),
            kind: Set(scope.kind.code().to_owned()),
            activity_id: Set(scope.activity_id.clone()),
            agent_key: Set(scope.agent_key.clone()),
            registration: Set(scope.registration.clone()),
            document_id: Set(document.document_id),
            content_type: Set(document.content_type),
            content: Set(document.content),
            etag: Set(document.etag),
            updated_at: Set(document.updated_at),
        })
        .on_conflict(
            OnConflict::columns([
                documents::Column::TenantId,
                documents::Column::Kind,
                documents::Column::ActivityId,
                documents::Column::AgentKey,
                documents::Column::Registration,
                documents::Column::DocumentId,
            ])
            .update_columns([
                documents::Column::ContentType,
                documents::Column::Content,
                documents::Column::Etag,
                documents::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// Deletes one document (`Some(id)`) or every document of the scope (`None`); returns how many went.
    pub async fn delete_documents(
        &self,
        scope: &DocumentScope,
        document_id: Option<&str>,
    ) -> Result<u64, StorageError> {
        let mut delete = documents::Entity::delete_many()
            .filter(documents::Column::TenantId.eq(scope.tenant_id.0))
            .filter(documents::Column::Kind.eq(scope.kind.code()))
            .filter(documents::Column::ActivityId.eq(scope.activity_id.clone()))
            .filter(documents::Column::AgentKey.eq(scope.agent_key.clone()))
            .filter(documents::Column::Registration.eq(scope.registration.clone()));
        if let Some(document_id) = document_id {
            delete = delete.filter(documents::Column::DocumentId.eq(document_id));
        }
        Ok(delete.exec(self.db()).await?.rows_affected)
    }
}
