//! One redirect sign-in, from leaving the app to coming back.
//!
//! Before the redirect, [`Transactions::begin`] draws `state`, `nonce` and a PKCE verifier
//! from the caller's CSPRNG bytes and keeps them (with the return path) in session storage
//! under the state. On return, [`Transactions::complete`] takes them out: exactly once, and
//! only within [`MAX_AGE_SECONDS`]. A forged, replayed, expired or edited record is a
//! specific [`TransactionError`], and the storage is left clean either way.
//!
//! A completed sign-in leaves a note of its `state` and return path (no secret) for a day:
//! Back from the page it returned to travels to the identity platform's page, which, still
//! signed in, answers that old request again at once; [`TransactionError::AlreadyAnswered`]
//! lets the app step on past it instead of refusing it as forged.
//!
//! [`InteractionLock`] allows one redirect at a time, and clears itself when stale, so the
//! "interaction in progress" trap cannot happen.

use std::fmt;

use serde_json::Value;

use super::base64url;
use super::return_path::ReturnPath;
use super::signature::{SignatureError, sha256};
use super::storage::{Storage, StorageError};
use crate::json;

/// How long a sign-in may take between redirect and return.
pub const MAX_AGE_SECONDS: i64 = 10 * 60;
/// After this, a leftover interaction lock is considered abandoned.
pub const LOCK_STALE_SECONDS: i64 = 2 * 60;
/// Random bytes [`Transactions::begin`] needs: 32 each for state, nonce and verifier.
pub const RANDOM_BYTES: usize = 96;

const KEY_PREFIX: &str = "twinscope.auth.tx.";
const DONE_PREFIX: &str = "twinscope.auth.done.";
/// How long a completed sign-in's note is kept: a sign-in's refresh token lives as long.
pub const DONE_KEEP_SECONDS: i64 = 24 * 60 * 60;
const LOCK_KEY: &str = "twinscope.auth.interaction";

/// The PKCE code verifier: a secret, single-use, never printed.
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// RFC 7636: base64url of 32 random octets (43 characters).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(base64url::encode(bytes))
    }

    /// The `S256` challenge: base64url(SHA-256(verifier)), by the platform's crypto.
    pub async fn challenge(&self) -> Result<String, SignatureError> {
        Ok(base64url::encode(&sha256(self.0.as_bytes()).await?))
    }

    /// The verifier itself, for the token request only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}

/// What the authorize request needs (its `code_challenge` from [`PkceVerifier::challenge`]).
#[derive(Debug)]
pub struct Redirect {
    pub state: String,
    pub nonce: String,
    pub verifier: PkceVerifier,
}

/// What comes back out of storage on return.
#[derive(Debug)]
pub struct Completed {
    pub nonce: String,
    pub verifier: PkceVerifier,
    pub return_path: ReturnPath,
    /// The authority tenant segment the request was sent to.
    pub authority_tenant: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    #[error("the sign-in response has no `state`")]
    MissingState,
    #[error(
        "the sign-in response's `state` does not belong to a sign-in started here; it may be forged or already used"
    )]
    UnknownState,
    /// The answer to a sign-in this tab already completed, sent again when Back returned to
    /// the identity platform's page: never redeemed; the app steps on past it.
    #[error("this answers a sign-in that was already completed here; it was not used again")]
    AlreadyAnswered(ReturnPath),
    #[error("the sign-in took longer than {MAX_AGE_SECONDS} seconds; please start again")]
    Expired,
    #[error("the stored sign-in data was changed or damaged; please start again")]
    Tampered,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Sign-in records in one storage.
#[derive(Debug)]
pub struct Transactions<S> {
    storage: S,
}

impl<S: Storage> Transactions<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    /// Records a new sign-in and returns what the authorize URL carries. Records older than
    /// [`MAX_AGE_SECONDS`] are swept away first.
    pub fn begin(
        &self,
        random: &[u8; RANDOM_BYTES],
        return_path: &ReturnPath,
        authority_tenant: &str,
        now: i64,
    ) -> Result<Redirect, StorageError> {
        self.sweep(now);
        let state = base64url::encode(&random[..32]);
        let nonce = base64url::encode(&random[32..64]);
        let mut verifier_bytes = [0u8; 32];
        verifier_bytes.copy_from_slice(&random[64..]);
        let verifier = PkceVerifier::from_bytes(&verifier_bytes);
        let record = json::object! {
            "nonce": nonce.as_str(),
            "verifier": verifier.secret(),
            "returnPath": return_path.as_str(),
            "authorityTenant": authority_tenant,
            "startedAt": now,
        };
        self.storage
            .set(&format!("{KEY_PREFIX}{state}"), &json::to_string(&record))?;
        Ok(Redirect {
            state,
            nonce,
            verifier,
        })
    }

    /// Takes the record for `state` out of storage (once). An invalid stored return path
    /// falls back to `/` rather than failing the sign-in.
    pub fn complete(&self, state: Option<&str>, now: i64) -> Result<Completed, TransactionError> {
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(TransactionError::MissingState)?;
        if state.len() > 128
            || !state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TransactionError::UnknownState);
        }
        let key = format!("{KEY_PREFIX}{state}");
        let Some(stored) = self.storage.get(&key) else {
            return Err(self.answered_before(state, now));
        };
        self.storage.remove(&key);
        let record: Value =
            json::parse(stored.as_bytes()).map_err(|_| TransactionError::Tampered)?;
        let text = |k: &str| {
            record
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(TransactionError::Tampered)
        };
        let started_at = record
            .get("startedAt")
            .and_then(Value::as_i64)
            .ok_or(TransactionError::Tampered)?;
        if now - started_at > MAX_AGE_SECONDS || started_at > now + 60 {
            return Err(TransactionError::Expired);
        }
        let verifier = text("verifier")?;
        if verifier.len() != 43 || base64url::decode(&verifier).is_err() {
            return Err(TransactionError::Tampered);
        }
        let completed = Completed {
            nonce: text("nonce")?,
            verifier: PkceVerifier(verifier),
            return_path: ReturnPath::parse(&text("returnPath")?)
                .unwrap_or_else(|_| ReturnPath::home()),
            authority_tenant: text("authorityTenant")?,
        };
        let note = json::object! { "returnPath": completed.return_path.as_str(), "at": now };
        // Only a convenience for Back: a sign-in does not fail for want of it.
        let _ = self
            .storage
            .set(&format!("{DONE_PREFIX}{state}"), &json::to_string(&note));
        Ok(completed)
    }

    /// Why there is no record for `state`: a sign-in completed here within
    /// [`DONE_KEEP_SECONDS`], or none of ours.
    fn answered_before(&self, state: &str, now: i64) -> TransactionError {
        let note = self
            .storage
            .get(&format!("{DONE_PREFIX}{state}"))
            .and_then(|v| json::parse(v.as_bytes()).ok());
        let at = note.as_ref().and_then(|n| n.get("at")?.as_i64());
        let path = note
            .as_ref()
            .and_then(|n| n.get("returnPath")?.as_str().map(ReturnPath::parse));
        match (at, path) {
            (Some(at), Some(Ok(return_path))) if (0..=DONE_KEEP_SECONDS).contains(&(now - at)) => {
                TransactionError::AlreadyAnswered(return_path)
            }
            _ => TransactionError::UnknownState,
        }
    }

    /// Removes every sign-in record of this tab: a refused sign-in response ends the sign-in
    /// in flight here (its nonce, verifier and return path must not wait for the sweep).
    /// The interaction lock allows one interactive sign-in per tab at a time.
    pub fn discard_all(&self) {
        for key in self
            .storage
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(KEY_PREFIX))
        {
            self.storage.remove(&key);
        }
    }

    /// Removes records too old to complete, notes of sign-ins older than
    /// [`DONE_KEEP_SECONDS`], and any that cannot be read.
    pub fn sweep(&self, now: i64) {
        for key in self.storage.keys() {
            let (field, max_age) = if key.starts_with(KEY_PREFIX) {
                ("startedAt", MAX_AGE_SECONDS)
            } else if key.starts_with(DONE_PREFIX) {
                ("at", DONE_KEEP_SECONDS)
            } else {
                continue;
            };
            let at = self
                .storage
                .get(&key)
                .and_then(|v| json::parse(v.as_bytes()).ok())
                .and_then(|v| v.get(field).and_then(Value::as_i64));
            if at.is_none_or(|t| now - t > max_age) {
                self.storage.remove(&key);
            }
        }
    }
}

/// One interactive sign-in at a time, per storage (per tab for session storage).
#[derive(Debug)]
pub struct InteractionLock<S> {
    storage: S,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    #[error("a sign-in started {seconds_ago} s ago is still in progress")]
    InProgress { seconds_ago: i64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl<S: Storage> InteractionLock<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    /// Takes the lock, unless a fresh one is held. A stale or unreadable lock is replaced.
    pub fn acquire(&self, now: i64) -> Result<(), LockError> {
        let held_since = self
            .storage
            .get(LOCK_KEY)
            .and_then(|v| v.parse::<i64>().ok());
        if let Some(since) = held_since
            && (0..LOCK_STALE_SECONDS).contains(&(now - since))
        {
            return Err(LockError::InProgress {
                seconds_ago: now - since,
            });
        }
        self.storage.set(LOCK_KEY, &now.to_string())?;
        Ok(())
    }

    /// Called on every return to the app, success or not, so the lock never outlives the
    /// redirect it guarded.
    pub fn release(&self) {
        self.storage.remove(LOCK_KEY);
    }
}

#[cfg(test)]
mod tests {
    use super::super::storage::MemoryStorage;
    use super::*;

    const NOW: i64 = 1_800_000_000;

    /// RFC 7636, Appendix B.
    #[test]
    fn pkce_matches_the_rfc_7636_example() {
        let octets: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = PkceVerifier::from_bytes(&octets);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            crate::auth::signature::finished(verifier.challenge()).unwrap(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(format!("{verifier:?}"), "PkceVerifier(<redacted>)");
    }

    fn random(seed: u8) -> [u8; RANDOM_BYTES] {
        std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
    }

    fn begin(tx: &Transactions<MemoryStorage>, seed: u8) -> Redirect {
        tx.begin(
            &random(seed),
            &ReturnPath::parse("/t/x/i/h.example/twins").unwrap(),
            "organizations",
            NOW,
        )
        .unwrap()
    }

    #[test]
    fn a_sign_in_completes_once() {
        let storage = MemoryStorage::default();
        let tx = Transactions::new(storage.clone());
        let redirect = begin(&tx, 1);
        assert_eq!(redirect.state.len(), 43);
        assert_ne!(redirect.state, redirect.nonce);
        let done = tx.complete(Some(&redirect.state), NOW + 30).unwrap();
        assert_eq!(done.nonce, redirect.nonce);
        assert_eq!(done.verifier.secret(), redirect.verifier.secret());
        assert_eq!(done.return_path.as_str(), "/t/x/i/h.example/twins");
        assert_eq!(done.authority_tenant, "organizations");
        // Nothing secret is left behind: only the note that this state was answered.
        let keys = storage.keys();
        assert_eq!(keys, vec![format!("{DONE_PREFIX}{}", redirect.state)]);
        let note = storage.get(&keys[0]).unwrap();
        assert!(
            !note.contains(&redirect.nonce) && !note.contains(redirect.verifier.secret()),
            "{note}"
        );
        // The same answer again (Back to the identity platform's page) is never used again;
        // it is told apart from a forged one so the app can step on past it.
        let again = |at: i64| tx.complete(Some(&redirect.state), at).unwrap_err();
        assert_eq!(
            again(NOW + 31),
            TransactionError::AlreadyAnswered(ReturnPath::parse("/t/x/i/h.example/twins").unwrap())
        );
        assert_eq!(
            again(NOW + 30 + DONE_KEEP_SECONDS),
            TransactionError::AlreadyAnswered(ReturnPath::parse("/t/x/i/h.example/twins").unwrap())
        );
        // After a day the note is gone, and the answer is one nobody here knows.
        assert_eq!(
            again(NOW + 31 + DONE_KEEP_SECONDS),
            TransactionError::UnknownState
        );
        tx.sweep(NOW + 31 + DONE_KEEP_SECONDS);
        assert!(storage.keys().is_empty(), "the sweep takes old notes too");
    }

    #[test]
    fn forged_missing_and_expired_states_are_refused() {
        let storage = MemoryStorage::default();
        let tx = Transactions::new(storage.clone());
        let redirect = begin(&tx, 2);
        assert_eq!(
            tx.complete(None, NOW).unwrap_err(),
            TransactionError::MissingState
        );
        assert_eq!(
            tx.complete(Some(""), NOW).unwrap_err(),
            TransactionError::MissingState
        );
        assert_eq!(
            tx.complete(Some("forged"), NOW).unwrap_err(),
            TransactionError::UnknownState
        );
        assert_eq!(
            tx.complete(Some("../../x"), NOW).unwrap_err(),
            TransactionError::UnknownState
        );
        assert_eq!(
            tx.complete(Some(&redirect.state), NOW + MAX_AGE_SECONDS + 1)
                .unwrap_err(),
            TransactionError::Expired
        );
        assert!(
            storage.keys().is_empty(),
            "an expired record is consumed too"
        );
    }

    #[test]
    fn edited_storage_is_tampering_and_is_cleaned_up() {
        let storage = MemoryStorage::default();
        let tx = Transactions::new(storage.clone());
        for edit in [
            "not json".to_owned(),
            r#"{"nonce":"n"}"#.to_owned(),
            format!(
                r#"{{"nonce":"n","verifier":"short","returnPath":"/","authorityTenant":"organizations","startedAt":{NOW}}}"#
            ),
        ] {
            let redirect = begin(&tx, 3);
            storage
                .set(&format!("{KEY_PREFIX}{}", redirect.state), &edit)
                .unwrap();
            assert_eq!(
                tx.complete(Some(&redirect.state), NOW).unwrap_err(),
                TransactionError::Tampered,
                "{edit}"
            );
            assert!(storage.keys().is_empty());
        }
        // An off-site return path planted in storage does not fail the sign-in; it lands home.
        let redirect = begin(&tx, 4);
        let key = format!("{KEY_PREFIX}{}", redirect.state);
        let edited = storage
            .get(&key)
            .unwrap()
            .replace("/t/x/i/h.example/twins", "//evil.example");
        storage.set(&key, &edited).unwrap();
        assert_eq!(
            tx.complete(Some(&redirect.state), NOW).unwrap().return_path,
            ReturnPath::home()
        );
    }

    #[test]
    fn two_sign_ins_in_flight_do_not_disturb_each_other_and_old_ones_are_swept() {
        let storage = MemoryStorage::default();
        let tx = Transactions::new(storage.clone());
        let first = begin(&tx, 5);
        let second = begin(&tx, 6);
        assert!(tx.complete(Some(&second.state), NOW + 1).is_ok());
        assert!(tx.complete(Some(&first.state), NOW + 2).is_ok());
        let abandoned = begin(&tx, 7);
        tx.sweep(NOW + MAX_AGE_SECONDS + 1);
        assert!(
            storage.keys().iter().all(|k| k.starts_with(DONE_PREFIX)),
            "{:?}",
            storage.keys()
        );
        assert_eq!(
            tx.complete(Some(&abandoned.state), NOW + 1).unwrap_err(),
            TransactionError::UnknownState
        );
    }

    #[test]
    fn the_interaction_lock_cannot_get_stuck() {
        let lock = InteractionLock::new(MemoryStorage::default());
        lock.acquire(NOW).unwrap();
        assert_eq!(
            lock.acquire(NOW + 5),
            Err(LockError::InProgress { seconds_ago: 5 })
        );
        lock.release();
        lock.acquire(NOW + 6).unwrap();
        // Abandoned (the tab never came back): stale after LOCK_STALE_SECONDS.
        lock.acquire(NOW + 6 + LOCK_STALE_SECONDS).unwrap();
        // A lock from the future (clock change or edited storage) is not trusted either.
        let storage = MemoryStorage::default();
        storage.set(LOCK_KEY, &(NOW + 3600).to_string()).unwrap();
        InteractionLock::new(storage.clone()).acquire(NOW).unwrap();
        storage.set(LOCK_KEY, "garbage").unwrap();
        InteractionLock::new(storage).acquire(NOW).unwrap();
    }
}
