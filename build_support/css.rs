// Included by `build.rs` (the screens' stylesheet) and by `src/pages/instance.rs`'s tests.

/// `css` without comments and with every run of whitespace outside strings made one space,
/// none beside `{`, `}`, `;` or `,`. Quoted strings are kept as written.
pub fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
            }
            c if c.is_whitespace() => space = true,
            '"' | '\'' => {
                separate(&mut out, std::mem::take(&mut space));
                out.push(c);
                let mut escaped = false;
                for s in chars.by_ref() {
                    out.push(s);
                    if escaped {
                        escaped = false;
                    } else if s == '\\' {
                        escaped = true;
                    } else if s == c {
                        break;
                    }
                }
            }
            '{' | '}' | ';' | ',' => {
                space = false;
                out.push(c);
            }
            c => {
                separate(&mut out, std::mem::take(&mut space));
                out.push(c);
            }
        }
    }
    out
}

/// One space before what comes next, if whitespace came before it and `out` does not end
/// where none is needed.
fn separate(out: &mut String, space: bool) {
    if space && !out.is_empty() && !out.ends_with(['{', '}', ';', ',']) {
        out.push(' ');
    }
}
