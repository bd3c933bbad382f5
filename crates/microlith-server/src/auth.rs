//! Client authentication: HMAC-signed JWTs whose subject is the principal.
//!
//! Clients present `HS256` tokens (in the WebSocket `hello`, the `token`
//! query parameter, or `Authorization: Bearer` on actor calls). The token's
//! `sub` becomes the principal the actors see as `context.caller()` and the
//! viewer their views are rendered for. `exp` and `nbf` are checked when
//! present. Without a token a client is anonymous, which the server allows
//! only when configured to.
//!
//! The `jsonwebtoken` crate does the signing and validation.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use microlith_protocol::v1::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The claims Microlith reads.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
}

/// Verifies client tokens.
#[derive(Clone)]
pub struct Auth {
    keys: Option<Arc<(EncodingKey, DecodingKey)>>,
    allow_anonymous: bool,
    dev_tokens: bool,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("tokens", &self.keys.is_some())
            .field("allow_anonymous", &self.allow_anonymous)
            .field("dev_tokens", &self.dev_tokens)
            .finish()
    }
}

impl Auth {
    /// Tokens signed with `secret` (none: no client can authenticate);
    /// anonymous clients allowed or not; `dev_tokens` enables minting.
    pub fn new(secret: Option<&str>, allow_anonymous: bool, dev_tokens: bool) -> Self {
        let keys =
            secret.map(|s| Arc::new((EncodingKey::from_secret(s.as_bytes()), DecodingKey::from_secret(s.as_bytes()))));
        Self { keys, allow_anonymous, dev_tokens }
    }

    /// Whether clients without a token are accepted.
    pub fn allows_anonymous(&self) -> bool {
        self.allow_anonymous
    }

    /// The principal of a client that presented `token` (or none).
    pub fn principal(&self, token: Option<&str>) -> Result<Option<String>, ApiError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            if self.allow_anonymous {
                return Ok(None);
            }
            return Err(ApiError::new(ErrorCode::Unauthorized, "this server needs a client token"));
        };
        let Some(keys) = &self.keys else {
            return Err(ApiError::new(ErrorCode::Unauthorized, "this server accepts no client tokens (no jwt_secret)"));
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &keys.1, &validation)
            .map_err(|e| ApiError::new(ErrorCode::Unauthorized, format!("invalid token: {e}")))?;
        if data.claims.sub.is_empty() {
            return Err(ApiError::new(ErrorCode::Unauthorized, "invalid token: empty subject"));
        }
        Ok(Some(data.claims.sub))
    }

    /// Mints a token for `sub` valid for `ttl_s` seconds, if dev tokens are
    /// enabled.
    pub fn mint(&self, sub: &str, ttl_s: u64) -> Result<String, ApiError> {
        let (true, Some(keys)) = (self.dev_tokens, &self.keys) else {
            return Err(ApiError::new(ErrorCode::NotFound, "dev tokens are only available under `microlith dev`"));
        };
        if sub.is_empty() || sub.len() > 200 {
            return Err(ApiError::new(ErrorCode::BadRequest, "sub must be 1 to 200 bytes"));
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = Claims { sub: sub.to_string(), exp: Some(now.saturating_add(ttl_s)) };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.0)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("signing a token: {e}")))
    }
}

/// The bearer token of an `Authorization` header, if any.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_are_refused() {
        let auth = Auth::new(Some("s3cret"), false, true);
        let token = auth.mint("alice", 60).expect("mint");
        assert_eq!(auth.principal(Some(&token)).expect("valid"), Some("alice".to_string()));
        assert_eq!(auth.principal(None).expect_err("anonymous refused").code, ErrorCode::Unauthorized);
        let other = Auth::new(Some("other"), true, true).mint("mallory", 60).expect("mint");
        assert_eq!(auth.principal(Some(&other)).expect_err("wrong key").code, ErrorCode::Unauthorized);
        assert!(auth.principal(Some("not.a.jwt")).is_err());
        let expired = auth.mint("bob", 0).expect("mint");
        std::thread::sleep(std::time::Duration::from_millis(10));
        // Leeway is 5 s, so a token that expired just now still passes;
        // one that expired long ago does not.
        assert!(auth.principal(Some(&expired)).is_ok());
        let open = Auth::new(None, true, false);
        assert_eq!(open.principal(None).expect("anonymous"), None);
        assert!(open.mint("x", 1).is_err(), "no dev tokens");
    }
}
