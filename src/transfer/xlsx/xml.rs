//! A pull reader of the XML that SpreadsheetML parts are written in: elements, attributes,
//! text, the five predefined entities and character references, CDATA sections, comments and
//! processing instructions. Names are given without their namespace prefix (`x:row` is
//! `row`), which is how the parts are read whatever prefix their writer chose.
//!
//! It checks that tags nest and close, and refuses a document type declaration (so no
//! entity of the document's own can expand). Nothing else of XML is checked: the parts are
//! machine-written, and what matters is that a damaged one gives an error, never a panic.

use std::borrow::Cow;

/// What is wrong with a part's XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlProblem {
    #[error("the text ends inside {0}")]
    UnexpectedEnd(&'static str),
    #[error("<{0}> is never closed")]
    Unclosed(String),
    #[error("closing tag </{found}> does not match <{open}>")]
    Mismatched { found: String, open: String },
    #[error("closing tag </{0}> closes nothing")]
    Unopened(String),
    #[error("a tag has no name")]
    NoName,
    #[error("malformed attribute in <{0}>")]
    Attribute(String),
    #[error("unknown entity or bad character reference '&{0};'")]
    Entity(String),
    #[error("text outside the root element")]
    TextOutsideRoot,
    #[error("document type declarations are not allowed")]
    Doctype,
}

/// A problem and the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub problem: XmlProblem,
}

/// An opening tag (for an empty element `<a/>`, an [`Event::End`] follows at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The local name.
    pub name: &'a str,
    attributes: &'a str,
}

/// One step through a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    Start(Tag<'a>),
    /// The local name of the element that ends.
    End(&'a str),
    Text(Cow<'a, str>),
    Eof,
}

/// The name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Tag<'a> {
    /// The value of the attribute whose local name is `name`.
    pub fn attribute(&self, name: &str) -> Result<Option<Cow<'a, str>>, XmlProblem> {
        let bad = || XmlProblem::Attribute(self.name.to_owned());
        let mut rest = self.attributes;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if rest.is_empty() {
                return Ok(None);
            }
            let (key, after) = rest.split_once('=').ok_or_else(bad)?;
            let key = key.trim_end();
            if key.is_empty() || key.contains(|c: char| c.is_ascii_whitespace()) {
                return Err(bad());
            }
            let after = after.trim_start();
            let quote = after
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\''))
                .ok_or_else(bad)?;
            let body = &after[1..];
            let end = body.find(quote).ok_or_else(bad)?;
            if local(key) == name {
                return unescape(&body[..end]).map(Some);
            }
            rest = &body[end + 1..];
        }
    }
}

/// Replaces entity and character references.
pub fn unescape(raw: &str) -> Result<Cow<'_, str>, XmlProblem> {
    if !raw.contains(['&', '\r']) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\r']) {
        out.push_str(&rest[..at]);
        if rest[at..].starts_with('\r') {
            // Line ends are normalised: CR LF and lone CR become LF.
            out.push('\n');
            rest = rest[at + 1..].strip_prefix('\n').unwrap_or(&rest[at + 1..]);
            continue;
        }
        let after = &rest[at + 1..];
        let end = after
            .find(';')
            .filter(|&end| end <= 12)
            .ok_or_else(|| XmlProblem::Entity(after.chars().take(12).collect()))?;
        let entity = &after[..end];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        out.push(c.ok_or_else(|| XmlProblem::Entity(entity.to_owned()))?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Reads a document one [`Event`] at a time.
#[derive(Debug)]
pub struct Reader<'a> {
    text: &'a str,
    at: usize,
    /// Qualified names of the open elements.
    open: Vec<&'a str>,
    /// The local name of an empty element just started.
    pending_end: Option<&'a str>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text: text.strip_prefix('\u{feff}').unwrap_or(text),
            at: 0,
            open: Vec::new(),
            pending_end: None,
        }
    }

    /// `problem`, placed on the line the reader is at.
    pub fn error(&self, problem: XmlProblem) -> XmlError {
        let before = self.text.get(..self.at).unwrap_or(self.text);
        XmlError {
            line: before.matches('\n').count() + 1,
            problem,
        }
    }

    /// Skips past `end`, which must come.
    fn skip_past(&mut self, end: &str, inside: &'static str) -> Result<&'a str, XmlError> {
        let rest = &self.text[self.at..];
        match rest.find(end) {
            Some(i) => {
                self.at += i + end.len();
                Ok(&rest[..i])
            }
            None => {
                self.at = self.text.len();
                Err(self.error(XmlProblem::UnexpectedEnd(inside)))
            }
        }
    }

    /// The next event. After an error the reader should not be used further.
    pub fn next_event(&mut self) -> Result<Event<'a>, XmlError> {
        if let Some(name) = self.pending_end.take() {
            return Ok(Event::End(name));
        }
        loop {
            let rest = &self.text[self.at..];
            if rest.is_empty() {
                return match self.open.last() {
                    Some(open) => Err(self.error(XmlProblem::Unclosed((*open).to_owned()))),
                    None => Ok(Event::Eof),
                };
            }
            if !rest.starts_with('<') {
                let length = rest.find('<').unwrap_or(rest.len());
                let raw = &rest[..length];
                if self.open.is_empty() {
                    if !raw.bytes().all(is_space) {
                        return Err(self.error(XmlProblem::TextOutsideRoot));
                    }
                    self.at += length;
                    continue;
                }
                let text = unescape(raw).map_err(|p| self.error(p))?;
                self.at += length;
                return Ok(Event::Text(text));
            }
            if rest.starts_with("<?") {
                self.skip_past("?>", "a processing instruction")?;
                continue;
            }
            if rest.starts_with("<!--") {
                self.skip_past("-->", "a comment")?;
                continue;
            }
            if rest.starts_with("<![CDATA[") {
                self.at += "<![CDATA[".len();
                let inside = self.skip_past("]]>", "a CDATA section")?;
                if self.open.is_empty() {
                    return Err(self.error(XmlProblem::TextOutsideRoot));
                }
                return Ok(Event::Text(Cow::Borrowed(inside)));
            }
            if rest.starts_with("<!") {
                return Err(self.error(XmlProblem::Doctype));
            }
            if let Some(after) = rest.strip_prefix("</") {
                let Some(end) = after.find('>') else {
                    return Err(self.error(XmlProblem::UnexpectedEnd("a closing tag")));
                };
                let name = after[..end].trim_end();
                let problem = match self.open.last() {
                    Some(open) if *open == name => None,
                    Some(open) => Some(XmlProblem::Mismatched {
                        found: name.to_owned(),
                        open: (*open).to_owned(),
                    }),
                    None => Some(XmlProblem::Unopened(name.to_owned())),
                };
                if let Some(problem) = problem {
                    return Err(self.error(problem));
                }
                self.open.pop();
                self.at += 2 + end + 1;
                return Ok(Event::End(local(name)));
            }
            return self.start_tag();
        }
    }

    fn start_tag(&mut self) -> Result<Event<'a>, XmlError> {
        let rest = &self.text[self.at..];
        // The closing '>' outside quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, b) in rest.bytes().enumerate().skip(1) {
            match (quote, b) {
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), _) if q == b => quote = None,
                (None, b'>') => {
                    end = Some(i);
                    break;
                }
                (None, b'<') => break,
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err(self.error(XmlProblem::UnexpectedEnd("a tag")));
        };
        let inner = &rest[1..end];
        let (inner, empty) = match inner.strip_suffix('/') {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let name_length = inner.bytes().position(is_space).unwrap_or(inner.len());
        let name = &inner[..name_length];
        if name.is_empty() || name.contains(['"', '\'', '=', '/']) {
            return Err(self.error(XmlProblem::NoName));
        }
        self.at += end + 1;
        if empty {
            self.pending_end = Some(local(name));
        } else {
            self.open.push(name);
        }
        Ok(Event::Start(Tag {
            name: local(name),
            attributes: &inner[name_length..],
        }))
    }

    /// The text of the element just started, up to its end (the text of any child elements
    /// included).
    pub fn text_until_end(&mut self) -> Result<String, XmlError> {
        let mut depth = 0usize;
        let mut text = String::new();
        loop {
            match self.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return Ok(text),
                Event::End(_) => depth -= 1,
                Event::Text(t) => text.push_str(&t),
                Event::Eof => return Err(self.error(XmlProblem::UnexpectedEnd("an element"))),
            }
        }
    }

    /// Skips the element just started, up to and including its end.
    pub fn skip_element(&mut self) -> Result<(), XmlError> {
        self.text_until_end().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<String>, XmlError> {
        let mut reader = Reader::new(text);
        let mut out = Vec::new();
        loop {
            match reader.next_event()? {
                Event::Start(tag) => out.push(format!("<{}>", tag.name)),
                Event::End(name) => out.push(format!("</{name}>")),
                Event::Text(text) => out.push(text.into_owned()),
                Event::Eof => return Ok(out),
            }
        }
    }

    #[test]
    fn elements_text_and_references_are_read() {
        let text = "\u{feff}<?xml version=\"1.0\"?>\r\n<!-- c --><x:a xmlns:x=\"u\"><b k='1 > 0'/>1 &lt; 2 &amp;&#x41;&#66;\r\n<![CDATA[<raw>]]></x:a>\n";
        assert_eq!(
            events(text).unwrap(),
            ["<a>", "<b>", "</b>", "1 < 2 &AB\n", "<raw>", "</a>"]
        );
    }

    #[test]
    fn attributes_are_found_by_local_name_and_unescaped() {
        let mut reader = Reader::new("<c r=\"A1\" r:id = 'rId&amp;1' t=\"s\"></c>");
        let Event::Start(tag) = reader.next_event().unwrap() else {
            panic!("a start tag");
        };
        assert_eq!(tag.attribute("r").unwrap().as_deref(), Some("A1"));
        assert_eq!(tag.attribute("id").unwrap().as_deref(), Some("rId&1"));
        assert_eq!(tag.attribute("missing").unwrap(), None);
        let bad = Tag {
            name: "c",
            attributes: " r=A1",
        };
        assert_eq!(bad.attribute("r"), Err(XmlProblem::Attribute("c".into())));
    }

    #[test]
    fn malformed_documents_are_refused_with_their_line() {
        let check = |text: &str, line: usize, problem: XmlProblem| {
            assert_eq!(events(text), Err(XmlError { line, problem }), "{text:?}");
        };
        check(
            "<a>\n<b></a>",
            2,
            XmlProblem::Mismatched {
                found: "a".into(),
                open: "b".into(),
            },
        );
        check("<a>\n<b>", 2, XmlProblem::Unclosed("b".into()));
        check("</a>", 1, XmlProblem::Unopened("a".into()));
        check("<a>&nbsp;</a>", 1, XmlProblem::Entity("nbsp".into()));
        check("<a>&#xD800;</a>", 1, XmlProblem::Entity("#xD800".into()));
        check(
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>",
            1,
            XmlProblem::Doctype,
        );
        check("<a", 1, XmlProblem::UnexpectedEnd("a tag"));
        check("<a><!-- x", 1, XmlProblem::UnexpectedEnd("a comment"));
        check("hello", 1, XmlProblem::TextOutsideRoot);
        check("<>", 1, XmlProblem::NoName);
    }

    #[test]
    fn no_input_makes_it_panic() {
        let sample = "<?xml version=\"1.0\"?><w:a x=\"1\" y='&amp;'><b/>t&#233;xt<![CDATA[d]]><!--c--></w:a>";
        for end in 0..=sample.len() {
            for start in 0..end {
                if let Some(piece) = sample.get(start..end) {
                    let _ = events(piece);
                }
            }
        }
    }
}
