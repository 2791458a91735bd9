//! The `content_packages` table: every imported version of a module or parcours.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_packages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub content_id: String,
    pub version: String,
    pub kind: String,
    pub manifest: String,
    pub quizzes: String,
    pub sha256: String,
    pub total_bytes: i64,
    pub imported_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
