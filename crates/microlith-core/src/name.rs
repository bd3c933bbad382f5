//! Validated names: class names, actor keys and the actor ids built from them.
//!
//! Names are shared (`Arc<str>`): an actor id is cloned into every message,
//! call chain and wait-for edge, and a clone costs two reference counts,
//! not two allocations.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Longest class name, in bytes.
pub const MAX_CLASS_NAME_LEN: usize = 64;
/// Longest actor key, in bytes.
pub const MAX_ACTOR_KEY_LEN: usize = 256;

/// Why a name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("{what} must not be empty")]
    Empty {
        /// Which kind of name.
        what: &'static str,
    },
    /// The name is longer than allowed.
    #[error("{what} is {len} bytes long; the limit is {max}")]
    TooLong {
        /// Which kind of name.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The name contains a character that is not allowed.
    #[error("{what} contains {ch:?}; allowed are {allowed}")]
    BadChar {
        /// Which kind of name.
        what: &'static str,
        /// The offending character.
        ch: char,
        /// A description of the allowed set.
        allowed: &'static str,
    },
}

/// The name of an actor class (a deployed service), e.g. `chat`.
///
/// Lowercase ASCII letters, digits, `-` and `_`, starting with a letter,
/// at most [`MAX_CLASS_NAME_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClassName(Arc<str>);

impl ClassName {
    /// Validates `name` as a class name.
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        const WHAT: &str = "class name";
        const ALLOWED: &str = "a-z, 0-9, '-' and '_', starting with a letter";
        if name.is_empty() {
            return Err(NameError::Empty { what: WHAT });
        }
        if name.len() > MAX_CLASS_NAME_LEN {
            return Err(NameError::TooLong { what: WHAT, len: name.len(), max: MAX_CLASS_NAME_LEN });
        }
        for (i, ch) in name.chars().enumerate() {
            let ok = ch.is_ascii_lowercase() || (i > 0 && (ch.is_ascii_digit() || ch == '-' || ch == '_'));
            if !ok {
                return Err(NameError::BadChar { what: WHAT, ch, allowed: ALLOWED });
            }
        }
        Ok(Self(name.into()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClassName {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<ClassName> for String {
    fn from(value: ClassName) -> Self {
        value.0.to_string()
    }
}

/// Looks a class up by its name (`HashMap<ClassName, _>::get(&str)`):
/// hashes and compares as the `str` it holds.
impl std::borrow::Borrow<str> for ClassName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClassName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key of an actor inside its class, e.g. `room-42`.
///
/// Any non-empty UTF-8 string of at most [`MAX_ACTOR_KEY_LEN`] bytes without
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ActorKey(Arc<str>);

impl ActorKey {
    /// Validates `key` as an actor key.
    pub fn new(key: impl Into<String>) -> Result<Self, NameError> {
        let key = key.into();
        const WHAT: &str = "actor key";
        if key.is_empty() {
            return Err(NameError::Empty { what: WHAT });
        }
        if key.len() > MAX_ACTOR_KEY_LEN {
            return Err(NameError::TooLong { what: WHAT, len: key.len(), max: MAX_ACTOR_KEY_LEN });
        }
        if let Some(ch) = key.chars().find(|c| c.is_control()) {
            return Err(NameError::BadChar { what: WHAT, ch, allowed: "any printable character" });
        }
        Ok(Self(key.into()))
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ActorKey {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<ActorKey> for String {
    fn from(value: ActorKey) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for ActorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The address of a virtual actor: `(class, key)`, displayed as `class/key`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ActorId {
    /// The actor's class.
    pub class: ClassName,
    /// The actor's key inside the class.
    pub key: ActorKey,
}

impl ActorId {
    /// Builds an actor id from validated parts.
    pub fn new(class: ClassName, key: ActorKey) -> Self {
        Self { class, key }
    }

    /// Parses and validates both parts.
    pub fn parse(class: &str, key: &str) -> Result<Self, NameError> {
        Ok(Self { class: ClassName::new(class)?, key: ActorKey::new(key)? })
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.class, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_are_validated() {
        assert!(ClassName::new("chat").is_ok());
        assert!(ClassName::new("chat-room_2").is_ok());
        assert_eq!(ClassName::new(""), Err(NameError::Empty { what: "class name" }));
        assert!(matches!(ClassName::new("Chat"), Err(NameError::BadChar { ch: 'C', .. })));
        assert!(matches!(ClassName::new("2chat"), Err(NameError::BadChar { ch: '2', .. })));
        assert!(matches!(ClassName::new("a/b"), Err(NameError::BadChar { ch: '/', .. })));
        assert!(matches!(ClassName::new("a".repeat(65)), Err(NameError::TooLong { len: 65, .. })));
    }

    #[test]
    fn actor_keys_are_validated() {
        assert!(ActorKey::new("room 42/ünïcode").is_ok());
        assert!(ActorKey::new("").is_err());
        assert!(ActorKey::new("a\nb").is_err());
        assert!(ActorKey::new("k".repeat(257)).is_err());
        assert_eq!(ActorId::parse("chat", "r1").map(|a| a.to_string()), Ok("chat/r1".to_string()));
    }
}
