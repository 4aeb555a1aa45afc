//! HS256 JSON Web Tokens as the Flexprice auth provider issues them (`internal/auth/flexprice.go`):
//! claims `user_id`, `tenant_id`, `exp`, `iat`, signed with the configured secret. HMAC-SHA256 is
//! written out here on top of `sha2` so the crate needs no JWT library for one algorithm.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The server's default `auth.secret`.
pub(crate) const DEFAULT_SECRET: &str = "super_secret";

/// Why a token was refused; the middleware maps these to its two 401 bodies.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Signature, algorithm, encoding or expiry is wrong: `{"error":"Invalid token"}`.
    Invalid,
    /// Valid token without `user_id` or `tenant_id`: `{"error":"Invalid token claims"}`.
    Claims,
}

pub(crate) struct Claims {
    pub user_id: String,
    pub tenant_id: String,
    pub environment_id: Option<String>,
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Signs a token for `user_id` in `tenant_id`, valid for 30 days from `now` (unix seconds).
pub(crate) fn sign(secret: &str, user_id: &str, tenant_id: &str, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({"user_id": user_id, "tenant_id": tenant_id, "exp": now + 30 * 24 * 3600, "iat": now});
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// Verifies signature, algorithm and `exp` against `now` (unix seconds), then extracts the claims.
pub(crate) fn verify(secret: &str, token: &str, now: i64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    let header: Value = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Invalid)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(TokenError::Invalid);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Invalid)?;
    let expected = hmac_sha256(secret.as_bytes(), format!("{h}.{p}").as_bytes());
    if sig.as_slice() != expected.as_slice() {
        return Err(TokenError::Invalid);
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(TokenError::Invalid)?;
    if let Some(exp) = claims.get("exp") {
        let exp = exp.as_f64().ok_or(TokenError::Invalid)?;
        if (now as f64) >= exp {
            return Err(TokenError::Invalid);
        }
    }
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(user_id), Some(tenant_id)) = (text("user_id"), text("tenant_id")) else {
        return Err(TokenError::Claims);
    };
    Ok(Claims {
        user_id,
        tenant_id,
        environment_id: text("environment_id"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn round_trip_and_expiry() {
        let t = sign(DEFAULT_SECRET, "u1", "t1", 1000);
        let c = verify(DEFAULT_SECRET, &t, 1001).ok().map(|c| c.user_id);
        assert_eq!(c.as_deref(), Some("u1"));
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 1000 + 31 * 24 * 3600).err(),
            Some(TokenError::Invalid)
        );
        assert_eq!(verify("other", &t, 1001).err(), Some(TokenError::Invalid));
    }

    #[test]
    fn missing_claims_and_wrong_algorithm() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"user_id":"u1","exp":99999999999}"#);
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(DEFAULT_SECRET.as_bytes(), input.as_bytes()));
        let token = format!("{input}.{sig}");
        assert_eq!(
            verify(DEFAULT_SECRET, &token, 1).err(),
            Some(TokenError::Claims)
        );

        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let token = format!("{none}.{payload}.");
        assert_eq!(
            verify(DEFAULT_SECRET, &token, 1).err(),
            Some(TokenError::Invalid)
        );
    }
}
