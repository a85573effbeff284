//! Token-signing keys: 2048-bit RSA, published as a JWKS. Rotation makes a new key current and
//! keeps the previous ones published so earlier tokens still verify, as Entra ID does.
//!
//! Generating a key takes a while, so keys come from a process-wide pool: every emulator's
//! n-th key is the pool's n-th key. Emulators in one test process therefore share keys (never
//! state), and each rotation within one emulator still yields a genuinely new key.

use std::collections::HashSet;
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
/// How many verified tokens [`KeyRing`] remembers before it starts over.
const VERIFIED_TOKENS: usize = 4096;

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
///
/// It also remembers tokens (whole, exact strings) whose RS256 signature has been verified
/// against the currently published keys, so resource servers check a token's signature once
/// rather than on every request, as Azure's own caches do. A rotation changes the published
/// set and forgets them all; claims (`exp`, `aud`, …) are still checked on every request.
#[derive(Debug)]
pub struct KeyRing {
    keys: Mutex<Vec<(usize, Arc<SigningKey>)>>,
    verified: Mutex<HashSet<String>>,
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
            verified: Mutex::new(HashSet::new()),
        }
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `token`'s signature was verified against the keys published now.
    pub fn is_verified(&self, token: &str) -> bool {
        self.verified().contains(token)
    }

    /// How many rotations this ring has seen: the published set changes with it.
    pub fn generation(&self) -> usize {
        self.lock().len()
    }

    /// Records that `token`'s signature verified against the keys published at `generation`
    /// (see [`Self::generation`]); nothing if a rotation happened since. Bounded: the set
    /// starts over when full.
    pub fn remember_verified(&self, token: &str, generation: usize) {
        let keys = self.lock();
        if keys.len() != generation {
            return;
        }
        let mut verified = self.verified();
        if verified.len() >= VERIFIED_TOKENS {
            verified.clear();
        }
        verified.insert(token.to_owned());
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
        // Hold the key list while forgetting, so no check against the old set lands after.
        let mut keys = self.lock();
        keys.push((next, key));
        self.verified().clear();
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

    #[test]
    fn verified_tokens_are_forgotten_when_the_published_keys_change() {
        let ring = KeyRing::new();
        let before = ring.generation();
        ring.remember_verified("a.b.c", before);
        assert!(ring.is_verified("a.b.c"));
        assert!(!ring.is_verified("a.b.d"));
        ring.rotate();
        assert!(!ring.is_verified("a.b.c"));
        // A check made against the previous key set is not remembered after the rotation.
        ring.remember_verified("a.b.c", before);
        assert!(!ring.is_verified("a.b.c"));
        ring.remember_verified("a.b.c", ring.generation());
        assert!(ring.is_verified("a.b.c"));
    }
}
