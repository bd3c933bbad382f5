//! Vocabulary types of Microlith.
//!
//! This crate names the things every other crate talks about: [`ClassName`],
//! [`ActorKey`], [`ActorId`] and content-addressed [`VersionId`]s, plus the
//! validation rules for them. It does no IO and depends on no async runtime,
//! no wasmtime and no storage engine, so clients can use it too.
//!
//! Start with [`ActorId`].

mod name;
mod version;

pub use name::{ActorId, ActorKey, ClassName, NameError};
pub use version::{VersionId, VersionIdError};
