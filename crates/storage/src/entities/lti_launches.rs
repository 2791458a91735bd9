//! The `lti_launches` table: every accepted launch, with the claims the hub needs afterwards.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lti_launches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub platform_id: Uuid,
    pub deployment_id: String,
    pub message_type: String,
    pub subject: Option<String>,
    pub standing: String,
    pub context_id: Option<String>,
    pub resource_link_id: Option<String>,
    pub content_id: Option<String>,
    pub registration: Option<Uuid>,
    pub claims: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
