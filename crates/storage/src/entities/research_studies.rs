//! The `research_studies` table: one row per declared study.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "research_studies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub team: String,
    pub purpose: String,
    pub legal_basis: String,
    pub scope: String,
    pub timestamps: String,
    pub k_anonymity: i32,
    pub retention_until: ChronoDateTimeUtc,
    pub key_sealed: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
