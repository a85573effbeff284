//! Helpers for the ADT and ARM tests: real tokens from the identity emulator (sign-in page and
//! code redemption) and a small data-plane client that speaks to `/adt/{host}/…`.
#![allow(dead_code)]

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use twinscope_emulator::RunningEmulator;

use crate::common::{Auth, tokens};

pub const CAMPUS: &str = "contoso-campus.api.weu.digitaltwins.azure.net";
pub const LAB: &str = "contoso-lab.api.weu.digitaltwins.azure.net";
pub const PLANT: &str = "fabrikam-plant.api.eus.digitaltwins.azure.net";
pub const API: &str = "api-version=2023-10-31";

/// `(upn, password)` of the seeded accounts used here.
pub const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
pub const ALEX: (&str, &str) = ("alex@contoso.onmicrosoft.com", "Alex-dev-1");
pub const RITA: (&str, &str) = ("rita@contoso.onmicrosoft.com", "Rita-dev-1");
pub const MEGAN: (&str, &str) = ("megan@contoso.onmicrosoft.com", "Megan-dev-1");
pub const DIEGO: (&str, &str) = ("diego@fabrikam.onmicrosoft.com", "Diego-dev-1");

/// An access token for `resource_scope` issued by `tenant` to `who`.
pub async fn token(
    emulator: &RunningEmulator,
    tenant: &str,
    who: (&str, &str),
    resource_scope: &str,
) -> String {
    let auth = Auth::new(tenant).scope(&format!("openid profile offline_access {resource_scope}"));
    let body = tokens(emulator, &auth, who.0, who.1).await;
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

pub async fn adt_token(emulator: &RunningEmulator, tenant: &str, who: (&str, &str)) -> String {
    token(emulator, tenant, who, crate::common::ADT_SCOPE).await
}

/// A fresh emulator's empty `contoso-lab` instance with [`test_models`], as Alex, its Data
/// Owner.
pub async fn lab() -> (RunningEmulator, AdtClient) {
    let emulator = twinscope_emulator::start(twinscope_emulator::Options::default())
        .await
        .unwrap();
    let token = adt_token(&emulator, crate::common::CONTOSO, ALEX).await;
    let client = AdtClient::new(&emulator, LAB, Some(token));
    client.post("/models", &test_models()).await.ok(201);
    (emulator, client)
}

/// One answer: status, headers, body text and (if it parses) JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts an ADT error with this status and code.
    pub fn check_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.json["error"]["code"], code, "{}", self.text);
        assert!(self.json["error"]["message"].is_string(), "{}", self.text);
        self
    }

    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        &self.json
    }
}

/// A data-plane client for one instance and one token.
#[derive(Debug, Clone)]
pub struct AdtClient {
    pub base: String,
    pub host: String,
    pub token: Option<String>,
    client: reqwest::Client,
}

impl AdtClient {
    pub fn new(emulator: &RunningEmulator, host: &str, token: Option<String>) -> Self {
        Self {
            base: emulator.base_url().to_string(),
            host: host.to_string(),
            token,
            client: reqwest::Client::new(),
        }
    }

    /// `path` may carry its own query; the api-version is added when it has none.
    pub fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        if path.contains("api-version=") {
            format!("{}/adt/{}{path}", self.base, self.host)
        } else {
            format!("{}/adt/{}{path}{sep}{API}", self.base, self.host)
        }
    }

    /// A service `nextLink` (`https://{host}/…`) as a URL of this emulator.
    pub fn local(&self, link: &str) -> String {
        let prefix = format!("https://{}", self.host);
        let rest = link
            .strip_prefix(&prefix)
            .expect("nextLink on the instance host");
        format!("{}/adt/{}{rest}", self.base, self.host)
    }

    pub async fn send_url(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.client.request(method, url);
        if let Some(t) = &self.token {
            request = request.bearer_auth(t);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(b) = body {
            request = request
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send_url(method, &self.url(path), body, headers).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// `PUT` with `If-None-Match: *`: only if nothing is there yet.
    pub async fn put_if_absent(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[("If-None-Match", "*")])
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value, if_match: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|m| ("If-Match", m)).into_iter().collect();
        self.send(Method::PATCH, path, Some(body), &headers).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Every row of a query, following continuation tokens; also the number of pages.
    pub async fn query_all(&self, query: &str, page_size: Option<usize>) -> (Vec<Value>, usize) {
        let size = page_size.map(|n| n.to_string());
        let headers: Vec<(&str, &str)> = size
            .as_deref()
            .map(|s| ("max-items-per-page", s))
            .into_iter()
            .collect();
        let mut rows = Vec::new();
        let mut pages = 0;
        let mut body = serde_json::json!({ "query": query });
        loop {
            let reply = self
                .send(Method::POST, "/query", Some(&body), &headers)
                .await;
            let v = reply.ok(200).clone();
            assert!(
                reply.header("query-charge").is_some(),
                "query-charge header"
            );
            pages += 1;
            let page = v["value"].as_array().unwrap();
            if let Some(n) = page_size {
                assert!(page.len() <= n);
            }
            rows.extend(page.iter().cloned());
            match &v["continuationToken"] {
                Value::Null => return (rows, pages),
                Value::String(t) => body = serde_json::json!({ "continuationToken": t }),
                other => panic!("continuationToken {other}"),
            }
        }
    }
}

/// A small DTDL v3 ontology for tests: a thermostat with a component, in a room.
pub fn test_models() -> Value {
    serde_json::json!([
        {
            "@id": "dtmi:test:Plate;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "contents": [{"@type": "Property", "name": "serial", "schema": "string", "writable": true}]
        },
        {
            "@id": "dtmi:test:Thermostat;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
            "displayName": "Thermostat",
            "contents": [
                {"@type": "Property", "name": "temp", "schema": "double", "writable": true},
                {"@type": "Property", "name": "label", "schema": "string", "writable": true},
                {"@type": "Component", "name": "plate", "schema": "dtmi:test:Plate;1"},
                {"@type": "Relationship", "name": "feeds", "target": "dtmi:test:Thermostat;1",
                 "properties": [{"@type": "Property", "name": "weight", "schema": "integer", "writable": true}]}
            ]
        }
    ])
}

/// A valid thermostat twin body.
pub fn thermostat(temp: f64) -> Value {
    serde_json::json!({
        "$metadata": {"$model": "dtmi:test:Thermostat;1"},
        "temp": temp,
        "label": "hall",
        "plate": {"$metadata": {}, "serial": "P-1"}
    })
}
