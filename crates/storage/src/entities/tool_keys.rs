//! The `tool_keys` table: the tool's RSA signing keys, private halves sealed with the master key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tool_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub kid: String,
    pub alg: String,
    pub public_jwk: String,
    pub private_key_sealed: String,
    pub created_at: ChronoDateTimeUtc,
    pub rotated_at: Option<ChronoDateTimeUtc>,
    pub unpublish_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
