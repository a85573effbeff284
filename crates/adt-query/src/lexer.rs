//! Tokenizer: turns query text into tokens that each carry their line and position.

use crate::error::{Pos, QueryError, QueryErrorKind};

/// One token kind. Keywords are plain identifiers here; the parser compares them
/// case-insensitively. Arrows (`->`, `<-`) are not tokens: the `MATCH` parser assembles
/// them from `<`, `-` and `>` so that `T.x <-5` still reads as a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword. `escaped` is true for `[[name]]`, which is never a keyword.
    Ident {
        name: String,
        escaped: bool,
    },
    /// A string literal with its escapes resolved.
    Str(String),
    /// An unsigned number literal (the parser applies a leading `-`).
    Number(serde_json::Number),
    Star,
    Comma,
    Dot,
    DotDot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Minus,
    Colon,
    Pipe,
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

impl Tok {
    /// How the token reads in an error message: `'FORM'`, `string 'abc'`, `end of query`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident {
                name,
                escaped: false,
            } => format!("'{name}'"),
            Tok::Ident {
                name,
                escaped: true,
            } => format!("'[[{name}]]'"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Number(n) => format!("'{n}'"),
            Tok::Eof => "end of query".to_string(),
            other => format!("'{}'", other.punct()),
        }
    }

    fn punct(&self) -> &'static str {
        match self {
            Tok::Star => "*",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Eq => "=",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Gt => ">",
            Tok::Le => "<=",
            Tok::Ge => ">=",
            Tok::Minus => "-",
            Tok::Colon => ":",
            Tok::Pipe => "|",
            _ => "",
        }
    }
}

/// Splits `text` into tokens, ending with one [`Tok::Eof`] placed just after the last
/// character. Errors: unterminated strings, bad escapes, malformed numbers, stray characters.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        at: 0,
        pos: Pos {
            line: 1,
            position: 1,
        },
    };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_whitespace();
        let pos = lexer.pos;
        let Some(c) = lexer.peek(0) else {
            tokens.push(Token { tok: Tok::Eof, pos });
            return Ok(tokens);
        };
        let tok = lexer.token(c, pos)?;
        tokens.push(Token { tok, pos });
    }
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    pos: Pos,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.position = 1;
        } else {
            self.pos.position += 1;
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn token(&mut self, c: char, pos: Pos) -> Result<Tok, QueryError> {
        if is_ident_start(c) {
            return Ok(self.ident());
        }
        if c.is_ascii_digit() {
            return self.number(pos);
        }
        if c == '\'' || c == '"' {
            return self.string(c, pos);
        }
        if c == '['
            && self.peek(1) == Some('[')
            && let Some(tok) = self.escaped_ident()
        {
            return Ok(tok);
        }
        self.bump();
        let two = |lexer: &mut Lexer, next: char, yes: Tok, no: Tok| {
            if lexer.peek(0) == Some(next) {
                lexer.bump();
                yes
            } else {
                no
            }
        };
        Ok(match c {
            '*' => Tok::Star,
            ',' => Tok::Comma,
            '.' => two(self, '.', Tok::DotDot, Tok::Dot),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '=' => Tok::Eq,
            '<' => two(self, '=', Tok::Le, Tok::Lt),
            '>' => two(self, '=', Tok::Ge, Tok::Gt),
            '-' => Tok::Minus,
            ':' => Tok::Colon,
            '|' => Tok::Pipe,
            '!' if self.peek(0) == Some('=') => {
                self.bump();
                Tok::Ne
            }
            other => {
                return Err(QueryError::at(
                    QueryErrorKind::Syntax,
                    pos,
                    format!("unexpected character '{other}'"),
                ));
            }
        })
    }

    fn ident(&mut self) -> Tok {
        let mut name = String::new();
        while let Some(c) = self.peek(0).filter(|c| is_ident_continue(*c)) {
            name.push(c);
            self.bump();
        }
        Tok::Ident {
            name,
            escaped: false,
        }
    }

    /// `[[name]]` on one line; `None` (nothing consumed) when there is no closing `]]`.
    fn escaped_ident(&mut self) -> Option<Tok> {
        let rest = &self.chars[self.at + 2..];
        let len = rest
            .windows(2)
            .take_while(|w| w[0] != '\n')
            .position(|w| w == [']', ']'])?;
        let name: String = rest[..len].iter().collect();
        if name.trim().is_empty() {
            return None;
        }
        for _ in 0..len + 4 {
            self.bump();
        }
        Some(Tok::Ident {
            name,
            escaped: true,
        })
    }

    /// Digits, an optional fraction (a `.` followed by a digit, so `1..3` stays a range)
    /// and an optional exponent. A letter straight after the number is a bad literal.
    fn number(&mut self, pos: Pos) -> Result<Tok, QueryError> {
        let mut text = String::new();
        let mut is_float = false;
        self.digits(&mut text);
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            text.push('.');
            self.bump();
            self.digits(&mut text);
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek(1), Some('+' | '-')));
            if self.peek(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                for _ in 0..=sign {
                    text.push(self.bump().unwrap_or('e'));
                }
                self.digits(&mut text);
            }
        }
        if self
            .peek(0)
            .is_some_and(|c| is_ident_continue(c) || c == '.' && self.peek(1) != Some('.'))
        {
            while let Some(c) = self.peek(0).filter(|c| is_ident_continue(*c) || *c == '.') {
                text.push(c);
                self.bump();
            }
            return Err(QueryError::at(
                QueryErrorKind::Syntax,
                pos,
                format!("invalid number literal '{text}'"),
            ));
        }
        let number = if is_float {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        } else {
            text.parse::<u64>().ok().map(serde_json::Number::from)
        };
        number.map(Tok::Number).ok_or_else(|| {
            QueryError::at(
                QueryErrorKind::Syntax,
                pos,
                format!("number literal '{text}' is out of range"),
            )
        })
    }

    fn digits(&mut self, text: &mut String) {
        while let Some(c) = self.peek(0).filter(char::is_ascii_digit) {
            text.push(c);
            self.bump();
        }
    }

    /// A string in `'` or `"` quotes; `\` escapes the quote, `\`, and the JSON escapes.
    fn string(&mut self, quote: char, pos: Pos) -> Result<Tok, QueryError> {
        self.bump();
        let mut value = String::new();
        loop {
            let escape_pos = self.pos;
            match self.bump() {
                None => {
                    return Err(QueryError::at(
                        QueryErrorKind::Syntax,
                        pos,
                        format!("unterminated string literal (missing closing {quote})"),
                    ));
                }
                Some(c) if c == quote => return Ok(Tok::Str(value)),
                Some('\\') => value.push(self.escape(escape_pos, pos, quote)?),
                Some(c) => value.push(c),
            }
        }
    }

    fn escape(&mut self, escape_pos: Pos, start: Pos, quote: char) -> Result<char, QueryError> {
        let bad = |what: String| QueryError::at(QueryErrorKind::Syntax, escape_pos, what);
        let Some(c) = self.bump() else {
            return Err(QueryError::at(
                QueryErrorKind::Syntax,
                start,
                format!("unterminated string literal (missing closing {quote})"),
            ));
        };
        Ok(match c {
            '\'' | '"' | '\\' | '/' => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => {
                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                    .and_then(char::from_u32)
                    .ok_or_else(|| bad(format!("invalid unicode escape '\\u{hex}'")))?
            }
            other => return Err(bad(format!("invalid escape sequence '\\{other}'"))),
        })
    }
}
