//! The HTML the identity endpoints show: the sign-in page (account picker and credentials
//! form), error pages, the `form_post` response and the signed-out page. Plain, accessible
//! HTML: every input has a `<label>`, errors are announced with `role="alert"`.

use super::errors::AadError;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:Segoe UI,system-ui,sans-serif;background:#f2f2f2;margin:0}\
main{max-width:440px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}\
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}label{display:block;margin-top:12px}\
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:6px;font-size:1rem}\
button{margin-top:16px;padding:6px 24px;font-size:1rem;background:#0067b8;color:#fff;border:0;cursor:pointer}\
ul{list-style:none;padding:0}li button{width:100%;text-align:left;background:#fff;color:#1b1b1b;border:1px solid #ccc}\
[role=alert]{color:#e81123}footer{font-size:.8rem;color:#555;margin-top:24px}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}\
         <footer>twinscope development emulator: not Microsoft's service. \
         Development accounts are listed at <a href=\"/dev/accounts\">/dev/accounts</a>.</footer>\
         </main></body></html>\n",
        escape(title)
    )
}

fn hidden_fields(hidden: &[(String, String)]) -> String {
    hidden
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect()
}

/// What the sign-in page shows.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// Where both forms post.
    pub action: String,
    /// The original request's parameters, carried through the post.
    pub hidden: Vec<(String, String)>,
    /// Signed-in accounts to pick from: `(upn, display name)`.
    pub accounts: Vec<(String, String)>,
    pub username: String,
    pub error: Option<String>,
    pub app_name: String,
    /// Shown above the form, e.g. for admin consent.
    pub purpose: Option<String>,
}

pub fn sign_in_page(p: &SignIn) -> String {
    let hidden = hidden_fields(&p.hidden);
    let mut body = String::from("<h1>Sign in</h1>");
    body.push_str(&format!("<p>to continue to {}</p>", escape(&p.app_name)));
    if let Some(purpose) = &p.purpose {
        body.push_str(&format!("<p>{}</p>", escape(purpose)));
    }
    if let Some(error) = &p.error {
        body.push_str(&format!(
            "<p role=\"alert\" id=\"error\">{}</p>",
            escape(error)
        ));
    }
    if !p.accounts.is_empty() {
        body.push_str(&format!(
            "<section aria-labelledby=\"pick\"><h2 id=\"pick\">Pick an account</h2>\
             <form method=\"post\" action=\"{}\">{hidden}<ul>",
            escape(&p.action)
        ));
        for (upn, name) in &p.accounts {
            body.push_str(&format!(
                "<li><button type=\"submit\" name=\"account\" value=\"{}\">{} ({}) Signed in</button></li>",
                escape(upn),
                escape(name),
                escape(upn)
            ));
        }
        body.push_str("</ul></form></section><h2>Use another account</h2>");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"credentials\">{hidden}\
         <label for=\"login\">Email or username</label>\
         <input type=\"email\" id=\"login\" name=\"login\" autocomplete=\"username\" required value=\"{}\">\
         <label for=\"passwd\">Password</label>\
         <input type=\"password\" id=\"passwd\" name=\"passwd\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        escape(&p.action),
        escape(&p.username)
    ));
    layout("Sign in to your account", &body)
}

pub fn error_page(error: &AadError, trace_id: &str, timestamp: &str) -> String {
    let body = format!(
        "<h1>Sorry, but we're having trouble signing you in.</h1>\
         <p role=\"alert\" id=\"error\">{}</p>\
         <dl><dt>Error code</dt><dd>{}</dd><dt>Request Id</dt><dd>{}</dd><dt>Timestamp</dt><dd>{}</dd></dl>",
        escape(&error.to_string()),
        error.oauth_error(),
        escape(trace_id),
        escape(timestamp)
    );
    layout("Sign in to your account", &body)
}

/// `response_mode=form_post`: a page that posts the response to the redirect URI.
pub fn form_post_page(action: &str, fields: &[(String, String)]) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Working...</title></head>\
         <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{}\
         <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>\n",
        escape(action),
        hidden_fields(fields)
    )
}

pub fn signed_out_page() -> String {
    layout(
        "Sign out",
        "<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let page = sign_in_page(&SignIn {
            action: "/x/login".into(),
            hidden: vec![("state".into(), "\"><script>".into())],
            ..SignIn::default()
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("<title>Sign in to your account</title>"));
        assert!(page.contains("<label for=\"passwd\">Password</label>"));
    }
}
