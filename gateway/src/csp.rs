//! The Content-Security-Policy, computed from the deployment's `config.json`.
//!
//! The SPA talks to three places: its own origin (static files, `config.json`, `/adt/…`),
//! the sign-in authority (discovery and the token endpoint, cross-origin with CORS) and Azure
//! Resource Manager. `connect-src` therefore lists `'self'`, the authority's origin and ARM's
//! origin, and nothing else. The same directive is written into `index.html`'s
//! `<meta http-equiv="Content-Security-Policy">`, because a browser enforces both policies and
//! the stricter one would win.
//!
//! The page's inline loader script and stylesheet are allowed by their SHA-256 hashes
//! (`inline_csp`), computed from the `index.html` actually served, for its header and its meta
//! alike; every other response carries the policy without hashes.
//!
//! Invariants: only origins (`scheme://host[:port]`) are ever added to `connect-src`, never
//! paths or wildcards; only `http` and `https` origins are accepted; the list is deduplicated
//! and in a fixed order (`'self'`, authority, ARM); only hash sources are added to
//! `script-src` and `style-src`, never `'unsafe-inline'`.

use std::path::{Path, PathBuf};

use inline_csp::{InlineHashes, meta_csp_content, with_hashes};
use serde::Deserialize;

/// Resource Manager when `config.json` names none (the SPA's own default).
pub const DEFAULT_ARM_ENDPOINT: &str = "https://management.azure.com";

/// Everything in the policy except `connect-src`, which [`content_security_policy`] inserts
/// after `font-src`, and `frame-ancestors`, which only a header can carry.
const DIRECTIVES_BEFORE_CONNECT: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'";
const DIRECTIVES_AFTER_CONNECT: &str = "manifest-src 'self'; base-uri 'none'; form-action 'self'";
const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";

/// The sources the SPA may `fetch` from: `'self'` first, then origins, deduplicated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectSources(Vec<String>);

impl ConnectSources {
    /// `'self'` plus each origin once, in the order given.
    pub fn new<I: IntoIterator<Item = String>>(origins: I) -> Self {
        let mut sources = vec!["'self'".to_owned()];
        for origin in origins {
            if !sources.contains(&origin) {
                sources.push(origin);
            }
        }
        Self(sources)
    }

    /// The sources, `'self'` first.
    pub fn sources(&self) -> &[String] {
        &self.0
    }

    /// `connect-src 'self' https://…` (no trailing `;`).
    pub fn directive(&self) -> String {
        format!("connect-src {}", self.0.join(" "))
    }
}

/// Why `config.json` cannot give the gateway its policy. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigJsonError {
    #[error("cannot read the config file `{path}`: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file `{path}` is not a valid config: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The two fields the policy depends on; the SPA validates the rest.
#[derive(Debug, Deserialize)]
struct PolicyFields {
    authority: String,
    #[serde(rename = "armEndpoint")]
    arm_endpoint: Option<String>,
}

/// `scheme://host[:port]` of an absolute `http`/`https` URL (default ports omitted).
pub fn origin_of(field: &str, value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim())
        .map_err(|e| format!("`{field}` (`{value}`) is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{field}` (`{value}`) must be an https (or, for development, http) URL"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{field}` (`{value}`) has no host"));
    }
    Ok(url.origin().ascii_serialization())
}

/// The `connect-src` sources for a `config.json` text: `'self'`, the authority's origin and
/// the ARM endpoint's origin (default [`DEFAULT_ARM_ENDPOINT`]).
pub fn connect_sources(config_json: &str) -> Result<ConnectSources, String> {
    let fields: PolicyFields = serde_json::from_str(config_json).map_err(|e| e.to_string())?;
    let authority = origin_of("authority", &fields.authority)?;
    let arm = origin_of(
        "armEndpoint",
        fields
            .arm_endpoint
            .as_deref()
            .unwrap_or(DEFAULT_ARM_ENDPOINT),
    )?;
    Ok(ConnectSources::new([authority, arm]))
}

/// Reads the served `config.json` and computes its sources.
pub fn connect_sources_from_file(path: &Path) -> Result<ConnectSources, ConfigJsonError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigJsonError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    connect_sources(&text).map_err(|message| ConfigJsonError::Invalid {
        path: path.to_owned(),
        message,
    })
}

/// The policy sent as a header: the meta's directives plus `frame-ancestors 'none'`, with
/// `inline`'s hash sources for the page it is sent with.
pub fn content_security_policy(connect: &ConnectSources, inline: &InlineHashes) -> String {
    let policy = format!(
        "{DIRECTIVES_BEFORE_CONNECT}; {}; {DIRECTIVES_AFTER_CONNECT}; {FRAME_ANCESTORS}",
        connect.directive()
    );
    with_hashes(&policy, inline)
}

/// The page as served: its CSP meta with this deployment's `connect-src` and the hash sources
/// of the page's own inline elements, and the header policy that goes with it.
pub fn served_index(html: &str, connect: &ConnectSources) -> (String, String) {
    let inline = inline_csp::inline_hashes(html);
    let html = rewrite_meta_connect_src(html, connect);
    let html = inline_csp::rewrite_meta(&html, |policy| with_hashes(policy, &inline));
    (html, content_security_policy(connect, &inline))
}

/// Replaces the `connect-src` directive of the `<meta http-equiv="Content-Security-Policy">`
/// tag (the first one) with `connect`'s, keeping every other directive as written. A page
/// without such a tag, or whose tag has no `connect-src`, is returned unchanged (a meta
/// policy without `connect-src` falls back to its `default-src`, which we do not widen).
pub fn rewrite_meta_connect_src(html: &str, connect: &ConnectSources) -> String {
    let Some((start, end)) = meta_csp_content(html) else {
        return html.to_owned();
    };
    let content = &html[start..end];
    let mut replaced = false;
    let directives: Vec<String> = content
        .split(';')
        .map(|d| {
            let name = d.split_whitespace().next().unwrap_or_default();
            if name.eq_ignore_ascii_case("connect-src") && !replaced {
                replaced = true;
                let indent = &d[..d.len() - d.trim_start().len()];
                format!("{indent}{}", connect.directive())
            } else {
                d.to_owned()
            }
        })
        .collect();
    if !replaced {
        return html.to_owned();
    }
    format!("{}{}{}", &html[..start], directives.join(";"), &html[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One `config.json` → the expected `connect-src` sources (or an error mentioning `err`).
    fn check(json: &str, expected: Result<&[&str], &str>) {
        match (connect_sources(json), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got.sources(), want, "{json}"),
            (Err(got), Err(want)) => assert!(got.contains(want), "{json}: {got}"),
            (got, want) => panic!("{json}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn a_minified_meta_is_rewritten_too() {
        let connect = ConnectSources::new(["http://127.0.0.1:9".to_owned()]);
        let html = r#"<meta content="default-src 'none'; connect-src 'self' http://localhost:8480; base-uri 'none'" http-equiv=Content-Security-Policy><meta content=no-referrer name=referrer>"#;
        let out = rewrite_meta_connect_src(html, &connect);
        assert!(
            out.contains("connect-src 'self' http://127.0.0.1:9; base-uri"),
            "{out}"
        );
        assert!(!out.contains("localhost:8480"), "{out}");
    }

    #[test]
    fn connect_src_lists_self_the_authority_and_arm_origins_once() {
        check(
            r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
            Ok(&[
                "'self'",
                "https://login.microsoftonline.com",
                "https://management.azure.com",
            ]),
        );
        check(
            r#"{"authority":"http://127.0.0.1:8480/organizations","armEndpoint":"http://127.0.0.1:8480"}"#,
            Ok(&["'self'", "http://127.0.0.1:8480"]),
        );
        check(
            r#"{"authority":"https://login.microsoftonline.com:443/contoso.onmicrosoft.com/","armEndpoint":"https://management.usgovcloudapi.net/"}"#,
            Ok(&[
                "'self'",
                "https://login.microsoftonline.com",
                "https://management.usgovcloudapi.net",
            ]),
        );
        check(
            r#"{"authority":"http://localhost:8480/organizations","armEndpoint":"http://localhost:8480","clientId":"x"}"#,
            Ok(&["'self'", "http://localhost:8480"]),
        );
    }

    #[test]
    fn configs_the_policy_cannot_use_are_refused_with_the_reason() {
        check("{", Err("EOF"));
        check("{}", Err("missing field `authority`"));
        check(r#"{"authority":42}"#, Err("invalid type"));
        check(
            r#"{"authority":"login.microsoftonline.com"}"#,
            Err("`authority`"),
        );
        check(
            r#"{"authority":"javascript:alert(1)"}"#,
            Err("must be an https"),
        );
        check(
            r#"{"authority":"https://login.microsoftonline.com/o","armEndpoint":"ftp://arm"}"#,
            Err("`armEndpoint`"),
        );
    }

    #[test]
    fn the_header_policy_is_the_meta_policy_plus_frame_ancestors() {
        let connect = ConnectSources::new(["https://login.example".to_owned()]);
        let policy = content_security_policy(&connect, &InlineHashes::default());
        assert!(policy.contains("; connect-src 'self' https://login.example; "));
        assert!(policy.ends_with("; frame-ancestors 'none'"));
        assert!(policy.contains("'wasm-unsafe-eval'"));
        assert!(!policy.contains("unsafe-inline"));
        assert_eq!(policy.matches("connect-src").count(), 1);
    }

    #[test]
    fn the_meta_connect_src_is_replaced_and_nothing_else() {
        let connect = ConnectSources::new(["https://login.example".to_owned()]);
        let html = "<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" \
            content=\"default-src 'none'; connect-src 'self' http://localhost:8480; base-uri 'none'\">\n\
            <meta name=\"connect-src\" content=\"connect-src x\"></head>";
        let out = rewrite_meta_connect_src(html, &connect);
        assert_eq!(
            out,
            html.replace(
                "connect-src 'self' http://localhost:8480;",
                "connect-src 'self' https://login.example;"
            )
        );
        // No CSP meta, or one without connect-src: unchanged.
        for unchanged in [
            "<!DOCTYPE html><title>x</title>",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">",
        ] {
            assert_eq!(rewrite_meta_connect_src(unchanged, &connect), unchanged);
        }
    }

    #[test]
    fn the_repository_index_html_gets_the_deployment_policy() {
        let index = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html"))
            .expect("the SPA's index.html");
        let connect = ConnectSources::new(["https://login.microsoftonline.com".to_owned()]);
        let out = rewrite_meta_connect_src(&index, &connect);
        let (start, end) = meta_csp_content(&out).expect("index.html has a CSP meta");
        let meta_policy = &out[start..end];
        assert_eq!(
            format!("{meta_policy}; {FRAME_ANCESTORS}"),
            content_security_policy(&connect, &InlineHashes::default())
        );
    }

    /// A built page (as Trunk writes it, after the post-build hook) is served with its own
    /// inline loader and stylesheet allowed by hash in the meta and the header alike.
    #[test]
    fn a_built_page_is_served_with_its_inline_hashes_in_meta_and_header() {
        let index = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html"))
            .expect("the SPA's index.html");
        let loader = "import init from '/twinscope-0123.js';await init({module_or_path:'/twinscope-0123_bg.wasm'});";
        let built = index.replace(
            "</head>",
            &format!(
                "<style>:root{{color:red}}</style><script type=\"module\">{loader}</script></head>"
            ),
        );
        let built = inline_csp::hash_meta(&built);
        let connect = ConnectSources::new(["https://login.microsoftonline.com".to_owned()]);
        let (served, header) = served_index(&built, &connect);
        let (start, end) = meta_csp_content(&served).expect("a CSP meta");
        assert_eq!(
            format!("{}; {FRAME_ANCESTORS}", &served[start..end]),
            header
        );
        let script = inline_csp::hash_source(loader);
        let style = inline_csp::hash_source(":root{color:red}");
        assert!(
            header.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {script};")),
            "{header}"
        );
        assert!(
            header.contains(&format!("style-src 'self' {style};")),
            "{header}"
        );
        assert!(!header.contains("unsafe-inline"), "{header}");
        assert!(header.contains("connect-src 'self' https://login.microsoftonline.com;"));
        // Edited after the build: the served policy follows the page, not the stale meta.
        let edited = built.replace(loader, "alert(1)");
        let (_, header) = served_index(&edited, &connect);
        assert!(
            header.contains(&inline_csp::hash_source("alert(1)")),
            "{header}"
        );
        assert!(!header.contains(&script), "{header}");
    }
}
