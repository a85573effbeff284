//! Admin consent: the onboarding page's "Approve twinscope for the organisation" link, and
//! what the identity platform sends back to the redirect URI afterwards.
//!
//! The link carries a `state` of its own (`consent.` + 128 random bits, never a sign-in
//! state, which has no `.`), recorded in shared storage with the tenant segment it asked
//! for. The answer is `admin_consent=True&tenant=…` or an error redirect (`error=access_denied`,
//! `AADSTS90094` when the account is not an administrator; Entra ID names the tenant in that
//! description). It carries no code and no token, so it is never a sign-in response: it is
//! read here, before the sign-in response parser (which would refuse a `state` with neither
//! code nor error).
//!
//! Trust: only an answer whose `state` matches a request recorded in this browser gets its
//! organisation's name from the error description; any other (a link sent to an
//! administrator who opens it elsewhere, or a crafted address) is judged by its AADSTS code
//! alone, so a crafted address cannot put words of its choosing on the page.

use serde_json::Value;

use super::base64url;
use super::errors::aadsts_code;
use super::storage::{Storage, StorageError};
use crate::ids::TenantId;
use crate::json;

/// Every admin-consent `state` starts so; sign-in states are base64url without dots.
pub const STATE_PREFIX: &str = "consent.";
/// Records in storage: `twinscope.consent.{state}`.
const KEY_PREFIX: &str = "twinscope.consent.";
/// How long an approval may take (an administrator may have to find their password).
pub const MAX_AGE_SECONDS: i64 = 60 * 60;
/// Records kept at most; the oldest go first.
pub const MAX_RECORDS: usize = 10;
/// Longest organisation name taken from a description.
pub const MAX_NAME_CHARS: usize = 120;

/// What came back from the admin-consent endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentOutcome {
    /// An administrator approved twinscope for `tenant`.
    Granted { tenant: Option<TenantId> },
    /// Nothing was approved, and why.
    Refused(ConsentRefusal),
}

/// Why an approval did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentRefusal {
    /// The account used is not an administrator there (AADSTS90094, 90093, 65001).
    #[error(
        "an administrator of {} has to approve twinscope; the account you used cannot approve it for the organisation",
        .organisation.as_deref().unwrap_or("your organisation")
    )]
    NotAnAdministrator {
        organisation: Option<String>,
        code: Option<u32>,
    },
    /// The person at the identity platform said no (AADSTS65004, or `error_subcode=cancel`).
    #[error("the approval was cancelled; nothing was approved")]
    Declined,
    /// Anything else: the platform's code, and its words when the request was ours.
    #[error("the approval did not go through ({error}{})", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Other {
        error: String,
        description: Option<String>,
    },
}

/// The admin-consent requests started in this browser.
#[derive(Debug)]
pub struct ConsentRequests<S> {
    storage: S,
}

/// A recorded request, taken back out when its answer arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// The tenant segment the link named: a GUID, or `organizations`.
    pub tenant_segment: String,
    pub started_at: i64,
}

impl<S: Storage> ConsentRequests<S> {
    pub fn new(storage: S) -> Self {
        Self { storage }
    }

    /// Records a request for `tenant_segment` and returns its `state`. Expired records are
    /// swept and at most [`MAX_RECORDS`] are kept.
    pub fn begin(
        &self,
        random: &[u8; 16],
        tenant_segment: &str,
        now: i64,
    ) -> Result<String, StorageError> {
        self.sweep(now);
        let state = format!("{STATE_PREFIX}{}", base64url::encode(random));
        let record = json::object! { "tenant": tenant_segment, "startedAt": now };
        self.storage
            .set(&format!("{KEY_PREFIX}{state}"), &json::to_string(&record))?;
        Ok(state)
    }

    /// Takes the request of `state` out of storage (once); `None` when unknown, expired or
    /// unreadable.
    pub fn take(&self, state: &str, now: i64) -> Option<ConsentRequest> {
        if !state.starts_with(STATE_PREFIX) || state.len() > 64 {
            return None;
        }
        let key = format!("{KEY_PREFIX}{state}");
        let stored = self.storage.get(&key)?;
        self.storage.remove(&key);
        let record: Value = json::parse(stored.as_bytes()).ok()?;
        let request = ConsentRequest {
            tenant_segment: record.get("tenant")?.as_str()?.to_owned(),
            started_at: record.get("startedAt")?.as_i64()?,
        };
        let fresh = now - request.started_at <= MAX_AGE_SECONDS && request.started_at <= now + 60;
        fresh.then_some(request)
    }

    fn records(&self) -> Vec<(String, Option<i64>)> {
        self.storage
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(KEY_PREFIX))
            .map(|k| {
                let started = self
                    .storage
                    .get(&k)
                    .and_then(|v| json::parse(v.as_bytes()).ok())
                    .and_then(|v| v.get("startedAt").and_then(Value::as_i64));
                (k, started)
            })
            .collect()
    }

    /// Drops expired and unreadable records, then the oldest beyond `MAX_RECORDS - 1` (room
    /// for the one being added).
    fn sweep(&self, now: i64) {
        let mut live = Vec::new();
        for (key, started) in self.records() {
            match started {
                Some(t) if now - t <= MAX_AGE_SECONDS => live.push((t, key)),
                _ => self.storage.remove(&key),
            }
        }
        live.sort();
        let excess = live.len().saturating_sub(MAX_RECORDS - 1);
        for (_, key) in live.into_iter().take(excess) {
            self.storage.remove(&key);
        }
    }
}

/// The parameters of an admin-consent answer, as they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentAnswer {
    pub admin_consent: Option<String>,
    pub tenant: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_subcode: Option<String>,
}

/// The admin-consent answer in a query or fragment, if this is one: it has `admin_consent`,
/// or a `state` that starts with [`STATE_PREFIX`]. Repeated or undecodable parameters make
/// it no answer at all (the sign-in parser then refuses the address).
pub fn parse(raw: &str) -> Option<ConsentAnswer> {
    let raw = raw.strip_prefix(['?', '#']).unwrap_or(raw);
    if raw.len() > super::response::MAX_LEN {
        return None;
    }
    let mut answer = ConsentAnswer::default();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "admin_consent" => &mut answer.admin_consent,
            "tenant" => &mut answer.tenant,
            "state" => &mut answer.state,
            "error" => &mut answer.error,
            "error_description" => &mut answer.error_description,
            "error_subcode" => &mut answer.error_subcode,
            _ => continue,
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(decode(value)?);
    }
    let ours = answer
        .state
        .as_deref()
        .is_some_and(|s| s.starts_with(STATE_PREFIX));
    (answer.admin_consent.is_some() || ours).then_some(answer)
}

/// What an answer means. `request`: the recorded request its `state` matched, if any (only
/// then is the description trusted for the organisation's name). `known_name`: the
/// organisation's name when the request named a tenant whose name twinscope already knows.
pub fn outcome(
    answer: &ConsentAnswer,
    request: Option<&ConsentRequest>,
    known_name: Option<String>,
) -> ConsentOutcome {
    let granted = answer
        .admin_consent
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let Some(error) = answer.error.clone().filter(|_| !granted) else {
        return if granted {
            ConsentOutcome::Granted {
                tenant: answer
                    .tenant
                    .as_deref()
                    .and_then(|t| TenantId::parse(t).ok()),
            }
        } else {
            ConsentOutcome::Refused(ConsentRefusal::Other {
                error: "no_consent".to_owned(),
                description: None,
            })
        };
    };
    let description = answer.error_description.clone().unwrap_or_default();
    let code = aadsts_code(&description);
    let trusted = request.is_some();
    let refusal = match code {
        Some(90094 | 90093 | 65001) => ConsentRefusal::NotAnAdministrator {
            organisation: known_name
                .or_else(|| trusted.then(|| organisation_in(&description)).flatten()),
            code,
        },
        Some(65004) => ConsentRefusal::Declined,
        _ if answer.error_subcode.as_deref() == Some("cancel") => ConsentRefusal::Declined,
        _ => ConsentRefusal::Other {
            error: code.map_or_else(|| clean(&error, 40), |c| format!("AADSTS{c}")),
            description: trusted
                .then(|| clean(&description, 400))
                .filter(|d| !d.is_empty()),
        },
    };
    ConsentOutcome::Refused(refusal)
}

/// The organisation Entra ID names in AADSTS90094: "An administrator of {name} has set a
/// policy…". At most [`MAX_NAME_CHARS`] characters, control characters removed.
pub fn organisation_in(description: &str) -> Option<String> {
    let start = description.find("An administrator of ")? + "An administrator of ".len();
    let rest = &description[start..];
    let end = rest.find(" has ")?;
    let name = clean(&rest[..end], MAX_NAME_CHARS);
    (!name.is_empty()).then_some(name)
}

/// `text` without control characters, trimmed, at most `max` characters.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `application/x-www-form-urlencoded` value decoding; `None` for bad escapes or UTF-8.
fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::super::storage::MemoryStorage;
    use super::*;

    const NORTHWIND: &str = "78a7b6ec-07a9-4ba3-bb89-a447861cace4";
    const REFUSAL: &str = "?error=access_denied&error_description=AADSTS90094%3A+An+administrator+of+Northwind+Traders+has+set+a+policy+that+prevents+you+from+granting+twinscope+the+permissions+it+is+requesting.&error_uri=https%3A%2F%2Flogin.microsoftonline.com%2Ferror%3Fcode%3D90094";

    fn with_state(raw: &str, state: &str) -> String {
        format!("{raw}&state={state}")
    }

    #[test]
    fn a_non_administrator_is_told_which_organisation_must_approve() {
        let requests = ConsentRequests::new(MemoryStorage::default());
        let state = requests.begin(&[7; 16], "organizations", 1_000).unwrap();
        assert!(state.starts_with(STATE_PREFIX) && !state[STATE_PREFIX.len()..].contains('.'));
        let answer = parse(&with_state(REFUSAL, &state)).expect("an admin-consent answer");
        let request = requests.take(&state, 1_100);
        assert!(request.is_some());
        let outcome = outcome(&answer, request.as_ref(), None);
        let ConsentOutcome::Refused(refusal) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            refusal,
            ConsentRefusal::NotAnAdministrator {
                organisation: Some("Northwind Traders".into()),
                code: Some(90094)
            }
        );
        assert!(
            refusal
                .to_string()
                .starts_with("an administrator of Northwind Traders has to approve twinscope")
        );
        assert_eq!(requests.take(&state, 1_100), None, "used once");
    }

    #[test]
    fn a_known_name_wins_and_an_unknown_request_never_shows_the_description() {
        let answer = parse(&with_state(REFUSAL, "consent.forged")).unwrap();
        assert_eq!(
            outcome(&answer, None, None),
            ConsentOutcome::Refused(ConsentRefusal::NotAnAdministrator {
                organisation: None,
                code: Some(90094)
            }),
            "a crafted address cannot name the organisation"
        );
        let request = ConsentRequest {
            tenant_segment: NORTHWIND.into(),
            started_at: 0,
        };
        assert_eq!(
            outcome(&answer, Some(&request), Some("Northwind".into())),
            ConsentOutcome::Refused(ConsentRefusal::NotAnAdministrator {
                organisation: Some("Northwind".into()),
                code: Some(90094)
            })
        );
        let other = parse(
            "?error=server_error&error_description=AADSTS90099%3A+Call+0800+now&state=consent.x",
        )
        .unwrap();
        assert_eq!(
            outcome(&other, None, None),
            ConsentOutcome::Refused(ConsentRefusal::Other {
                error: "AADSTS90099".into(),
                description: None
            })
        );
    }

    #[test]
    fn approvals_and_cancellations_are_read() {
        let granted = parse(&format!(
            "?admin_consent=True&tenant={NORTHWIND}&scope=x&state=consent.abc"
        ))
        .unwrap();
        assert_eq!(
            outcome(&granted, None, None),
            ConsentOutcome::Granted {
                tenant: Some(TenantId::parse(NORTHWIND).unwrap())
            }
        );
        // An administrator elsewhere opened a link that carried no state at all.
        assert!(parse("?admin_consent=True&tenant=nope").is_some());
        let cancelled = parse("?error=access_denied&error_subcode=cancel&state=consent.a").unwrap();
        assert_eq!(
            outcome(&cancelled, None, None),
            ConsentOutcome::Refused(ConsentRefusal::Declined)
        );
        let declined =
            parse("?error=access_denied&error_description=AADSTS65004%3A+declined&state=consent.a")
                .unwrap();
        assert_eq!(
            outcome(&declined, None, None),
            ConsentOutcome::Refused(ConsentRefusal::Declined)
        );
    }

    #[test]
    fn sign_in_responses_and_ordinary_addresses_are_not_consent_answers() {
        for raw in [
            "",
            "?q=SELECT",
            "#code=abc&state=Zm9v",
            "?error=access_denied&state=Zm9v",
            "?error=access_denied",
            "?admin_consent=True&admin_consent=False",
            "?state=consent.%zz",
        ] {
            assert_eq!(parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn requests_expire_and_are_bounded() {
        let storage = MemoryStorage::default();
        let requests = ConsentRequests::new(storage.clone());
        let old = requests.begin(&[1; 16], "organizations", 0).unwrap();
        assert_eq!(requests.take(&old, MAX_AGE_SECONDS + 1), None, "expired");
        for i in 0..(MAX_RECORDS as u8 + 5) {
            requests
                .begin(&[i; 16], "organizations", 10 + i64::from(i))
                .unwrap();
        }
        let kept = storage
            .keys()
            .into_iter()
            .filter(|k| k.starts_with(KEY_PREFIX))
            .count();
        assert_eq!(kept, MAX_RECORDS);
        assert_eq!(requests.take("Zm9vYmFy", 20), None, "not a consent state");
    }

    #[test]
    fn names_come_from_entra_wording_only_and_are_bounded() {
        assert_eq!(
            organisation_in(
                "AADSTS90094: An administrator of Contoso Ltd has set a policy that prevents you…"
            )
            .as_deref(),
            Some("Contoso Ltd")
        );
        assert_eq!(
            organisation_in("AADSTS90094: The grant requires admin permission."),
            None
        );
        let long = format!("An administrator of {} has set", "x".repeat(500));
        assert_eq!(
            organisation_in(&long).unwrap().chars().count(),
            MAX_NAME_CHARS
        );
        assert_eq!(
            organisation_in("An administrator of A\u{7}B has set").as_deref(),
            Some("AB")
        );
    }
}
