//! sea-orm entities. They mirror the migrations and stay private to this crate.

pub(crate) mod tenants;
