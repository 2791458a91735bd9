//! Open Badges 2.0 and 3.0 for Class'Code Hub, without I/O or clock: the documents ([`documents`]), their Data
//! Integrity proofs ([`di`], built on [`jsonld`] and [`rdfc`]), Bitstring Status Lists ([`status_list`]), and
//! baked images ([`bake`]). The hub supplies keys, times and storage.

pub mod bake;
pub mod di;
pub mod documents;
pub mod jsonld;
pub mod multibase;
pub mod rdfc;
pub mod status_list;
