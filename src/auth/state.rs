//! The auth state the UI renders, as data: one value at a time, with an explicit
//! "resolving" state so nothing flickers between "signed out" and "signed in" while a
//! redirect response is being exchanged.

use super::accounts::Account;
use super::client::AuthError;

/// How long before the 24-hour session ends the UI offers to sign in again.
pub const SESSION_WARNING_SECONDS: i64 = 60 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Reading storage or exchanging a code: show neither the sign-in button nor data.
    Resolving,
    /// No account; `problem` explains why the last attempt failed, if it did.
    SignedOut { problem: Option<AuthError> },
    SignedIn {
        account: Account,
        /// Every signed-in account (the menu lists them), the active one included.
        others: Vec<Account>,
        /// When the 24-hour SPA session ends (seconds since the epoch).
        session_ends_at: Option<i64>,
    },
}

/// What the UI should say about the session's remaining time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionNotice {
    None,
    /// Ends within [`SESSION_WARNING_SECONDS`]: offer a re-sign-in now.
    EndingSoon {
        minutes_left: i64,
    },
    Ended,
}

impl AuthState {
    pub fn account(&self) -> Option<&Account> {
        match self {
            Self::SignedIn { account, .. } => Some(account),
            _ => None,
        }
    }

    pub fn notice(&self, now: i64) -> SessionNotice {
        let Self::SignedIn {
            session_ends_at: Some(ends),
            ..
        } = self
        else {
            return SessionNotice::None;
        };
        let left = ends - now;
        if left <= 0 {
            SessionNotice::Ended
        } else if left <= SESSION_WARNING_SECONDS {
            SessionNotice::EndingSoon {
                minutes_left: (left + 59) / 60,
            }
        } else {
            SessionNotice::None
        }
    }
}

/// The state after storage has been read: the active account, or signed out.
pub fn from_accounts(
    active: Option<Account>,
    all: Vec<Account>,
    session_ends_at: impl Fn(&Account) -> Option<i64>,
) -> AuthState {
    match active {
        Some(account) => AuthState::SignedIn {
            session_ends_at: session_ends_at(&account),
            others: all,
            account,
        },
        None => AuthState::SignedOut { problem: None },
    }
}

#[cfg(test)]
mod tests {
    use super::super::cache::HomeAccountId;
    use super::*;
    use crate::ids::TenantId;

    fn account() -> Account {
        let t = TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap();
        Account::new(HomeAccountId::new("a", &t), t, "u".into(), "n".into())
    }

    #[test]
    fn the_session_notice_follows_the_clock() {
        let state = from_accounts(Some(account()), vec![account()], |_| Some(10_000));
        assert_eq!(state.notice(10_000 - 2 * 3600), SessionNotice::None);
        assert_eq!(
            state.notice(10_000 - 30 * 60),
            SessionNotice::EndingSoon { minutes_left: 30 }
        );
        assert_eq!(state.notice(10_000), SessionNotice::Ended);
        assert_eq!(AuthState::Resolving.notice(0), SessionNotice::None);
        assert_eq!(
            from_accounts(None, vec![], |_| None),
            AuthState::SignedOut { problem: None }
        );
    }
}
