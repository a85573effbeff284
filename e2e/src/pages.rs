//! Page objects: what a person sees on each screen, found by role and accessible name.

use fantoccini::Locator;
use fantoccini::elements::Element;

use crate::stack::{CONTOSO, Stack};
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

/// Waits until the page's visible text contains `text`.
pub async fn wait_for_text(browser: &Browser, text: &str) -> Result<()> {
    let script = format!(
        "return document.body.innerText.includes({})",
        serde_json::Value::from(text)
    );
    browser.wait_for_script(&script, text).await?;
    Ok(())
}

/// Replaces what a text field holds with `value`, the way a person types it.
async fn retype(field: &Element, value: &str) -> Result<()> {
    field.clear().await?;
    field.send_keys(value).await?;
    Ok(())
}

/// `/t/{tenant}/i/{host}/twins/{id}`: one twin, its property editor and save bar.
#[derive(Debug)]
pub struct TwinDetail<'a> {
    pub browser: &'a Browser,
    pub main: Element,
}

impl<'a> TwinDetail<'a> {
    /// Waits for the page of `twin_id` with its properties loaded.
    pub async fn expect(browser: &'a Browser, twin_id: &str) -> Result<Self> {
        let main = browser
            .find_by_role("main", &format!("Twin {twin_id}"))
            .await?;
        browser.find_by_role("heading", "Properties").await?;
        Ok(Self { browser, main })
    }

    /// The text field of a property, by its accessible name (`"Name (name)"`: the model's
    /// display name, then the property name).
    pub async fn field(&self, label: &str) -> Result<Element> {
        self.browser.find_by_role("textbox", label).await
    }

    /// What the field shows now.
    pub async fn value_of(&self, label: &str) -> Result<String> {
        Ok(self
            .field(label)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    pub async fn set_text(&self, label: &str, value: &str) -> Result<()> {
        retype(&self.field(label).await?, value).await
    }

    pub async fn save_button(&self) -> Result<Element> {
        self.browser.find_by_role("button", "Save changes").await
    }

    /// Whether "Save changes" can be pressed.
    pub async fn can_save(&self) -> Result<bool> {
        Ok(self.save_button().await?.is_enabled().await?)
    }

    /// Presses "Save changes".
    pub async fn save(&self) -> Result<()> {
        self.save_button().await?.click().await?;
        Ok(())
    }

    /// Waits for the "Saved." status.
    pub async fn expect_saved(&self) -> Result<()> {
        self.browser
            .wait_for_script(
                "return [...document.querySelectorAll('[role=status]')].some(s => s.textContent.trim() === 'Saved.')",
                "the Saved. status",
            )
            .await?;
        Ok(())
    }

    /// The ETag the page shows for the version it holds.
    pub async fn etag(&self) -> Result<String> {
        let value = self
            .browser
            .eval("const dts = [...document.querySelectorAll('.twin-facts dt')]; const dt = dts.find(d => d.textContent === 'ETag'); return dt ? dt.nextElementSibling.textContent : null;")
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The relationships section.
    pub fn relationships(&self) -> Relationships<'a> {
        Relationships {
            browser: self.browser,
        }
    }

    /// Presses "Delete twin…" (scrolled to, in view) and waits for the dialog that names
    /// what goes with the twin.
    pub async fn start_delete(&self) -> Result<DeleteTwin<'a>> {
        let button = self.browser.find_by_role("button", "Delete twin…").await?;
        crate::person::try_scroll_and_click(self.browser, &button, "Delete twin…").await?;
        let dialog = Dialog::expect(self.browser, "Delete twin ").await?;
        Ok(DeleteTwin { dialog })
    }
}

/// An open confirmation dialog (`components/confirm.rs`): a modal `<dialog>`.
#[derive(Debug)]
pub struct Dialog<'a> {
    pub browser: &'a Browser,
    pub element: Element,
}

impl<'a> Dialog<'a> {
    /// Waits for the open dialog whose heading starts with `title`.
    pub async fn expect(browser: &'a Browser, title: &str) -> Result<Self> {
        let deadline = std::time::Instant::now() + crate::WAIT;
        loop {
            let mut seen = Vec::new();
            for element in browser
                .client()
                .find_all(Locator::Css("dialog[open]"))
                .await?
            {
                let Ok(heading) = element.find(Locator::Css("h2")).await else {
                    continue;
                };
                let text = heading.text().await.unwrap_or_default();
                if text.starts_with(title) {
                    return Ok(Self { browser, element });
                }
                seen.push(text);
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("no dialog {title:?} opened; open: {seen:?}").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The heading and the body, as shown.
    pub async fn text(&self) -> Result<String> {
        Ok(self.element.text().await?)
    }

    /// The dialog's button whose text is `label`, checked to be in view, pressed.
    pub async fn press(&self, label: &str) -> Result<()> {
        for button in self.element.find_all(Locator::Css("button")).await? {
            if button.text().await?.trim() == label {
                return crate::person::click_in_view(self.browser, &button, label).await;
            }
        }
        Err(format!("the dialog has no button {label:?}: {}", self.text().await?).into())
    }

    /// Waits until no dialog is open.
    pub async fn expect_closed(browser: &Browser) -> Result<()> {
        browser
            .wait_for_script(
                "return !document.querySelector('dialog[open]')",
                "the dialog to close",
            )
            .await?;
        Ok(())
    }
}

/// The dialog of "Delete twin…".
#[derive(Debug)]
pub struct DeleteTwin<'a> {
    pub dialog: Dialog<'a>,
}

impl DeleteTwin<'_> {
    /// What the dialog says.
    pub async fn text(&self) -> Result<String> {
        self.dialog.text().await
    }

    /// Presses the confirming button ("Delete twin", "Delete twin and 2 relationships").
    pub async fn confirm(&self) -> Result<()> {
        for button in self.dialog.element.find_all(Locator::Css("button")).await? {
            if button.text().await?.starts_with("Delete twin") {
                return crate::person::click_in_view(self.dialog.browser, &button, "Delete twin")
                    .await;
            }
        }
        Err("the dialog offers no \"Delete twin\"".into())
    }
}

/// The "Someone else changed this twin" view after a save met a 412.
#[derive(Debug)]
pub struct ConflictView<'a> {
    pub browser: &'a Browser,
    pub section: Element,
}

impl<'a> ConflictView<'a> {
    pub const TITLE: &'static str = "Someone else changed this twin";

    pub async fn expect(browser: &'a Browser) -> Result<Self> {
        let section = browser.find_by_role("alert", Self::TITLE).await?;
        Ok(Self { browser, section })
    }

    /// Scrolls the view to the top of the window (for a screenshot of both sides).
    pub async fn scroll_into_view(&self) -> Result<()> {
        let element = serde_json::to_value(&self.section)?;
        self.browser
            .client()
            .execute(
                "arguments[0].scrollIntoView({block: 'start'})",
                vec![element],
            )
            .await?;
        Ok(())
    }

    /// The text under the figure captioned `caption`.
    async fn side(&self, caption: &str) -> Result<String> {
        for figure in self.section.find_all(Locator::Css("figure")).await? {
            let title = figure
                .find(Locator::Css("figcaption"))
                .await?
                .text()
                .await?;
            if title == caption {
                return Ok(figure.find(Locator::Css("pre")).await?.text().await?);
            }
        }
        Err(format!("no side captioned {caption:?} in the conflict view").into())
    }

    /// The "What differs" table: (property, theirs, yours) per row, as shown.
    pub async fn differences(&self) -> Result<Vec<(String, String, String)>> {
        let table = self
            .section
            .find(Locator::Css("table.conflict__diff"))
            .await?;
        let caption = table.find(Locator::Css("caption")).await?.text().await?;
        if caption != "What differs" {
            return Err(format!("the differences table is captioned {caption:?}").into());
        }
        let mut rows = Vec::new();
        for row in table.find_all(Locator::Css("tbody tr")).await? {
            let property = row.find(Locator::Css("th")).await?.text().await?;
            let cells = row.find_all(Locator::Css("td")).await?;
            let [theirs, yours] = cells.as_slice() else {
                return Err(format!("a differences row has {} cells", cells.len()).into());
            };
            rows.push((property, theirs.text().await?, yours.text().await?));
        }
        Ok(rows)
    }

    /// The server's version, as JSON.
    pub async fn theirs(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_str(
            &self.side("Their version (on the server)").await?,
        )?)
    }

    /// The edited version, as JSON.
    pub async fn mine(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_str(&self.side("Your version").await?)?)
    }

    pub async fn keep_mine(&self) -> Result<()> {
        self.browser
            .find_by_role("button", "Keep mine (overwrite)")
            .await?
            .click()
            .await?;
        Ok(())
    }

    pub async fn take_theirs(&self) -> Result<()> {
        self.browser
            .find_by_role("button", "Take theirs")
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Waits until the view has gone (resolved).
    pub async fn expect_gone(&self) -> Result<()> {
        let script = format!(
            "return ![...document.querySelectorAll('[role=alert] h2')].some(h => h.textContent === {})",
            serde_json::Value::from(Self::TITLE)
        );
        self.browser
            .wait_for_script(&script, "the conflict view to close")
            .await?;
        Ok(())
    }
}

/// The relationships section of a twin's page: the outgoing and incoming tables and the
/// "Add a relationship" form.
#[derive(Debug)]
pub struct Relationships<'a> {
    pub browser: &'a Browser,
}

impl<'a> Relationships<'a> {
    /// Fills and submits "Add a relationship" (`name` from the model, `target` a twin id).
    pub async fn add(&self, name: &str, target: &str) -> Result<()> {
        retype(
            &self
                .browser
                .find_by_role("combobox", "Relationship")
                .await?,
            name,
        )
        .await?;
        retype(
            &self
                .browser
                .find_by_role("combobox", "Target twin id")
                .await?,
            target,
        )
        .await?;
        self.browser
            .find_by_role("button", "Add relationship")
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// Rows of a table as cell texts, by its caption ("Outgoing relationships", …).
    pub async fn rows(&self, caption: &str) -> Result<Vec<Vec<String>>> {
        let script = format!(
            "const t = [...document.querySelectorAll('table')].find(t => t.caption && t.caption.textContent === {}); return t ? [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim())) : [];",
            serde_json::Value::from(caption)
        );
        let value = self.browser.eval(&script).await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Waits until the outgoing table has a row whose relationship id is `id`.
    pub async fn expect_outgoing(&self, id: &str) -> Result<Vec<String>> {
        let deadline = std::time::Instant::now() + crate::WAIT;
        loop {
            let rows = self.rows("Outgoing relationships").await?;
            if let Some(row) = rows.into_iter().find(|r| r.get(2).is_some_and(|c| c == id)) {
                return Ok(row);
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("no outgoing relationship {id}").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Presses the row's "Delete relationship {id}" (scrolled to, in view) and waits for the
    /// dialog that asks.
    pub async fn start_delete(&self, id: &str) -> Result<Dialog<'a>> {
        let button = self
            .browser
            .find_by_role("button", &format!("Delete relationship {id}"))
            .await?;
        crate::person::try_scroll_and_click(self.browser, &button, "Delete relationship").await?;
        Dialog::expect(self.browser, &format!("Delete relationship {id}?")).await
    }

    /// Deletes relationship `id`: its row's button, then "Delete relationship" in the dialog.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.start_delete(id)
            .await?
            .press("Delete relationship")
            .await
    }
}

/// "New twin of …": the form the models page opens from a model's "Create twin…".
#[derive(Debug)]
pub struct CreateTwin<'a> {
    pub browser: &'a Browser,
}

impl<'a> CreateTwin<'a> {
    /// Presses "Create twin…" on the model titled `model_title` and waits for the form.
    pub async fn open(models: &ModelsPage<'a>, model_title: &str) -> Result<Self> {
        let browser = models.browser;
        browser
            .find_by_role("button", &format!("Create twin of {model_title}"))
            .await?
            .click()
            .await?;
        browser
            .find_by_role("heading", &format!("New twin of {model_title}"))
            .await?;
        Ok(Self { browser })
    }

    pub async fn set_id(&self, id: &str) -> Result<()> {
        retype(&self.browser.find_by_role("textbox", "Twin id").await?, id).await
    }

    /// A property's text field, by accessible name as on [`TwinDetail::field`].
    pub async fn set_text(&self, label: &str, value: &str) -> Result<()> {
        retype(&self.browser.find_by_role("textbox", label).await?, value).await
    }

    pub async fn submit(&self) -> Result<()> {
        self.browser
            .find_by_role("button", "Create twin")
            .await?
            .click()
            .await?;
        Ok(())
    }
}

/// `/t/{tenant}/i/{host}/models`: the list, the upload form and its problems.
#[derive(Debug)]
pub struct ModelsPage<'a> {
    pub browser: &'a Browser,
    pub main: Element,
}

/// One upload problem as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadProblem {
    /// The model it is about (empty when the file could not be read as models).
    pub model: String,
    /// JSON pointer inside that model.
    pub path: String,
    pub text: String,
}

impl<'a> ModelsPage<'a> {
    /// Waits for the page with its list loaded.
    pub async fn expect(browser: &'a Browser) -> Result<Self> {
        let main = browser.find_by_role("main", "Models").await?;
        browser
            .wait_for_script(
                "const h = document.getElementById('models-list-title'); return h && /^[1-9][0-9]* models?$/.test(h.textContent) ? h.textContent : null",
                "the model list",
            )
            .await?;
        Ok(Self { browser, main })
    }

    /// The ids listed.
    pub async fn model_ids(&self) -> Result<Vec<String>> {
        let value = self
            .browser
            .eval("return [...document.querySelectorAll('.models-list__item > code')].map(c => c.textContent)")
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Chooses files in "DTDL files (…)" (the file input, found through its label).
    pub async fn choose_files(&self, paths: &[&std::path::Path]) -> Result<()> {
        let label = self
            .main
            .find(Locator::XPath(
                ".//label[starts-with(normalize-space(.), 'DTDL files')]",
            ))
            .await?;
        let target = label
            .attr("for")
            .await?
            .ok_or("the label names no control")?;
        let input = self
            .main
            .find(Locator::Css(&format!("input[type=file][id='{target}']")))
            .await?;
        let joined = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        input.send_keys(&joined).await?;
        Ok(())
    }

    /// Waits for the problem list ("Nothing was sent: …") and returns its entries.
    pub async fn problems(&self) -> Result<Vec<UploadProblem>> {
        let value = self
            .browser
            .wait_for_script(
                "const a = [...document.querySelectorAll('[role=alert]')].find(a => a.textContent.startsWith('Nothing was sent')); return a ? [...a.querySelectorAll('li')].map(li => [li.dataset.model || '', li.dataset.path || '', li.textContent]) : null",
                "the upload problems",
            )
            .await?;
        let rows: Vec<(String, String, String)> = serde_json::from_value(value)?;
        Ok(rows
            .into_iter()
            .map(|(model, path, text)| UploadProblem { model, path, text })
            .collect())
    }

    /// Presses "Upload" once the chosen models passed the local checks.
    pub async fn upload(&self) -> Result<()> {
        self.browser
            .find_by_role("button", "Upload")
            .await?
            .click()
            .await?;
        Ok(())
    }
}

/// Opens Contoso's page signed out and signs in there as Adele (Data Owner of the campus
/// instance); returns the campus instance's link once the page lists it.
pub async fn contosos_page_signed_in_as_adele(browser: &Browser, stack: &Stack) -> Result<Element> {
    browser.goto(&stack.url(&format!("/t/{CONTOSO}"))).await?;
    EmulatorSignIn::expect(browser)
        .await?
        .sign_in_as("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await?;
    browser.find_by_role("link", "contoso-campus").await
}
