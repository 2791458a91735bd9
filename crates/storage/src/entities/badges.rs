//! The `badges` table: one row per awarded badge, with its documents as issued.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "badges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub certification_id: Uuid,
    pub content_id: String,
    pub actor_key: String,
    pub issued_at: ChronoDateTimeUtc,
    pub valid_until: Option<ChronoDateTimeUtc>,
    pub status_list: i32,
    pub status_index: i32,
    pub kid: String,
    pub ob2_assertion: String,
    pub ob3_credential: String,
    pub ob3_jwt: String,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    pub revoked_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
