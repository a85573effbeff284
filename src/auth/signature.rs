//! RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature checks, and SHA-256 for PKCE's `S256`
//! challenge: the platform's own crypto.
//!
//! In the browser this is WebCrypto (`crypto.subtle.importKey` + `verify`, `digest`), so the
//! bundle carries no RSA, big-integer or hash code (`sha2` was 3.7 kB of the main module
//! before `wasm-opt`). Measured with twiggy on the release wasm before
//! `wasm-opt`: RustCrypto cost at least 14.9 KB (`num-bigint-dig` 14.7 KB, plus `rsa` and
//! `subtle`, with more inlined into our functions), WebCrypto 0.4 KB (this module's 295 B
//! and 128 B of bindings). Natively (tests, fuzzing) the same check is RustCrypto.
//!
//! Invariant: the only answers are "valid" and a typed refusal; a key or signature the
//! platform cannot even parse is an invalid signature, never a panic.

use super::id_token::Jwk;

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the ID token's signature is not valid")]
    Invalid,
    #[error(
        "this browser offers no WebCrypto here, so ID tokens cannot be checked: serve twinscope \
         over https (plain http works only on localhost)"
    )]
    NoWebCrypto,
}

/// Checks `signature` over `data` with the RSA public key `jwk`.
pub async fn verify_rs256(jwk: &Jwk, data: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    platform::verify_rs256(jwk, data, signature).await
}

/// SHA-256 of `data`.
pub async fn sha256(data: &[u8]) -> Result<[u8; 32], SignatureError> {
    platform::sha256(data).await
}

/// Runs a future that never waits to completion: a native signature check (or a
/// [`super::id_token::validate`]) for tests and fuzzing — RustCrypto is done on the first
/// poll — or a call to an in-memory transport. Panics if the future does wait.
pub fn finished<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("native signature checks never wait"),
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{Jwk, SignatureError};
    use crate::auth::base64url;

    const ALGORITHM: &str = "RSASSA-PKCS1-v1_5";

    fn object(entries: &[(&str, JsValue)]) -> Object {
        let object = Object::new();
        for (key, value) in entries {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&object, &JsValue::from_str(key), value);
        }
        object
    }

    fn subtle() -> Result<web_sys::SubtleCrypto, SignatureError> {
        let crypto = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .ok_or(SignatureError::NoWebCrypto)?;
        // `crypto.subtle` is undefined outside a secure context.
        let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))
            .map_err(|_| SignatureError::NoWebCrypto)?;
        if subtle.is_undefined() || subtle.is_null() {
            return Err(SignatureError::NoWebCrypto);
        }
        Ok(subtle.unchecked_into())
    }

    pub async fn verify_rs256(
        jwk: &Jwk,
        data: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let subtle = subtle()?;
        let key_data = object(&[
            ("kty", "RSA".into()),
            ("n", base64url::encode(jwk.modulus()).into()),
            ("e", base64url::encode(jwk.exponent()).into()),
            ("alg", "RS256".into()),
            ("ext", true.into()),
        ]);
        let algorithm = object(&[("name", ALGORITHM.into()), ("hash", "SHA-256".into())]);
        let usages = Array::of1(&JsValue::from_str("verify"));
        let import = subtle
            .import_key_with_object("jwk", &key_data, &algorithm, false, &usages)
            .map_err(|_| SignatureError::Invalid)?;
        let key: web_sys::CryptoKey = JsFuture::from(import)
            .await
            .map_err(|_| SignatureError::Invalid)?
            .unchecked_into();
        let check = subtle
            .verify_with_str_and_u8_array_and_u8_array(ALGORITHM, &key, signature, data)
            .map_err(|_| SignatureError::Invalid)?;
        match JsFuture::from(check).await.map(|v| v.as_bool()) {
            Ok(Some(true)) => Ok(()),
            _ => Err(SignatureError::Invalid),
        }
    }

    pub async fn sha256(data: &[u8]) -> Result<[u8; 32], SignatureError> {
        let digest = subtle()?
            .digest_with_str_and_u8_array("SHA-256", data)
            .map_err(|_| SignatureError::NoWebCrypto)?;
        let buffer = JsFuture::from(digest)
            .await
            .map_err(|_| SignatureError::NoWebCrypto)?;
        js_sys::Uint8Array::new(&buffer)
            .to_vec()
            .try_into()
            .map_err(|_| SignatureError::NoWebCrypto)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use rsa::{BigUint, RsaPublicKey};
    use sha2::Sha256;

    use super::{Jwk, SignatureError};

    pub async fn verify_rs256(
        jwk: &Jwk,
        data: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let key = RsaPublicKey::new(
            BigUint::from_bytes_be(jwk.modulus()),
            BigUint::from_bytes_be(jwk.exponent()),
        )
        .map_err(|_| SignatureError::Invalid)?;
        let signature = Signature::try_from(signature).map_err(|_| SignatureError::Invalid)?;
        VerifyingKey::<Sha256>::new(key)
            .verify(data, &signature)
            .map_err(|_| SignatureError::Invalid)
    }

    pub async fn sha256(data: &[u8]) -> Result<[u8; 32], SignatureError> {
        use sha2::Digest;
        Ok(Sha256::digest(data).into())
    }
}
