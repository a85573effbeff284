//! The auth client against the identity emulator, in process: the real protocol, with the
//! browser's parts (fetch, storage, clock, CSPRNG) replaced by native fakes that count.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use std::rc::Rc;

use crate::support::{ADT, ARM, CONTOSO, FABRIKAM, Fixture, NORTHWIND};
use twinscope::auth::client::{AuthError, InteractionReason, SignInOptions};
use twinscope::auth::errors::SignInError;
use twinscope::auth::transaction::TransactionError;
use twinscope::ids::TenantId;

fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_contoso_user_signs_in_and_lands_where_they_started() {
    let f = Fixture::start().await;
    let url = f
        .client
        .begin_sign_in(SignInOptions {
            return_path: Some(
                twinscope::auth::return_path::ReturnPath::parse("/t/x/i/h/twins?q=1").unwrap(),
            ),
            ..SignInOptions::default()
        })
        .await
        .unwrap();
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("nonce="),
        "{url}"
    );
    assert!(
        url.contains("/organizations/oauth2/v2.0/authorize"),
        "{url}"
    );
    let fragment = f
        .browser_sign_in(&url, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let signed_in = f.client.complete_sign_in(&fragment).await.unwrap().unwrap();
    assert_eq!(signed_in.return_path.as_str(), "/t/x/i/h/twins?q=1");
    assert_eq!(signed_in.account.username, "adele@contoso.onmicrosoft.com");
    assert_eq!(signed_in.account.home_tenant, tenant(CONTOSO));
    let profile = signed_in.account.profile(&tenant(CONTOSO)).unwrap();
    assert!(profile.roles.can_write() && !profile.roles.can_manage_models());
    // The code exchange also granted the ARM token: no further request is needed for it.
    let before = f.requests();
    let arm = f.silent(&signed_in.account, CONTOSO, ARM).await.unwrap();
    assert_eq!(f.requests(), before, "the ARM token came with the sign-in");
    assert_eq!(
        support::claim(arm.secret.expose(), "aud"),
        "https://management.azure.com"
    );
    // The response is consumed once: the same URL again (Back to the identity platform's
    // page answers it again) is refused, told apart from a forged one by where it went.
    let before = f.requests();
    let replay = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert_eq!(
        replay,
        AuthError::Transaction(TransactionError::AlreadyAnswered(
            signed_in.return_path.clone()
        ))
    );
    assert_eq!(f.requests(), before, "nothing is exchanged again");
}

#[tokio::test(flavor = "current_thread")]
async fn a_guest_gets_a_fabrikam_issued_adt_token_without_a_password() {
    let f = Fixture::start().await;
    let account = f
        .sign_in("megan@contoso.onmicrosoft.com", "Megan-dev-1")
        .await;
    let before = f.token_requests();
    let token = f.silent(&account, FABRIKAM, ADT).await.unwrap();
    assert_eq!(
        f.token_requests(),
        before + 1,
        "one refresh-token grant, no sign-in page"
    );
    assert_eq!(support::claim(token.secret.expose(), "tid"), FABRIKAM);
    assert_eq!(
        support::claim(token.secret.expose(), "aud"),
        "https://digitaltwins.azure.net"
    );
    assert_eq!(
        f.last_token_endpoint().unwrap(),
        format!("/{FABRIKAM}/oauth2/v2.0/token")
    );
    // Roles come from Fabrikam's own ID token: a Reader at home, a Writer there.
    let account = f.client.accounts().pop().unwrap();
    assert!(!account.profile(&tenant(CONTOSO)).unwrap().roles.can_write());
    assert!(
        account
            .profile(&tenant(FABRIKAM))
            .unwrap()
            .roles
            .can_write()
    );
    // A Contoso ADT token is a different token from Contoso.
    let home = f.silent(&account, CONTOSO, ADT).await.unwrap();
    assert_eq!(support::claim(home.secret.expose(), "tid"), CONTOSO);
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_silent_requests_share_one_network_call() {
    let f = Fixture::start().await;
    let account = f
        .sign_in("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let before = f.token_requests();
    let calls = (0..8).map(|_| f.silent(&account, CONTOSO, ADT));
    let tokens = futures::future::join_all(calls).await;
    assert_eq!(f.token_requests(), before + 1, "eight callers, one request");
    let first = tokens[0].as_ref().unwrap().secret.expose().to_owned();
    assert!(
        tokens
            .iter()
            .all(|t| t.as_ref().unwrap().secret.expose() == first)
    );
    // And the next call is served from the cache.
    f.silent(&account, CONTOSO, ADT).await.unwrap();
    assert_eq!(f.token_requests(), before + 1);
}

#[tokio::test(flavor = "current_thread")]
async fn after_24_hours_the_user_must_sign_in_again() {
    let f = Fixture::start().await;
    let account = f
        .sign_in("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let ends = f.client.session_ends_at(&account.home).unwrap();
    assert!((ends - f.emulator.state().clock.now() - 24 * 3600).abs() < 5);
    f.silent(&account, CONTOSO, ADT).await.unwrap();
    f.emulator.state().clock.advance(24 * 3600 + 60);
    let err = f.silent(&account, CONTOSO, ADT).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::InteractionRequired(InteractionReason::SessionExpired)
    );
    assert_eq!(f.client.session_ends_at(&account.home), None);
}

#[tokio::test(flavor = "current_thread")]
async fn an_expired_refresh_token_at_the_server_signs_the_account_out_locally() {
    let f = Fixture::start().await;
    let account = f
        .sign_in("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    assert!(
        f.emulator
            .identity()
            .revoke_sessions("adele@contoso.onmicrosoft.com")
    );
    let err = f.silent(&account, CONTOSO, ADT).await.unwrap_err();
    assert!(matches!(err, AuthError::SignIn(_)), "{err:?}");
    assert_eq!(
        f.client.session_ends_at(&account.home),
        None,
        "the dead refresh token is gone"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_northwind_user_is_told_an_admin_must_consent() {
    let f = Fixture::start().await;
    let url = f
        .client
        .begin_sign_in(SignInOptions::default())
        .await
        .unwrap();
    let fragment = f
        .browser_sign_in(&url, "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    let err = f.client.complete_sign_in(&fragment).await.unwrap_err();
    assert!(
        matches!(err, AuthError::SignIn(SignInError::ConsentRequired { .. })),
        "{err:?}"
    );
    // The lock is released: a new sign-in can start at once.
    f.client
        .begin_sign_in(SignInOptions::default())
        .await
        .unwrap();
    let _ = NORTHWIND;
}

#[tokio::test(flavor = "current_thread")]
async fn a_forged_state_is_refused_and_nothing_is_exchanged() {
    let f = Fixture::start().await;
    let url = f
        .client
        .begin_sign_in(SignInOptions::default())
        .await
        .unwrap();
    let fragment = f
        .browser_sign_in(&url, "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let forged = support::replace_param(&fragment, "state", "forged-state-value");
    let before = f.token_requests();
    let err = f.client.complete_sign_in(&forged).await.unwrap_err();
    assert_eq!(err, AuthError::Transaction(TransactionError::UnknownState));
    assert_eq!(
        f.token_requests(),
        before,
        "no code exchange for a forged state"
    );
    assert!(f.client.accounts().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn discovery_is_kept_across_reloads_and_refreshed_on_key_rotation() {
    let f = Fixture::start().await;
    f.sign_in("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    let discovery_calls = f.discovery_requests();
    assert_eq!(discovery_calls, 2, "metadata and keys, once");
    // A "reload": a new client over the same storages.
    let reloaded = f.reload();
    reloaded.discovered(false).await.unwrap();
    assert_eq!(f.discovery_requests(), 2, "nothing fetched again");
    // The platform rotates its key; the next sign-in's ID token names the new key.
    f.emulator.identity().rotate_keys();
    let url = reloaded
        .begin_sign_in(SignInOptions::default())
        .await
        .unwrap();
    let fragment = f
        .browser_sign_in(&url, "alex@contoso.onmicrosoft.com", "Alex-dev-1")
        .await;
    reloaded.complete_sign_in(&fragment).await.unwrap().unwrap();
    assert_eq!(
        f.discovery_requests(),
        4,
        "metadata and keys fetched again, once"
    );
    assert_eq!(reloaded.accounts().len(), 2, "both accounts are kept");
    let _ = Rc::strong_count(&reloaded);
}

// ---- issue #15: answers that are not a signed-in user --------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn a_refused_sign_in_still_knows_the_page_it_was_going_to() {
    let f = Fixture::start().await;
    let deep = twinscope::auth::return_path::ReturnPath::parse("/t/x/i/h/twins?q=1").unwrap();
    let url = f
        .client
        .begin_sign_in(SignInOptions {
            return_path: Some(deep.clone()),
            ..SignInOptions::default()
        })
        .await
        .unwrap();
    // Northwind has not approved twinscope: the platform answers with an error, our state.
    let fragment = f
        .browser_sign_in(&url, "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    let failure = f.client.finish_sign_in(&fragment).await.unwrap_err();
    assert!(
        matches!(
            failure.error,
            AuthError::SignIn(SignInError::ConsentRequired { .. })
        ),
        "{failure:?}"
    );
    assert_eq!(
        failure.return_path,
        Some(deep),
        "back to the deep link, not the start page"
    );
    // A response that is not ours knows no destination.
    let forged = support::replace_param(&fragment, "state", "forged");
    let failure = f.client.finish_sign_in(&forged).await.unwrap_err();
    assert_eq!(failure.return_path, None);
    assert_eq!(
        failure.error,
        AuthError::Transaction(TransactionError::UnknownState)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_non_administrators_approval_names_the_organisation_that_must_approve() {
    use twinscope::auth::admin_consent::{ConsentOutcome, ConsentRefusal};
    let f = Fixture::start().await;
    let link = f.client.admin_consent_link("organizations").unwrap();
    assert!(link.contains("/organizations/v2.0/adminconsent?"), "{link}");
    assert!(link.contains("&state=consent."), "{link}");
    let back = f
        .browser_redirect(&link, "lynne@northwind.onmicrosoft.com", "Lynne-dev-1")
        .await;
    let query = &back[back.find('?').expect("an answer in the query")..];
    assert!(query.contains("error=access_denied"), "{query}");
    // Not a sign-in response, and never read as one.
    assert_eq!(
        f.client.read_admin_consent(query, |_| None),
        Some(ConsentOutcome::Refused(
            ConsentRefusal::NotAnAdministrator {
                organisation: Some("Northwind Traders".into()),
                code: Some(90094),
            }
        ))
    );
    // Its state is used up: the same address again is judged by its code alone.
    assert_eq!(
        f.client.read_admin_consent(query, |_| None),
        Some(ConsentOutcome::Refused(
            ConsentRefusal::NotAnAdministrator {
                organisation: None,
                code: Some(90094),
            }
        ))
    );
    // An administrator approves.
    let link = f.client.admin_consent_link(NORTHWIND).unwrap();
    let back = f
        .browser_redirect(&link, "nestor@northwind.onmicrosoft.com", "Nestor-dev-1")
        .await;
    let query = &back[back.find('?').unwrap()..];
    assert_eq!(
        f.client
            .read_admin_consent(query, |_| Some("Northwind".into())),
        Some(ConsentOutcome::Granted {
            tenant: Some(tenant(NORTHWIND))
        })
    );
    assert_eq!(f.client.read_admin_consent("?q=SELECT", |_| None), None);
}
