//! Page objects: what a person sees on each screen, found by role and accessible name.

use fantoccini::Locator;
use fantoccini::elements::Element;

use crate::{Browser, Result};

pub const LANDING_TITLE: &str = "Azure Digital Twins, one tenant at a time";
pub const CONFIG_ERROR_TITLE: &str = "twinscope cannot start";
pub const NOT_FOUND_TITLE: &str = "Page not found";
/// Must match `twinscope::SHELL_MOUNTED_MARK`.
pub const SHELL_MOUNTED_MARK: &str = "twinscope:shell-mounted";

/// `/`: the landing page.
#[derive(Debug)]
pub struct LandingPage<'a> {
    pub browser: &'a Browser,
    pub main: Element,
}

impl<'a> LandingPage<'a> {
    pub async fn open(browser: &'a Browser, base_url: &str) -> Result<Self> {
        browser.goto(&format!("{base_url}/")).await?;
        Self::expect(browser).await
    }

    pub async fn expect(browser: &'a Browser) -> Result<Self> {
        let main = browser.find_by_role("main", LANDING_TITLE).await?;
        Ok(Self { browser, main })
    }

    /// Milliseconds from navigation start to the shell-mounted mark.
    pub async fn shell_mounted_ms(&self) -> Result<f64> {
        let script = format!(
            "const m = performance.getEntriesByName('{SHELL_MOUNTED_MARK}'); return m.length ? m[0].startTime : null;"
        );
        let value = self
            .browser
            .wait_for_script(&script, "the shell-mounted mark")
            .await?;
        value
            .as_f64()
            .ok_or_else(|| format!("mark is not a number: {value}").into())
    }

    /// The "This deployment" facts, as (term, description) pairs.
    pub async fn deployment_facts(&self) -> Result<Vec<(String, String)>> {
        let terms = self.main.find_all(Locator::Css(".facts dt")).await?;
        let descriptions = self.main.find_all(Locator::Css(".facts dd")).await?;
        let mut facts = Vec::new();
        for (t, d) in terms.iter().zip(&descriptions) {
            facts.push((t.text().await?, d.text().await?));
        }
        Ok(facts)
    }

    pub async fn theme_button(&self) -> Result<Element> {
        Ok(self
            .browser
            .client()
            .find(Locator::Css("header button[title*='theme']"))
            .await?)
    }
}

/// The page shown when `config.json` cannot be used.
#[derive(Debug)]
pub struct ConfigErrorPage {
    pub alert: Element,
}

impl ConfigErrorPage {
    pub async fn expect(browser: &Browser) -> Result<Self> {
        browser.find_by_role("main", CONFIG_ERROR_TITLE).await?;
        let alert = browser.client().find(Locator::Css("[role=alert]")).await?;
        Ok(Self { alert })
    }

    pub async fn text(&self) -> Result<String> {
        Ok(self.alert.text().await?)
    }

    /// The listed problems as (field, text).
    pub async fn problems(&self) -> Result<Vec<(String, String)>> {
        let mut problems = Vec::new();
        for li in self.alert.find_all(Locator::Css("li[data-field]")).await? {
            let field = li.attr("data-field").await?.unwrap_or_default();
            problems.push((field, li.text().await?));
        }
        Ok(problems)
    }
}

/// The page for paths no route claims.
#[derive(Debug)]
pub struct NotFoundPage {
    pub main: Element,
}

impl NotFoundPage {
    pub async fn expect(browser: &Browser) -> Result<Self> {
        Ok(Self {
            main: browser.find_by_role("main", NOT_FOUND_TITLE).await?,
        })
    }
}

/// The identity emulator's sign-in page (the stand-in for Entra ID's).
#[derive(Debug)]
pub struct EmulatorSignIn<'a> {
    pub browser: &'a Browser,
}

impl<'a> EmulatorSignIn<'a> {
    pub async fn expect(browser: &'a Browser) -> Result<Self> {
        match browser.find_by_role("heading", "Sign in").await {
            Ok(_) => Ok(Self { browser }),
            Err(e) => {
                let text = browser
                    .eval("return location.href + '\\n' + document.body.innerText")
                    .await?;
                Err(format!("{e}; the page says: {}", text.as_str().unwrap_or_default()).into())
            }
        }
    }

    /// Types the credentials and submits.
    pub async fn sign_in_as(&self, upn: &str, password: &str) -> Result<()> {
        let login = self
            .browser
            .find_by_role("textbox", "Email or username")
            .await?;
        login.clear().await?;
        login.send_keys(upn).await?;
        let passwd = self.browser.find_by_role("textbox", "Password").await;
        let passwd = match passwd {
            Ok(p) => p,
            // Chromium gives password inputs no textbox role in some versions.
            Err(_) => {
                self.browser
                    .client()
                    .find(Locator::Css("input[type=password]"))
                    .await?
            }
        };
        passwd.send_keys(password).await?;
        self.browser
            .find_by_role("button", "Sign in")
            .await?
            .click()
            .await?;
        Ok(())
    }
}

/// The app's header account control, as a person sees it.
#[derive(Debug)]
pub struct AppHeader<'a> {
    pub browser: &'a Browser,
}

impl<'a> AppHeader<'a> {
    pub fn new(browser: &'a Browser) -> Self {
        Self { browser }
    }

    /// Waits until the header says who is signed in, and returns the user name.
    pub async fn signed_in_user(&self) -> Result<String> {
        let value = self
            .browser
            .wait_for_script(
                "const s = document.querySelector('header summary[aria-label^=\"Account: \"]'); return s ? s.getAttribute('aria-label').slice(9) : null;",
                "the account menu",
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the header offers "Sign in" (signed out).
    pub async fn expect_signed_out(&self) -> Result<()> {
        self.browser.find_by_role("button", "Sign in").await?;
        Ok(())
    }

    pub async fn open_menu(&self) -> Result<()> {
        let summary = self
            .browser
            .client()
            .find(Locator::Css("header summary"))
            .await?;
        summary.click().await?;
        Ok(())
    }

    pub async fn sign_out(&self) -> Result<()> {
        self.open_menu().await?;
        self.browser
            .find_by_role("button", "Sign out")
            .await?
            .click()
            .await?;
        Ok(())
    }
}
