//! Accessibility checks: axe-core (from npm) injected into the page under test.
//!
//! `e2e/axe/package.json` and its `package-lock.json` pin `axe-core`; [`axe_source`] runs
//! `npm ci` into `e2e/axe/node_modules` the first time it is missing, then reads
//! `axe.min.js`. The script is injected through WebDriver's "execute script", which runs in
//! the page through the DevTools protocol and so is not subject to the app's
//! Content-Security-Policy (which forbids inline scripts).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

use crate::{Browser, Result};

/// The impacts that fail a check.
pub const FAILING_IMPACTS: [&str; 2] = ["serious", "critical"];

/// One rule broken on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    /// CSS selectors of the offending nodes.
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} — {}",
            self.id,
            self.impact,
            self.help,
            self.targets.join(" | ")
        )
    }
}

/// Where the pinned npm package lives.
pub fn axe_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("axe")
}

/// Serialises the first `npm ci` of tests running in parallel in one process.
static INSTALL: Mutex<()> = Mutex::new(());

/// The text of `axe.min.js`, installing the pinned package with `npm ci` when missing.
pub fn axe_source() -> Result<String> {
    let dir = axe_dir();
    let script = dir.join("node_modules/axe-core/axe.min.js");
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !script.exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("cannot run npm (install Node.js 20 and npm): {e}"))?;
        if !status.success() {
            return Err(format!("`npm ci` in {} failed: {status}", dir.display()).into());
        }
    }
    Ok(std::fs::read_to_string(&script)
        .map_err(|e| format!("cannot read {}: {e}", script.display()))?)
}

/// Runs axe on the current page; what it finds of every impact.
pub async fn violations(browser: &Browser) -> Result<Vec<Violation>> {
    let source = axe_source()?;
    let loaded = browser
        .eval(&format!(
            "if (!window.axe) {{ {source}\n }} return typeof window.axe;"
        ))
        .await?;
    if loaded != "object" {
        return Err(format!("axe-core did not load into the page: {loaded}").into());
    }
    let found = browser
        .eval(
            "return axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ \
               id: v.id, impact: v.impact || '', help: v.help, \
               targets: v.nodes.map(n => n.target.map(String).join(' ')) })));",
        )
        .await?;
    let Value::Array(items) = found else {
        return Err(format!("axe.run() answered {found}").into());
    };
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Ok(items
        .iter()
        .map(|v| Violation {
            id: text(v, "id"),
            impact: text(v, "impact"),
            help: text(v, "help"),
            targets: v["targets"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// The serious and critical violations on the current page.
pub async fn serious_violations(browser: &Browser) -> Result<Vec<Violation>> {
    Ok(violations(browser)
        .await?
        .into_iter()
        .filter(|v| FAILING_IMPACTS.contains(&v.impact.as_str()))
        .collect())
}

/// Panics listing every serious or critical violation on the current page (named `screen`
/// in the message), with its rule, help text and target nodes.
pub async fn assert_no_serious_violations(browser: &Browser, screen: &str) {
    let serious: Vec<String> = match serious_violations(browser).await {
        Ok(found) => found.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{screen}: axe-core could not run: {e}"),
    };
    assert!(
        serious.is_empty(),
        "{screen}: {} serious or critical accessibility violations:\n{}",
        serious.len(),
        serious.join("\n")
    );
}
