//! The auth client's native test fixture: an in-process identity emulator, the auth client
//! over memory storage, an HTTP closure that records every request, and a scripted
//! "browser" that fills in the emulator's sign-in page.
#![allow(dead_code)]

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use base64::Engine;
use rand::RngCore;
use twinscope::auth::accounts::Account;
use twinscope::auth::cache::ScopeSet;
use twinscope::auth::client::{AccessToken, AuthClient, AuthError, Environment, SignInOptions};
use twinscope::auth::http::{HttpRequest, HttpResponse, NetworkError, ResponseFuture};
use twinscope::auth::storage::{MemoryStorage, Storage};
use twinscope::config::RuntimeConfig;
use twinscope::ids::TenantId;
use twinscope_emulator::{Options, RunningEmulator};

pub const CLIENT_ID: &str = "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13";
/// Registered in the seed directory as a SPA redirect URI.
pub const APP_ORIGIN: &str = "http://localhost:8080";
pub const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
pub const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";
pub const NORTHWIND: &str = "78a7b6ec-07a9-4ba3-bb89-a447861cace4";
pub const ADT: &str = "https://digitaltwins.azure.net/.default";
pub const ARM: &str = "https://management.azure.com/user_impersonation";

pub struct Fixture {
    pub emulator: RunningEmulator,
    pub client: Rc<AuthClient>,
    env: Environment,
    config: RuntimeConfig,
    log: Rc<RefCell<Vec<String>>>,
}

impl Fixture {
    pub async fn start() -> Self {
        let emulator = twinscope_emulator::start(Options::default())
            .await
            .expect("emulator starts");
        let base = emulator.base_url().to_owned();
        let config = RuntimeConfig::from_json(
            &serde_json::json!({
                "clientId": CLIENT_ID,
                "authority": format!("{base}/organizations"),
                "armEndpoint": base,
            })
            .to_string(),
            APP_ORIGIN,
        )
        .expect("valid config");
        let log = Rc::new(RefCell::new(Vec::new()));
        let clock = emulator.state().clock.clone();
        let env = Environment {
            http: recording_http(log.clone()),
            now: Rc::new(move || clock.now()),
            random: Rc::new(|buf: &mut [u8]| rand::thread_rng().fill_bytes(buf)),
            tokens: Rc::new(MemoryStorage::default()) as Rc<dyn Storage>,
            session: Rc::new(MemoryStorage::default()) as Rc<dyn Storage>,
            shared: Rc::new(MemoryStorage::default()) as Rc<dyn Storage>,
        };
        let client = AuthClient::new(config.clone(), env.clone());
        Self {
            emulator,
            client,
            env,
            config,
            log,
        }
    }

    /// A new client over the same storages: what a page reload sees.
    pub fn reload(&self) -> Rc<AuthClient> {
        AuthClient::new(self.config.clone(), self.env.clone())
    }

    /// This tab's sign-in records (what `sessionStorage` holds in the browser), for tests
    /// that clear or edit it between the redirect and the return.
    pub fn session_storage(&self) -> Rc<dyn Storage> {
        self.env.session.clone()
    }

    /// The token cache's storage.
    pub fn token_storage(&self) -> Rc<dyn Storage> {
        self.env.tokens.clone()
    }

    pub fn requests(&self) -> usize {
        self.log.borrow().len()
    }

    pub fn token_requests(&self) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|p| p.ends_with("/oauth2/v2.0/token"))
            .count()
    }

    pub fn discovery_requests(&self) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|p| p.contains("openid-configuration") || p.ends_with("/keys"))
            .count()
    }

    pub fn last_token_endpoint(&self) -> Option<String> {
        self.log
            .borrow()
            .iter()
            .rev()
            .find(|p| p.ends_with("/token"))
            .cloned()
    }

    /// The whole interactive round trip: authorize URL → sign-in page → the fragment the
    /// identity platform redirects back with.
    pub async fn browser_sign_in(&self, authorize_url: &str, upn: &str, password: &str) -> String {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = browser.get(authorize_url).send().await.unwrap();
        if page.status().is_redirection() {
            return fragment_of(&page);
        }
        assert_eq!(page.status(), 200, "the sign-in page");
        let html = page.text().await.unwrap();
        let (action, mut fields) = credentials_form(&html);
        fields.retain(|(k, _)| k != "login" && k != "passwd");
        fields.push(("login".into(), upn.into()));
        fields.push(("passwd".into(), password.into()));
        let base = self.emulator.base_url();
        let answer = browser
            .post(format!("{base}{action}"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
        fragment_of(&answer)
    }

    /// Like [`Fixture::browser_sign_in`] for any page of the identity platform that shows
    /// the sign-in form (authorize, admin consent): the whole address it redirects back to.
    pub async fn browser_redirect(&self, url: &str, upn: &str, password: &str) -> String {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = browser.get(url).send().await.unwrap();
        assert_eq!(page.status(), 200, "the sign-in page");
        let html = page.text().await.unwrap();
        let (action, mut fields) = credentials_form(&html);
        fields.retain(|(k, _)| k != "login" && k != "passwd");
        fields.push(("login".into(), upn.into()));
        fields.push(("passwd".into(), password.into()));
        let base = self.emulator.base_url();
        let answer = browser
            .post(format!("{base}{action}"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(APP_ORIGIN), "redirected to {location}");
        location
    }

    pub async fn sign_in(&self, upn: &str, password: &str) -> Account {
        let url = self
            .client
            .begin_sign_in(SignInOptions::default())
            .await
            .unwrap();
        let fragment = self.browser_sign_in(&url, upn, password).await;
        self.client
            .complete_sign_in(&fragment)
            .await
            .expect("sign-in completes")
            .expect("the URL was a sign-in response")
            .account
    }

    pub fn silent(
        &self,
        account: &Account,
        tenant: &str,
        scope: &str,
    ) -> impl Future<Output = Result<AccessToken, AuthError>> + use<> {
        let client = self.client.clone();
        let home = account.home.clone();
        let tenant = TenantId::parse(tenant).unwrap();
        let scopes = ScopeSet::new([scope]);
        async move { client.acquire_token_silent(&home, &tenant, &scopes).await }
    }
}

fn fragment_of(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(APP_ORIGIN), "redirected to {location}");
    let at = location
        .find('#')
        .unwrap_or_else(|| panic!("no fragment in {location}"));
    location[at..].to_owned()
}

fn credentials_form(html: &str) -> (String, Vec<(String, String)>) {
    let form = html
        .split("<form")
        .skip(1)
        .find(|f| {
            f.split('>')
                .next()
                .unwrap_or("")
                .contains("id=\"credentials\"")
        })
        .expect("credentials form");
    let form = &form[..form.find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let needle = format!(" {name}=\"");
        let start = tag.find(&needle)? + needle.len();
        let end = tag[start..].find('"')? + start;
        Some(
            tag[start..end]
                .replace("&amp;", "&")
                .replace("&quot;", "\""),
        )
    };
    let open = &form[..form.find('>').unwrap()];
    let action = attr(open, "action").unwrap();
    let fields = form
        .split("<input")
        .skip(1)
        .filter_map(|i| {
            let tag = &i[..i.find('>')?];
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect();
    (action, fields)
}

/// Sends requests as a browser would from the app's origin (the token endpoint's CORS
/// needs `Origin`), and records each request's path.
fn recording_http(log: Rc<RefCell<Vec<String>>>) -> twinscope::auth::http::HttpClient {
    let client = reqwest::Client::new();
    Rc::new(move |request: HttpRequest| -> ResponseFuture {
        let client = client.clone();
        let log = log.clone();
        Box::pin(async move {
            let described = twinscope::auth::http::describe_request(&request);
            let url = reqwest::Url::parse(&request.url).expect("the auth core sends absolute URLs");
            log.borrow_mut().push(url.path().to_owned());
            let fail = |e: reqwest::Error| NetworkError {
                request: described.clone(),
                reason: e.to_string(),
            };
            let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
                .expect("a standard method");
            let mut builder = client
                .request(method, url)
                .header("origin", APP_ORIGIN)
                .body(request.body);
            for (name, value) in request.headers.iter() {
                builder = builder.header(name, value);
            }
            let response = builder.send().await.map_err(fail)?;
            let mut out = HttpResponse::new(response.status().as_u16());
            for (name, value) in response.headers() {
                out = out.header(
                    name.as_str(),
                    value.to_str().expect("the emulator sends ASCII headers"),
                );
            }
            let bytes = response.bytes().await.map_err(fail)?;
            Ok(out.with_body(bytes.to_vec()))
        })
    })
}

/// One claim of a JWT's payload, as a string (numbers and arrays as JSON).
pub fn claim(token: &str, name: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    match &value[name] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `fragment` with one parameter's value replaced.
pub fn replace_param(fragment: &str, name: &str, value: &str) -> String {
    let body = fragment.trim_start_matches('#');
    let pairs: Vec<String> = body
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k == name => format!("{k}={value}"),
            _ => p.to_owned(),
        })
        .collect();
    format!("#{}", pairs.join("&"))
}
