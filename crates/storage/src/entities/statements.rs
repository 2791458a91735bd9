//! The `statements` table: one row per stored statement, its JSON as stored, and the columns queries need.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub tenant_id: Uuid,
    pub statement_id: Uuid,
    pub stored: ChronoDateTimeUtc,
    pub verb_id: String,
    pub registration: Option<Uuid>,
    pub voided: bool,
    pub voids: Option<Uuid>,
    pub targets: Option<Uuid>,
    pub has_attachments: bool,
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
