//! JSON Web Tokens as the Flexprice auth provider issues and checks them
//! (`internal/auth/flexprice.go`, golang-jwt v4): issued as HS256 with claims `user_id`,
//! `tenant_id`, `exp`, `iat`; accepted with any HMAC algorithm (§11 #16), with `exp`, `iat` and
//! `nbf` checked, `user_id` required to be a string and `tenant_id` defaulting to the default
//! tenant when it is missing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Hmac;
use serde_json::{Map, Value, json};
use sha2::{Sha256, Sha384, Sha512};

use crate::state::TENANT_ID;

/// The server's default `auth.secret`.
pub(crate) const DEFAULT_SECRET: &str = "super_secret";

/// Why a token was refused; the middleware maps these to its two 401 bodies.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Signature, algorithm, encoding, a time claim or a non-string `user_id`:
    /// `{"error":"Invalid token"}`.
    Invalid,
    /// A valid token whose `user_id` or `tenant_id` is the empty string:
    /// `{"error":"Invalid token claims"}`.
    Claims,
}

pub(crate) struct Claims {
    pub user_id: String,
    pub tenant_id: String,
    pub environment_id: Option<String>,
}

/// The MAC of `input` under `secret` for an HMAC `alg`; `None` for any other algorithm.
fn mac(alg: &str, secret: &[u8], input: &[u8]) -> Option<Vec<u8>> {
    fn run<M: hmac::Mac + hmac::KeyInit>(secret: &[u8], input: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut m = <M as hmac::KeyInit>::new_from_slice(secret).expect("HMAC accepts any key");
        m.update(input);
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        "HS256" => Some(run::<Hmac<Sha256>>(secret, input)),
        "HS384" => Some(run::<Hmac<Sha384>>(secret, input)),
        "HS512" => Some(run::<Hmac<Sha512>>(secret, input)),
        _ => None,
    }
}

/// Signs arbitrary `claims` with an HMAC `alg` (`HS256`, `HS384`, `HS512`); `None` otherwise.
pub(crate) fn sign_claims(secret: &str, alg: &str, claims: &Value) -> Option<String> {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(mac(alg, secret.as_bytes(), input.as_bytes())?);
    Some(format!("{input}.{sig}"))
}

/// A login token for `user_id` in `tenant_id`, valid for 30 days from `now` (unix seconds).
pub(crate) fn sign(secret: &str, user_id: &str, tenant_id: &str, now: i64) -> String {
    let claims = json!({"user_id": user_id, "tenant_id": tenant_id, "exp": now + 30 * 24 * 3600, "iat": now});
    sign_claims(secret, "HS256", &claims).unwrap_or_default()
}

/// golang-jwt v4's `MapClaims.Valid`: `exp` must be in the future, `iat` and `nbf` not; each is
/// optional, must be a number when present, and `exp: 0` counts as absent.
fn times_valid(claims: &Map<String, Value>, now: i64) -> bool {
    let number = |k: &str| claims.get(k).map(Value::as_f64);
    let now = now as f64;
    let exp = match number("exp") {
        None => true,
        Some(Some(e)) => e == 0.0 || now < e,
        Some(None) => false,
    };
    let not_after_now = |k: &str| match number(k) {
        None => true,
        Some(Some(t)) => now >= t,
        Some(None) => false,
    };
    exp && not_after_now("iat") && not_after_now("nbf")
}

/// Verifies a token at `now` (unix seconds) and extracts the claims, as the middleware sees them.
pub(crate) fn verify(secret: &str, token: &str, now: i64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Invalid);
    };
    let json = |part: &str| -> Result<Map<String, Value>, TokenError> {
        URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Invalid)
    };
    let header = json(h)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Invalid)?;
    let expected =
        mac(alg, secret.as_bytes(), format!("{h}.{p}").as_bytes()).ok_or(TokenError::Invalid)?;
    // Not constant-time; this is a test double.
    if sig != expected {
        return Err(TokenError::Invalid);
    }
    let claims = json(p)?;
    if !times_valid(&claims, now) {
        return Err(TokenError::Invalid);
    }
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let user_id = text("user_id").ok_or(TokenError::Invalid)?;
    let tenant_id = text("tenant_id").unwrap_or_else(|| TENANT_ID.to_owned());
    if user_id.is_empty() || tenant_id.is_empty() {
        return Err(TokenError::Claims);
    }
    Ok(Claims {
        user_id,
        tenant_id,
        environment_id: text("environment_id").filter(|e| !e.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = mac("HS256", b"Jefe", b"what do ya want for nothing?").unwrap_or_default();
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
        // Issued in the future.
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 999).err(),
            Some(TokenError::Invalid)
        );
    }

    #[test]
    fn claims_and_algorithms() {
        let signed = |alg: &str, claims: Value| sign_claims(DEFAULT_SECRET, alg, &claims);
        for alg in ["HS384", "HS512"] {
            let t = signed(alg, json!({"user_id": "u1", "tenant_id": "t1"})).unwrap_or_default();
            assert!(verify(DEFAULT_SECRET, &t, 1).is_ok(), "{alg}");
        }
        assert_eq!(signed("RS256", json!({})), None);
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"user_id":"u1"}"#)
        );
        assert_eq!(
            verify(DEFAULT_SECRET, &none, 1).err(),
            Some(TokenError::Invalid)
        );
        let t = signed("HS256", json!({"tenant_id": "t1"})).unwrap_or_default();
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 1).err(),
            Some(TokenError::Invalid)
        );
        let t = signed("HS256", json!({"user_id": "", "tenant_id": "t1"})).unwrap_or_default();
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 1).err(),
            Some(TokenError::Claims)
        );
        let t = signed("HS256", json!({"user_id": "u1"})).unwrap_or_default();
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 1)
                .map(|c| c.tenant_id)
                .ok()
                .as_deref(),
            Some(TENANT_ID)
        );
        let t = signed("HS256", json!({"user_id": "u1", "exp": "soon"})).unwrap_or_default();
        assert_eq!(
            verify(DEFAULT_SECRET, &t, 1).err(),
            Some(TokenError::Invalid)
        );
    }
}
