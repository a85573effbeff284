//! Content-Security-Policy hash sources for a page's inline `<script>` and `<style>`
//! elements, and the page's `<meta http-equiv="Content-Security-Policy">` tag.
//!
//! twinscope's `index.html` carries its loader script and its stylesheet inline, so a
//! cold start needs two requests fewer. The policy still has no `'unsafe-inline'`: each
//! inline element is allowed by the SHA-256 of its exact text (`'sha256-…'`). Two places
//! compute the same sources from the same page: Trunk's post-build hook (`cargo xtask
//! post-build`) writes them into the built page's meta tag, which is all `trunk serve`
//! sends; the gateway recomputes them from the page it actually serves for its header and
//! meta, so a hand-edited `index.html` never runs with a stale policy.
//!
//! Invariants: only hash sources are added, to `script-src` and `style-src` and nowhere
//! else; hash sources already in those directives are replaced, never accumulated; an
//! external script (`src=`) is not hashed; comments are skipped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The hash sources of a page's inline elements, in document order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InlineHashes {
    /// `'sha256-…'` of each inline `<script>`'s text.
    pub scripts: Vec<String>,
    /// `'sha256-…'` of each `<style>`'s text.
    pub styles: Vec<String>,
}

/// `'sha256-<base64>'` of `text`'s UTF-8 bytes, as CSP Level 2 defines a hash source.
pub fn hash_source(text: &str) -> String {
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

fn push_once(list: &mut Vec<String>, source: String) {
    if !list.contains(&source) {
        list.push(source);
    }
}

/// Finds `needle` (lowercase ASCII) in `haystack` from `from`, ignoring ASCII case.
fn find_ignore_case(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let needle = needle.as_bytes();
    (from..=bytes.len().checked_sub(needle.len())?)
        .find(|&i| bytes[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The attribute names of a start tag's text (between the element name and `>`).
fn attribute_names(tag: &str) -> Vec<String> {
    let bytes = tag.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b"=/>".contains(&bytes[i]) {
            i += 1;
        }
        if i > start {
            names.push(tag[start..i].to_ascii_lowercase());
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
            }
        } else if i == start {
            i += 1;
        }
    }
    names
}

/// The hash sources of every inline `<script>` (one without `src`) and `<style>` of `html`.
pub fn inline_hashes(html: &str) -> InlineHashes {
    let mut hashes = InlineHashes::default();
    let mut at = 0;
    while let Some(open) = html[at..].find('<').map(|i| at + i) {
        if html[open..].starts_with("<!--") {
            at = html[open..]
                .find("-->")
                .map_or(html.len(), |end| open + end + 3);
            continue;
        }
        let element = ["script", "style"].into_iter().find(|name| {
            let end = open + 1 + name.len();
            html.get(open + 1..end)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && html
                    .as_bytes()
                    .get(end)
                    .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        });
        let Some(element) = element else {
            at = open + 1;
            continue;
        };
        let Some(tag_end) = html[open..].find('>').map(|i| open + i) else {
            break;
        };
        let content_start = tag_end + 1;
        let closing = format!("</{element}");
        let content_end = find_ignore_case(html, &closing, content_start).unwrap_or(html.len());
        let attributes = attribute_names(&html[open + 1 + element.len()..tag_end]);
        let text = &html[content_start..content_end];
        match element {
            "script" if !attributes.iter().any(|a| a == "src") => {
                push_once(&mut hashes.scripts, hash_source(text));
            }
            "style" => push_once(&mut hashes.styles, hash_source(text)),
            _ => {}
        }
        at = content_end;
    }
    hashes
}

fn is_hash_source(token: &str) -> bool {
    ["'sha256-", "'sha384-", "'sha512-"].iter().any(|prefix| {
        token.len() > prefix.len() && token[..prefix.len()].eq_ignore_ascii_case(prefix)
    })
}

/// `policy` with `hashes.scripts` in its `script-src` and `hashes.styles` in its `style-src`
/// (replacing any hash sources there), every other directive and source as written.
pub fn with_hashes(policy: &str, hashes: &InlineHashes) -> String {
    policy
        .split(';')
        .map(|directive| {
            let name = directive.split_whitespace().next().unwrap_or_default();
            let added = if name.eq_ignore_ascii_case("script-src") {
                &hashes.scripts
            } else if name.eq_ignore_ascii_case("style-src") {
                &hashes.styles
            } else {
                return directive.to_owned();
            };
            let indent = &directive[..directive.len() - directive.trim_start().len()];
            let kept = directive
                .split_whitespace()
                .filter(|token| !is_hash_source(token));
            let tokens: Vec<&str> = kept.chain(added.iter().map(String::as_str)).collect();
            format!("{indent}{}", tokens.join(" "))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The byte range of the first CSP meta tag's `content="…"` value, if any.
pub fn meta_csp_content(html: &str) -> Option<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = lower[from..].find("<meta") {
        let tag_start = from + offset;
        let tag_end = tag_start + lower[tag_start..].find('>')?;
        let tag = &lower[tag_start..tag_end];
        // Minifiers reorder attributes and drop quotes where they can: accept
        // `http-equiv="…"`, `http-equiv='…'` and `http-equiv=…`, before or after `content`.
        let is_csp = ["\"", "'", ""]
            .iter()
            .any(|q| tag.contains(&format!("http-equiv={q}content-security-policy")));
        if is_csp {
            for quote in ['"', '\''] {
                let opener = format!("content={quote}");
                if let Some(at) = tag.find(&opener) {
                    let value_start = tag_start + at + opener.len();
                    let value_end = value_start + lower[value_start..tag_end].find(quote)?;
                    return Some((value_start, value_end));
                }
            }
        }
        from = tag_end;
    }
    None
}

/// `html` with its CSP meta's policy replaced by `rewrite(policy)`; unchanged without one.
pub fn rewrite_meta(html: &str, rewrite: impl FnOnce(&str) -> String) -> String {
    match meta_csp_content(html) {
        Some((start, end)) => format!(
            "{}{}{}",
            &html[..start],
            rewrite(&html[start..end]),
            &html[end..]
        ),
        None => html.to_owned(),
    }
}

/// `html` with its CSP meta allowing exactly its own inline scripts and styles.
pub fn hash_meta(html: &str) -> String {
    let hashes = inline_hashes(html);
    rewrite_meta(html, |policy| with_hashes(policy, &hashes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers (computed independently with Python's `hashlib`).
    const ALERT: &str = "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='";
    const RED: &str = "'sha256-FcQqt3aNlV7AZnGV4zkQRVeCeJOxbMPnQSx258L803E='";

    fn check(html: &str, scripts: &[&str], styles: &[&str]) {
        let got = inline_hashes(html);
        assert_eq!(got.scripts, scripts, "scripts of {html}");
        assert_eq!(got.styles, styles, "styles of {html}");
    }

    #[test]
    fn hash_sources_match_known_answers() {
        assert_eq!(hash_source("alert(1)"), ALERT);
        assert_eq!(hash_source("body{color:red}"), RED);
    }

    #[test]
    fn inline_elements_are_hashed_and_external_or_commented_ones_are_not() {
        check(
            "<style>body{color:red}</style><script type=module>alert(1)</script>",
            &[ALERT],
            &[RED],
        );
        check("<SCRIPT>alert(1)</Script >", &[ALERT], &[]);
        check(r#"<script src="/boot.js">alert(1)</script>"#, &[], &[]);
        check("<script type=module src=/boot.js></script>", &[], &[]);
        check(r#"<script data-src="x">alert(1)</script>"#, &[ALERT], &[]);
        check("<!-- <script>alert(1)</script> --><p>", &[], &[]);
        check("<scripts>alert(1)</scripts><styles>x</styles>", &[], &[]);
        check(
            "<script>alert(1)</script><script>alert(1)</script>",
            &[ALERT],
            &[],
        );
        check("<script>alert(1)", &[ALERT], &[]);
        check("<script", &[], &[]);
        check("", &[], &[]);
    }

    #[test]
    fn hashes_go_into_script_and_style_src_only_and_replace_old_ones() {
        let hashes = InlineHashes {
            scripts: vec![ALERT.to_owned()],
            styles: vec![RED.to_owned()],
        };
        let policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-old='; style-src 'self'; img-src 'self'";
        assert_eq!(
            with_hashes(policy, &hashes),
            format!(
                "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {ALERT}; style-src 'self' {RED}; img-src 'self'"
            )
        );
        assert_eq!(
            with_hashes(&with_hashes(policy, &hashes), &hashes),
            with_hashes(policy, &hashes),
            "idempotent"
        );
        assert_eq!(
            with_hashes(policy, &InlineHashes::default()),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'"
        );
    }

    #[test]
    fn the_meta_gets_the_page_own_hashes() {
        let html = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'self'; style-src 'self'\">\
            <style>body{color:red}</style></head><body><script type=\"module\">alert(1)</script></body>";
        let out = hash_meta(html);
        assert!(
            out.contains(&format!(
                "content=\"script-src 'self' {ALERT}; style-src 'self' {RED}\""
            )),
            "{out}"
        );
        assert_eq!(
            hash_meta(&out),
            out,
            "hashing the meta changes no hashed text"
        );
        assert_eq!(hash_meta("<p>no meta</p>"), "<p>no meta</p>");
    }

    #[test]
    fn minified_meta_tags_are_found() {
        let html = r#"<meta content="default-src 'none'" http-equiv=Content-Security-Policy><meta content=no-referrer name=referrer>"#;
        let (start, end) = meta_csp_content(html).expect("found");
        assert_eq!(&html[start..end], "default-src 'none'");
    }
}
