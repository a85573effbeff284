//! The deployment's `config.json` carried by the page it configures: the gateway writes the
//! file being served into a `<meta name="twinscope-config">` of `index.html`'s head, so the
//! app starts without a request for it (one round trip less before anything shows, on every
//! load of the page). The app reads the meta if it is there and fetches `/config.json`
//! otherwise (`trunk serve`, a plain static server, a page without a head), with the same
//! checks either way (`src/api.rs`, `fetch_config`).
//!
//! The text goes in as an attribute value with `&`, `"`, `'`, `<` and `>` escaped, so nothing
//! in the file can end the attribute or the element: whatever it holds stays data, and the
//! browser hands the app exactly the file's text. A meta is not a script: the page's CSP is
//! unchanged.

/// The `name` of the meta (the app looks for the same one).
pub const CONFIG_META_NAME: &str = "twinscope-config";

/// `html` with `config_json` in a meta just before its `</head>`; unchanged if it has none.
pub fn with_config_meta(html: &str, config_json: &str) -> String {
    let Some(head_end) = html.to_ascii_lowercase().find("</head>") else {
        return html.to_owned();
    };
    let mut page = String::with_capacity(html.len() + config_json.len() + 64);
    page.push_str(&html[..head_end]);
    page.push_str("<meta name=\"");
    page.push_str(CONFIG_META_NAME);
    page.push_str("\" content=\"");
    for c in config_json.chars() {
        match c {
            '&' => page.push_str("&amp;"),
            '"' => page.push_str("&quot;"),
            '\'' => page.push_str("&#39;"),
            '<' => page.push_str("&lt;"),
            '>' => page.push_str("&gt;"),
            c => page.push(c),
        }
    }
    page.push_str("\">");
    page.push_str(&html[head_end..]);
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meta_goes_before_the_first_head_end_and_escapes_markup() {
        assert_eq!(
            with_config_meta("<head><title>t</title></head><body>", r#"{"a":"<b>&'x'"}"#),
            "<head><title>t</title><meta name=\"twinscope-config\" content=\"{&quot;a&quot;:&quot;&lt;b&gt;&amp;&#39;x&#39;&quot;}\"></head><body>"
        );
        assert_eq!(with_config_meta("<p>no head</p>", "{}"), "<p>no head</p>");
    }
}
