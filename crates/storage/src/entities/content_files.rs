//! The `content_files` table: the files of one package version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub package_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub path: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
