//! The `lti_outbox` table: calls to platforms (AGS scores) kept until the platform accepted them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lti_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub platform_id: Uuid,
    pub kind: String,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub target_url: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub done_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
