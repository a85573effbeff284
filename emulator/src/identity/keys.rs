//! Token-signing keys: 2048-bit RSA, published as a JWKS. Rotation makes a new key current and
//! keeps the previous ones published so earlier tokens still verify, as Entra ID does.
//!
//! Generating a key takes a while, so keys come from a process-wide pool: every emulator's
//! n-th key is the pool's n-th key. Emulators in one test process therefore share keys (never
//! state), and each rotation within one emulator still yields a genuinely new key.

use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How many keys the JWKS publishes: the current one and the most recent previous ones.
const PUBLISHED_KEYS: usize = 3;
const KEY_BITS: usize = 2048;

/// One signing key with its public parts already encoded.
#[derive(Debug)]
pub struct SigningKey {
    pub kid: String,
    private: RsaPrivateKey,
    n: String,
    e: String,
}

impl SigningKey {
    fn generate() -> Self {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS)
            .unwrap_or_else(|e| panic!("RSA key generation failed: {e}"));
        let n_bytes = private.n().to_bytes_be();
        let e_bytes = private.e().to_bytes_be();
        let mut thumb = Sha256::new();
        thumb.update(&n_bytes);
        thumb.update(&e_bytes);
        // Entra's kid is a base64url SHA-1 certificate thumbprint: 20 bytes, 27 characters.
        let kid = URL_SAFE_NO_PAD.encode(&thumb.finalize()[..20]);
        Self {
            kid,
            private,
            n: URL_SAFE_NO_PAD.encode(n_bytes),
            e: URL_SAFE_NO_PAD.encode(e_bytes),
        }
    }

    /// RS256 over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let digest = Sha256::digest(message);
        self.private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .unwrap_or_else(|e| panic!("RS256 signing with a valid 2048-bit key failed: {e}"))
    }

    fn jwk(&self, issuer: &str) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": self.n,
            "e": self.e,
            "issuer": issuer,
        })
    }
}

fn pool() -> &'static Mutex<Vec<Arc<SigningKey>>> {
    static POOL: OnceLock<Mutex<Vec<Arc<SigningKey>>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(Vec::new()))
}

/// The process pool's `index`-th key, generated on first use.
fn pooled_key(index: usize) -> Arc<SigningKey> {
    let mut keys = pool().lock().unwrap_or_else(|p| p.into_inner());
    while keys.len() <= index {
        keys.push(Arc::new(SigningKey::generate()));
    }
    keys[index].clone()
}

/// Generates the first pooled key if needed, so the first request does not wait for it.
pub fn warm_up() {
    pooled_key(0);
}

/// One emulator's keys: the current signing key last.
#[derive(Debug)]
pub struct KeyRing {
    keys: Mutex<Vec<(usize, Arc<SigningKey>)>>,
}

impl Default for KeyRing {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyRing {
    pub fn new() -> Self {
        Self {
            keys: Mutex::new(vec![(0, pooled_key(0))]),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(usize, Arc<SigningKey>)>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn current(&self) -> Arc<SigningKey> {
        let keys = self.lock();
        keys[keys.len() - 1].1.clone()
    }

    /// Makes a new key current; the previous ones stay published. Returns the new `kid`.
    pub fn rotate(&self) -> String {
        let next = self.lock().last().map(|(i, _)| i + 1).unwrap_or(0);
        let key = pooled_key(next);
        let kid = key.kid.clone();
        self.lock().push((next, key));
        kid
    }

    /// The JWKS document (`{"keys": [...]}`), newest key first.
    pub fn jwks(&self, issuer: &str) -> Value {
        let keys = self.lock();
        let published: Vec<Value> = keys
            .iter()
            .rev()
            .take(PUBLISHED_KEYS)
            .map(|(_, k)| k.jwk(issuer))
            .collect();
        json!({ "keys": published })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_yields_a_new_key_and_keeps_the_old_one_published() {
        let ring = KeyRing::new();
        let first = ring.current().kid.clone();
        let second = ring.rotate();
        assert_ne!(first, second);
        assert_eq!(ring.current().kid, second);
        let jwks = ring.jwks("x");
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, vec![second.as_str(), first.as_str()]);
    }
}
