//! The import/export screen (`/t/{tenant}/i/{host}/transfer`) as a person uses it, and the
//! data-plane calls the tests make beside it with the signed-in user's own token.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::{Browser, Result, WAIT};

pub const TITLE: &str = "Import and export";
pub const NAV_LINK: &str = "Import/export";
pub const FILE_LABEL: &str = "File to import";
/// The API version the tests use on the data plane.
pub const API_VERSION: &str = "api-version=2023-10-31";

/// `/t/{tenant}/i/{host}/transfer`.
pub fn path(tenant: &str, host: &str) -> String {
    format!("/t/{tenant}/i/{host}/transfer")
}

/// The screen, once its heading is shown.
#[derive(Debug)]
pub struct TransferPage<'a> {
    pub browser: &'a Browser,
}

impl<'a> TransferPage<'a> {
    pub async fn expect(browser: &'a Browser) -> Result<Self> {
        browser.find_by_role("heading", TITLE).await?;
        Ok(Self { browser })
    }

    /// Clicks "Export JSON" or "Export NDJSON", then the download link, and returns the text
    /// of the file Chromium saved into `dir` (downloads are allowed into `dir` through the
    /// DevTools protocol first).
    pub async fn export(&self, format: &str, file_name: &str, dir: &Path) -> Result<String> {
        allow_downloads(self.browser, dir).await?;
        self.browser
            .find_by_role("button", &format!("Export {format}"))
            .await?
            .click()
            .await?;
        let link = self
            .browser
            .find_by_role("link", &format!("Download {file_name}"))
            .await?;
        let download = link.attr("download").await?.unwrap_or_default();
        if download != file_name {
            return Err(format!("the link downloads as {download:?}, not {file_name:?}").into());
        }
        let href = link.attr("href").await?.unwrap_or_default();
        if !href.starts_with("blob:") {
            return Err(format!("the download is not a Blob URL: {href}").into());
        }
        let target = dir.join(file_name);
        let _ = std::fs::remove_file(&target);
        link.click().await?;
        let deadline = Instant::now() + WAIT;
        loop {
            let partial = std::fs::read_dir(dir)?
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if target.exists() && !partial {
                return Ok(std::fs::read_to_string(&target)?);
            }
            if Instant::now() > deadline {
                return Err(
                    format!("{} was not downloaded after {WAIT:?}", target.display()).into(),
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Chooses `file` in the import file input (found by its label).
    pub async fn choose_file(&self, file: &Path) -> Result<()> {
        let xpath = format!("//input[@id=//label[normalize-space()='{FILE_LABEL}']/@for]");
        let input = self.browser.client().find(Locator::XPath(&xpath)).await?;
        input.send_keys(&file.display().to_string()).await?;
        Ok(())
    }

    /// The text of the import report, once it is shown.
    pub async fn report(&self) -> Result<String> {
        let value = self
            .browser
            .wait_for_script(
                "const h = [...document.querySelectorAll('h3')].find(h => h.textContent === 'Import report'); return h ? h.parentElement.innerText : null;",
                "the import report",
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }
}

/// One data-plane call from the page with the signed-in user's ADT token for `tenant` (read
/// from the app's token cache in `sessionStorage`), through the app's `/adt/{host}` path.
/// Waits until the app has acquired that token. Returns the status and the body as JSON (or
/// `Value::Null`).
pub async fn adt_call(
    browser: &Browser,
    tenant: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    const SCRIPT: &str = "const [tenant, method, path, body] = arguments; \
        const key = Object.keys(sessionStorage).find(k => k.startsWith('twinscope.token.at.') && k.includes(tenant) && k.includes('digitaltwins')); \
        if (!key) return null; \
        const secret = JSON.parse(sessionStorage.getItem(key)).secret; \
        const init = { method, headers: { Authorization: 'Bearer ' + secret } }; \
        if (body !== null) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); } \
        return fetch(path, init).then(async r => ({ status: r.status, text: await r.text() }));";
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = browser
            .client()
            .execute(
                SCRIPT,
                vec![json!(tenant), json!(method), json!(path), json!(body)],
            )
            .await?;
        if !answer.is_null() {
            let status = answer["status"].as_u64().unwrap_or_default() as u16;
            let text = answer["text"].as_str().unwrap_or_default();
            return Ok((status, serde_json::from_str(text).unwrap_or(Value::Null)));
        }
        if Instant::now() > deadline {
            return Err(format!("no ADT token for tenant {tenant} in the app's cache").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lets Chromium save downloads into `dir` without asking (`Browser.setDownloadBehavior`).
pub async fn allow_downloads(browser: &Browser, dir: &Path) -> Result<()> {
    browser
        .cdp(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": dir.display().to_string() }),
        )
        .await?;
    Ok(())
}
