//! Helpers for the identity tests: a browser-like client that drives the sign-in page, token
//! requests, and an independent RS256 check of issued tokens against the published JWKS.
#![allow(dead_code)]

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use twinscope_emulator::{Options, RunningEmulator, start};

pub const CLIENT_ID: &str = "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13";
pub const OTHER_CLIENT_ID: &str = "4d85a3f7-f70f-4ca9-a32e-5a9c6c45a003";
pub const SPA_REDIRECT: &str = "http://localhost:8080/";
pub const WEB_REDIRECT: &str = "http://localhost:8080/web-callback";
pub const SPA_ORIGIN: &str = "http://localhost:8080";
pub const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
pub const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";
pub const NORTHWIND: &str = "78a7b6ec-07a9-4ba3-bb89-a447861cace4";
pub const TAILSPIN: &str = "a2bd890c-f410-434f-97d2-9d70992422d5";
pub const ADT_SCOPE: &str = "https://digitaltwins.azure.net/.default";
pub const ARM_SCOPE: &str = "https://management.azure.com/user_impersonation";

pub async fn emulator() -> RunningEmulator {
    start(Options::default()).await.expect("emulator starts")
}

/// A PKCE pair `(verifier, S256 challenge)`.
pub fn pkce() -> (String, String) {
    let verifier = format!("verifier-{}-0123456789abcdefghijklmnop", rand_suffix());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}", N.fetch_add(1, Ordering::SeqCst))
}

/// One authorize request, with the parameters a SPA sends by default.
#[derive(Debug, Clone)]
pub struct Auth {
    pub tenant: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub challenge: Option<String>,
    pub challenge_method: Option<String>,
    pub response_mode: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
}

impl Auth {
    pub fn new(tenant: &str) -> Self {
        let (verifier, challenge) = pkce();
        Self {
            tenant: tenant.into(),
            client_id: CLIENT_ID.into(),
            redirect_uri: SPA_REDIRECT.into(),
            scope: "openid profile offline_access".into(),
            state: "state-xyz".into(),
            nonce: "nonce-123".into(),
            verifier,
            challenge: Some(challenge),
            challenge_method: Some("S256".into()),
            response_mode: None,
            prompt: None,
            login_hint: None,
        }
    }

    pub fn scope(mut self, scope: &str) -> Self {
        self.scope = scope.into();
        self
    }

    pub fn prompt(mut self, prompt: &str) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    pub fn url(&self, base: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("client_id", &self.client_id),
            ("response_type", "code"),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
        ];
        let optional = [
            ("code_challenge", &self.challenge),
            ("code_challenge_method", &self.challenge_method),
            ("response_mode", &self.response_mode),
            ("prompt", &self.prompt),
            ("login_hint", &self.login_hint),
        ];
        for (k, v) in &optional {
            if let Some(v) = v {
                pairs.push((k, v));
            }
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{base}/{}/oauth2/v2.0/authorize?{query}", self.tenant)
    }
}

/// What a browser sees after one request.
#[derive(Debug)]
pub enum Seen {
    /// 200 HTML.
    Page(String),
    /// A redirect: the location and its query or fragment parameters.
    Redirect(String, HashMap<String, String>),
    /// Anything else.
    Other(StatusCode, String),
}

impl Seen {
    pub fn page(self) -> String {
        match self {
            Seen::Page(html) => html,
            other => panic!("expected a page, got {other:?}"),
        }
    }

    pub fn redirect(self) -> (String, HashMap<String, String>) {
        match self {
            Seen::Redirect(l, p) => (l, p),
            other => panic!("expected a redirect, got {other:?}"),
        }
    }

    /// The redirect's parameters, asserting it went to `prefix`.
    pub fn callback(self, prefix: &str) -> HashMap<String, String> {
        let (location, params) = self.redirect();
        assert!(location.starts_with(prefix), "{location}");
        params
    }
}

/// The parameters of a redirect location (query, or fragment if present).
pub fn location_params(location: &str) -> HashMap<String, String> {
    let url = url::Url::parse(location).expect("absolute location");
    let source = match url.fragment() {
        Some(f) => f.to_string(),
        None => url.query().unwrap_or("").to_string(),
    };
    url::form_urlencoded::parse(source.as_bytes())
        .into_owned()
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// A form in `html`: its action and its `<input>` name/value pairs (hidden ones included).
pub fn parse_form(html: &str, form_id: Option<&str>) -> (String, Vec<(String, String)>) {
    let forms: Vec<&str> = html.split("<form").skip(1).collect();
    let form = forms
        .iter()
        .find(|f| match form_id {
            Some(id) => f
                .split('>')
                .next()
                .unwrap_or("")
                .contains(&format!("id=\"{id}\"")),
            None => true,
        })
        .unwrap_or_else(|| panic!("no form {form_id:?} in {html}"));
    let form = &form[..form.find("</form>").expect("closed form")];
    let open = &form[..form.find('>').unwrap()];
    let action = attr(open, "action").expect("form action");
    let inputs = form
        .split("<input")
        .skip(1)
        .filter_map(|i| {
            let tag = &i[..i.find('>')?];
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect();
    (action, inputs)
}

/// A browser: keeps cookies, does not follow redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new(emulator: &RunningEmulator) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Self {
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: emulator.base_url().to_string(),
            jar,
        }
    }

    /// The `Cookie` header this browser sends to the emulator.
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&reqwest::Url::parse(&self.base).unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }

    async fn seen(response: reqwest::Response) -> Seen {
        let status = response.status();
        if status == StatusCode::FOUND {
            let location = response.headers()["location"].to_str().unwrap().to_string();
            let params = location_params(&location);
            return Seen::Redirect(location, params);
        }
        let body = response.text().await.unwrap();
        if status == StatusCode::OK {
            Seen::Page(body)
        } else {
            Seen::Other(status, body)
        }
    }

    pub async fn get(&self, url: &str) -> Seen {
        Self::seen(self.client.get(url).send().await.unwrap()).await
    }

    pub async fn authorize(&self, auth: &Auth) -> Seen {
        self.get(&auth.url(&self.base)).await
    }

    /// Fills the credentials form of `page` and submits it.
    pub async fn submit_credentials(&self, page: &str, upn: &str, password: &str) -> Seen {
        let (action, mut fields) = parse_form(page, Some("credentials"));
        fields.retain(|(k, _)| k != "login" && k != "passwd");
        fields.push(("login".into(), upn.into()));
        fields.push(("passwd".into(), password.into()));
        let response = self
            .client
            .post(format!("{}{action}", self.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        Self::seen(response).await
    }

    /// Picks an already signed-in account on `page`.
    pub async fn pick_account(&self, page: &str, upn: &str) -> Seen {
        let (action, mut fields) = parse_form(page, None);
        fields.push(("account".into(), upn.into()));
        let response = self
            .client
            .post(format!("{}{action}", self.base))
            .form(&fields)
            .send()
            .await
            .unwrap();
        Self::seen(response).await
    }

    /// GET authorize, sign in on the page, follow to the redirect URI: its parameters.
    pub async fn sign_in(&self, auth: &Auth, upn: &str, password: &str) -> HashMap<String, String> {
        let page = self.authorize(auth).await.page();
        self.submit_credentials(&page, upn, password)
            .await
            .callback(&auth.redirect_uri)
    }

    /// Signs in and returns the authorization code (asserting `state` came back).
    pub async fn code(&self, auth: &Auth, upn: &str, password: &str) -> String {
        let params = self.sign_in(auth, upn, password).await;
        assert_eq!(params.get("state"), Some(&auth.state), "{params:?}");
        params
            .get("code")
            .unwrap_or_else(|| panic!("no code: {params:?}"))
            .clone()
    }
}

/// A token endpoint answer.
#[derive(Debug)]
pub struct TokenReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TokenReply {
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.body);
        &self.body
    }

    /// Asserts an Entra-shaped error with this OAuth error and AADSTS code.
    pub fn check_error(&self, status: u16, error: &str, code: u32) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["error"], error, "{}", self.body);
        assert_eq!(self.body["error_codes"][0], code, "{}", self.body);
        let description = self.body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
        for field in ["timestamp", "trace_id", "correlation_id"] {
            assert!(self.body[field].is_string(), "{field} in {}", self.body);
        }
    }

    pub fn allow_origin(&self) -> Option<&str> {
        self.headers
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap())
    }
}

pub async fn token_request(
    base: &str,
    tenant: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> TokenReply {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(form);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap();
    TokenReply {
        status,
        headers,
        body,
    }
}

/// Redeems a code as the SPA does (cross-origin, with the verifier).
pub async fn redeem(base: &str, auth: &Auth, code: &str) -> TokenReply {
    token_request(
        base,
        &auth.tenant,
        &[
            ("client_id", &auth.client_id),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &auth.redirect_uri),
            ("code_verifier", &auth.verifier),
            ("scope", &auth.scope),
        ],
        Some(SPA_ORIGIN),
    )
    .await
}

/// Redeems a refresh token as the SPA does.
pub async fn refresh(base: &str, tenant: &str, refresh_token: &str, scope: &str) -> TokenReply {
    token_request(
        base,
        tenant,
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", scope),
        ],
        Some(SPA_ORIGIN),
    )
    .await
}

/// Signs in through the page and redeems the code: the token response.
pub async fn tokens(emulator: &RunningEmulator, auth: &Auth, upn: &str, password: &str) -> Value {
    let browser = Browser::new(emulator);
    let code = browser.code(auth, upn, password).await;
    redeem(emulator.base_url(), auth, &code).await.ok().clone()
}

/// A JWT's header and claims, without verification.
pub fn decode_jwt(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON")
    };
    (decode(parts[0]), decode(parts[1]))
}

/// Checks an RS256 signature against a JWKS document, by `kid`.
pub fn verify_jwt(token: &str, jwks: &Value) -> Result<Value, String> {
    let (header, claims) = decode_jwt(token);
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .ok_or("no keys")?
        .iter()
        .find(|k| k["kid"] == kid)
        .ok_or_else(|| format!("kid {kid} is not published"))?;
    let number = |field: &str| -> Result<BigUint, String> {
        let text = jwk[field].as_str().ok_or(format!("no {field}"))?;
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|e| e.to_string())?;
        Ok(BigUint::from_bytes_be(&bytes))
    };
    let key = RsaPublicKey::new(number("n")?, number("e")?).map_err(|e| e.to_string())?;
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(signing_input.as_bytes()),
        &signature,
    )
    .map_err(|e| format!("bad signature: {e}"))?;
    Ok(claims)
}

pub async fn get_json(url: &str) -> (StatusCode, HeaderMap, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}
