//! The `cmi5_sessions` table: one row per AU launch.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cmi5_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub launch_id: Uuid,
    pub registration: Uuid,
    pub content_id: String,
    pub version: String,
    pub au_id: String,
    pub launch_mode: String,
    pub mastery_score: Option<f64>,
    pub fetch_hash: String,
    pub fetched_at: Option<ChronoDateTimeUtc>,
    pub terminated_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
