//! Content-addressed component versions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The id of a deployed component version: the SHA-256 of its bytes.
///
/// Displayed as 64 lowercase hex digits; [`VersionId::short`] gives the first 12.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VersionId([u8; 32]);

/// A string that is not a version id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a version id is 64 hex digits (sha256 of the component), got {0:?}")]
pub struct VersionIdError(pub String);

impl VersionId {
    /// The version id of `component` bytes.
    pub fn of(component: &[u8]) -> Self {
        Self(Sha256::digest(component).into())
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Builds a version id from a raw digest.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The first 12 hex digits, for logs and humans.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..6])
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionId({})", self.short())
    }
}

impl FromStr for VersionId {
    type Err = VersionIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| VersionIdError(s.to_string()))?;
        Ok(Self(out))
    }
}

impl TryFrom<String> for VersionId {
    type Error = VersionIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<VersionId> for String {
    fn from(value: VersionId) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_round_trip_through_hex() {
        let v = VersionId::of(b"hello");
        assert_eq!(v.to_string(), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(v.to_string().parse::<VersionId>(), Ok(v));
        assert_eq!(v.short(), "2cf24dba5fb0");
        assert!("xyz".parse::<VersionId>().is_err());
    }
}
