//! Recursive-descent parser from tokens to the unresolved syntax tree. Names stay text
//! here (the SELECT list comes before the FROM clause that declares them); [`crate::resolve`]
//! binds them.

use serde_json::Value;

use crate::ast::{CompareOp, Direction, Hops, TextOp, TypeTest};
use crate::error::{Pos, QueryError, QueryErrorKind};
use crate::lexer::{Tok, Token};
use crate::{MAX_HOPS, MAX_IN_ITEMS, MAX_JOINS, MAX_LOGICAL_OPERATORS, MAX_NESTING};

/// Words the language reserves (per the reserved-keywords reference). They cannot be
/// names unless escaped as `[[word]]`.
const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "AS",
    "ASC",
    "AVG",
    "BY",
    "COUNT",
    "DESC",
    "DEVICES_JOBS",
    "DEVICES_MODULES",
    "DEVICES",
    "ENDS_WITH",
    "FALSE",
    "FROM",
    "GROUP",
    "IN",
    "IS_BOOL",
    "IS_DEFINED",
    "IS_NULL",
    "IS_NUMBER",
    "IS_OBJECT",
    "IS_PRIMITIVE",
    "IS_STRING",
    "MAX",
    "MIN",
    "NOT",
    "NOT_IN",
    "NULL",
    "OR",
    "ORDER",
    "SELECT",
    "STARTS_WITH",
    "SUM",
    "TOP",
    "TRUE",
    "WHERE",
    "IS_OF_MODEL",
];

/// Clause words that end a collection declaration, so they are never taken as an alias.
const CLAUSE_WORDS: &[&str] = &[
    "JOIN", "MATCH", "WHERE", "RELATED", "ORDER", "GROUP", "LIMIT", "OFFSET",
];

/// Words that, before `JOIN`, ask for join semantics the language does not have.
const OUTER_JOIN_WORDS: &[&str] = &["LEFT", "RIGHT", "FULL", "OUTER", "INNER", "CROSS"];

/// Aggregates other than `COUNT()`: reserved, documented as keywords, not supported.
const AGGREGATES: &[&str] = &["AVG", "SUM", "MIN", "MAX"];

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Name {
    pub text: String,
    pub pos: Pos,
}

/// `a.b.c`; never empty.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPath {
    pub segments: Vec<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawQuery {
    pub top: Option<usize>,
    pub projection: RawProjection,
    pub from: RawFrom,
    /// The `WHERE` keyword's position and the condition.
    pub filter: Option<(Pos, RawCondition)>,
    /// Where the query text ends.
    pub end: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawProjection {
    /// `*`, or `TOP(n)` with nothing after it; the position of `*` / `TOP`.
    All(Pos),
    Count,
    Columns(Vec<RawColumn>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawColumn {
    pub path: RawPath,
    pub alias: Option<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawFrom {
    Twins {
        alias: Option<Name>,
        joins: Vec<RawJoin>,
        pattern: Option<RawPattern>,
    },
    Relationships {
        alias: Option<Name>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawJoin {
    pub target: Name,
    pub source: Name,
    pub relationship_name: String,
    pub relationship: Option<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPattern {
    /// Node names; `None` is an anonymous `()`, positioned at its `(`.
    pub nodes: Vec<(Option<Name>, Pos)>,
    pub edges: Vec<RawEdge>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawEdge {
    pub direction: Direction,
    pub variable: Option<Name>,
    pub names: Vec<String>,
    pub hops: Hops,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawOperand {
    Path(RawPath),
    Literal(Value, Pos),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCondition {
    And(Vec<RawCondition>),
    Or(Vec<RawCondition>),
    Not(Box<RawCondition>),
    Compare(RawOperand, CompareOp, RawOperand),
    In(RawOperand, Vec<Value>, bool),
    Test(TypeTest, RawOperand),
    Text(TextOp, RawOperand, RawOperand),
    ArrayContains(RawOperand, RawOperand),
    /// `IS_OF_MODEL` arguments as written; the name position for errors.
    IsOfModel(Pos, Vec<RawOperand>),
}

/// Parses a whole token stream (ending in `Eof`) into a [`RawQuery`].
pub(crate) fn parse_tokens(tokens: &[Token]) -> Result<RawQuery, QueryError> {
    let mut parser = Parser {
        tokens,
        at: 0,
        logical_operators: 0,
        depth: 0,
    };
    parser.query()
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    logical_operators: usize,
    /// Current nesting of parentheses and `NOT` in a condition.
    depth: usize,
}

fn syntax(pos: Pos, message: impl Into<String>) -> QueryError {
    QueryError::at(QueryErrorKind::Syntax, pos, message)
}

fn unsupported(pos: Pos, message: impl Into<String>) -> QueryError {
    QueryError::at(QueryErrorKind::Unsupported, pos, message)
}

fn invalid(pos: Pos, message: impl Into<String>) -> QueryError {
    QueryError::at(QueryErrorKind::InvalidArgument, pos, message)
}

fn is_word(tok: &Tok, words: &[&str]) -> bool {
    matches!(tok, Tok::Ident { name, escaped: false } if words.iter().any(|w| w.eq_ignore_ascii_case(name)))
}

/// The built-in functions usable as conditions, with their argument counts.
fn function_arity(upper: &str) -> Option<(usize, usize)> {
    Some(match upper {
        "IS_DEFINED" | "IS_NULL" | "IS_BOOL" | "IS_NUMBER" | "IS_STRING" | "IS_PRIMITIVE"
        | "IS_OBJECT" => (1, 1),
        "STARTSWITH" | "ENDSWITH" | "CONTAINS" | "ARRAY_CONTAINS" => (2, 2),
        "IS_OF_MODEL" => (1, 3),
        _ => return None,
    })
}

fn type_test(upper: &str) -> Option<TypeTest> {
    Some(match upper {
        "IS_DEFINED" => TypeTest::Defined,
        "IS_NULL" => TypeTest::Null,
        "IS_BOOL" => TypeTest::Bool,
        "IS_NUMBER" => TypeTest::Number,
        "IS_STRING" => TypeTest::String,
        "IS_PRIMITIVE" => TypeTest::Primitive,
        "IS_OBJECT" => TypeTest::Object,
        _ => return None,
    })
}

impl<'t> Parser<'t> {
    fn tok(&self) -> &'t Tok {
        &self.tokens[self.at].tok
    }

    fn tok_at(&self, ahead: usize) -> &'t Tok {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.at + ahead).min(last)].tok
    }

    fn pos(&self) -> Pos {
        self.tokens[self.at].pos
    }

    fn advance(&mut self) -> &'t Token {
        let token = &self.tokens[self.at];
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn is_kw(&self, kw: &str) -> bool {
        is_word(self.tok(), &[kw])
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let found = self.is_kw(kw);
        if found {
            self.advance();
        }
        found
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let found = self.tok() == tok;
        if found {
            self.advance();
        }
        found
    }

    /// `unexpected <current token>, expected <what>` at the current token.
    fn unexpected(&self, expected: &str) -> QueryError {
        syntax(
            self.pos(),
            format!("unexpected {}, expected {expected}", self.tok().describe()),
        )
    }

    fn expect_kw(&mut self, kw: &str) -> Result<Pos, QueryError> {
        let pos = self.pos();
        if self.eat_kw(kw) {
            Ok(pos)
        } else {
            Err(self.unexpected(&format!("'{kw}'")))
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<Pos, QueryError> {
        let pos = self.pos();
        if self.eat(tok) {
            Ok(pos)
        } else {
            Err(self.unexpected(what))
        }
    }

    /// A name: an identifier that is not reserved, or any `[[escaped]]` name.
    fn name(&mut self, expected: &str) -> Result<Name, QueryError> {
        let pos = self.pos();
        match self.tok() {
            Tok::Ident { name, escaped } => {
                if !escaped && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                    return Err(syntax(
                        pos,
                        format!(
                            "unexpected '{name}', expected {expected} ('{name}' is a reserved \
                             keyword: write [[{name}]] to use it as a name)"
                        ),
                    ));
                }
                self.advance();
                Ok(Name {
                    text: name.clone(),
                    pos,
                })
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    fn path(&mut self, expected: &str) -> Result<RawPath, QueryError> {
        let mut segments = vec![self.name(expected)?];
        while self.eat(&Tok::Dot) {
            segments.push(self.name("a property name")?);
        }
        Ok(RawPath { segments })
    }

    fn query(&mut self) -> Result<RawQuery, QueryError> {
        self.expect_kw("SELECT")?;
        let (top, projection) = self.select()?;
        self.expect_kw("FROM")?;
        let from = self.from()?;
        let filter = if self.is_kw("WHERE") {
            let pos = self.advance().pos;
            Some((pos, self.condition()?))
        } else {
            None
        };
        self.trailing(filter.is_some())?;
        Ok(RawQuery {
            top,
            projection,
            from,
            filter,
            end: self.pos(),
        })
    }

    /// After the last clause only the end of the query may follow.
    fn trailing(&self, had_where: bool) -> Result<(), QueryError> {
        let pos = self.pos();
        if matches!(self.tok(), Tok::Eof) {
            return Ok(());
        }
        if is_word(self.tok(), &["ORDER", "GROUP"]) && is_word(self.tok_at(1), &["BY"]) {
            let clause = match self.tok() {
                Tok::Ident { name, .. } => name.to_ascii_uppercase(),
                _ => String::new(),
            };
            return Err(unsupported(
                pos,
                format!("{clause} BY is not supported by the Azure Digital Twins query language"),
            ));
        }
        if is_word(self.tok(), &["LIMIT", "OFFSET"]) {
            return Err(unsupported(
                pos,
                "LIMIT and OFFSET are not supported; use SELECT TOP(n) and the continuation token",
            ));
        }
        if self.is_kw("JOIN") || self.is_kw("MATCH") {
            return Err(unsupported(
                pos,
                "JOIN and MATCH must come before WHERE and cannot be combined with each other \
                 or with FROM RELATIONSHIPS",
            ));
        }
        let expected = if had_where {
            "'AND', 'OR' or end of query"
        } else {
            "'WHERE' or end of query"
        };
        Err(self.unexpected(expected))
    }

    fn select(&mut self) -> Result<(Option<usize>, RawProjection), QueryError> {
        let top_pos = self.pos();
        let top = if self.eat_kw("TOP") {
            Some(self.top_count()?)
        } else {
            None
        };
        if top.is_some() && self.is_kw("FROM") {
            return Ok((top, RawProjection::All(top_pos)));
        }
        let pos = self.pos();
        if self.eat(&Tok::Star) {
            return Ok((top, RawProjection::All(pos)));
        }
        if self.is_kw("COUNT") && self.tok_at(1) == &Tok::LParen {
            self.advance();
            self.advance();
            if !self.eat(&Tok::RParen) {
                return Err(invalid(self.pos(), "COUNT() takes no arguments"));
            }
            return Ok((top, RawProjection::Count));
        }
        if is_word(self.tok(), &["DISTINCT", "VALUE"])
            && matches!(self.tok_at(1), Tok::Ident { .. } | Tok::Star)
        {
            return Err(unsupported(
                pos,
                format!(
                    "SELECT {} is not supported by the Azure Digital Twins query language",
                    self.tok()
                        .describe()
                        .trim_matches('\'')
                        .to_ascii_uppercase()
                ),
            ));
        }
        let mut columns = Vec::new();
        loop {
            self.reject_call_in_select()?;
            let path = self.path("'*', 'COUNT()' or a collection or property name")?;
            let alias = if self.eat_kw("AS") {
                Some(self.name("an alias after AS")?)
            } else {
                None
            };
            columns.push(RawColumn { path, alias });
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        Ok((top, RawProjection::Columns(columns)))
    }

    /// `name(` in the SELECT list: only `COUNT()` is a projection function.
    fn reject_call_in_select(&self) -> Result<(), QueryError> {
        if let (
            Tok::Ident {
                name,
                escaped: false,
            },
            Tok::LParen,
        ) = (self.tok(), self.tok_at(1))
        {
            if AGGREGATES.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                return Err(unsupported(
                    self.pos(),
                    format!(
                        "aggregate {} is not supported; only COUNT() is",
                        name.to_ascii_uppercase()
                    ),
                ));
            }
            return Err(QueryError::at(
                QueryErrorKind::UnknownFunction,
                self.pos(),
                format!("'{name}' is not a function that can be used in SELECT; only COUNT() is"),
            ));
        }
        Ok(())
    }

    /// `(n)` (or bare `n`) after TOP: a positive integer.
    fn top_count(&mut self) -> Result<usize, QueryError> {
        let parens = self.eat(&Tok::LParen);
        let pos = self.pos();
        let value = match self.tok() {
            Tok::Number(n) => n.as_u64().filter(|n| *n >= 1),
            Tok::Minus => None,
            _ => return Err(self.unexpected("a number of items for TOP")),
        };
        let Some(count) = value.and_then(|n| usize::try_from(n).ok()) else {
            return Err(invalid(
                pos,
                "TOP needs a positive whole number, like TOP(5)",
            ));
        };
        self.advance();
        if parens {
            self.expect(&Tok::RParen, "')'")?;
        }
        Ok(count)
    }

    fn from(&mut self) -> Result<RawFrom, QueryError> {
        if self.tok() == &Tok::LParen {
            return Err(unsupported(
                self.pos(),
                "subqueries are not supported in FROM",
            ));
        }
        if self.eat_kw("RELATIONSHIPS") {
            let alias = self.alias()?;
            if self.is_kw("JOIN") || self.is_kw("MATCH") {
                return Err(unsupported(
                    self.pos(),
                    "FROM RELATIONSHIPS cannot be combined with JOIN or MATCH",
                ));
            }
            return Ok(RawFrom::Relationships { alias });
        }
        if !self.eat_kw("DIGITALTWINS") {
            return Err(self.unexpected("'DIGITALTWINS' or 'RELATIONSHIPS'"));
        }
        let alias = self.alias()?;
        let mut joins = Vec::new();
        loop {
            self.reject_outer_join()?;
            let join_pos = self.pos();
            if !self.eat_kw("JOIN") {
                break;
            }
            if joins.len() == MAX_JOINS {
                return Err(QueryError::at(
                    QueryErrorKind::TooManyJoins,
                    join_pos,
                    format!("a query can have at most {MAX_JOINS} JOINs"),
                ));
            }
            joins.push(self.join()?);
        }
        let pattern = if self.is_kw("MATCH") {
            let pos = self.advance().pos;
            if !joins.is_empty() {
                return Err(unsupported(pos, "MATCH cannot be combined with JOIN"));
            }
            if let Some(alias) = &alias {
                return Err(unsupported(
                    alias.pos,
                    "a FROM DIGITALTWINS name cannot be combined with MATCH; name the twins \
                     inside the MATCH pattern",
                ));
            }
            let pattern = self.pattern()?;
            if self.is_kw("MATCH") {
                return Err(unsupported(
                    self.pos(),
                    "only one MATCH is supported per query",
                ));
            }
            Some(pattern)
        } else {
            None
        };
        Ok(RawFrom::Twins {
            alias,
            joins,
            pattern,
        })
    }

    fn reject_outer_join(&self) -> Result<(), QueryError> {
        if is_word(self.tok(), OUTER_JOIN_WORDS)
            && (is_word(self.tok_at(1), &["JOIN"]) || is_word(self.tok_at(2), &["JOIN"]))
        {
            return Err(unsupported(
                self.pos(),
                "OUTER and other JOIN variants are not supported; use JOIN ... RELATED",
            ));
        }
        Ok(())
    }

    /// An optional collection name: `[AS] name`, never a clause keyword.
    fn alias(&mut self) -> Result<Option<Name>, QueryError> {
        if self.eat_kw("AS") {
            return self.name("a collection name after AS").map(Some);
        }
        let is_name = match self.tok() {
            Tok::Ident { escaped: true, .. } => true,
            Tok::Ident { .. } => {
                let outer_join = is_word(self.tok(), OUTER_JOIN_WORDS)
                    && is_word(self.tok_at(1), &["JOIN", "OUTER"]);
                !is_word(self.tok(), CLAUSE_WORDS) && !outer_join
            }
            _ => false,
        };
        if is_name {
            self.name("a collection name").map(Some)
        } else {
            Ok(None)
        }
    }

    /// After `JOIN`: `target RELATED source.relationshipName [relationshipAlias]`.
    fn join(&mut self) -> Result<RawJoin, QueryError> {
        let target = self.name("a collection name after JOIN")?;
        self.expect_kw("RELATED")?;
        let source = self.name("a twin collection name after RELATED")?;
        self.expect(&Tok::Dot, "'.' and a relationship name")?;
        let relationship_name = self.name("a relationship name")?.text;
        let relationship = match self.tok() {
            Tok::Ident { .. }
                if !is_word(self.tok(), CLAUSE_WORDS) && !is_word(self.tok(), OUTER_JOIN_WORDS) =>
            {
                Some(self.name("a relationship collection name")?)
            }
            _ => None,
        };
        Ok(RawJoin {
            target,
            source,
            relationship_name,
            relationship,
        })
    }

    fn pattern(&mut self) -> Result<RawPattern, QueryError> {
        let mut nodes = vec![self.node()?];
        let mut edges = Vec::new();
        while matches!(self.tok(), Tok::Minus | Tok::Lt) {
            edges.push(self.edge()?);
            nodes.push(self.node()?);
        }
        Ok(RawPattern { nodes, edges })
    }

    /// `(name)`, `()` or a bare `name`.
    fn node(&mut self) -> Result<(Option<Name>, Pos), QueryError> {
        let pos = self.pos();
        if self.eat(&Tok::LParen) {
            if self.eat(&Tok::RParen) {
                return Ok((None, pos));
            }
            let name = self.name("a twin collection name")?;
            self.expect(&Tok::RParen, "')'")?;
            return Ok((Some(name), pos));
        }
        if matches!(self.tok(), Tok::Ident { .. }) {
            return Ok((Some(self.name("a twin collection name")?), pos));
        }
        Err(self.unexpected("'(' and a twin collection name"))
    }

    /// `-[...]->`, `<-[...]-` or `-[...]-`.
    fn edge(&mut self) -> Result<RawEdge, QueryError> {
        let incoming = self.eat(&Tok::Lt);
        self.expect(&Tok::Minus, "'-'")?;
        self.expect(&Tok::LBracket, "'[' and a relationship condition")?;
        let (variable, names, hops) = self.relationship_condition()?;
        self.expect(&Tok::RBracket, "']'")?;
        self.expect(&Tok::Minus, "'-'")?;
        let gt_pos = self.pos();
        let outgoing = self.eat(&Tok::Gt);
        let direction = match (incoming, outgoing) {
            (true, true) => {
                return Err(syntax(
                    gt_pos,
                    "a relationship arrow points one way only; chain two conditions for both",
                ));
            }
            (true, false) => Direction::Incoming,
            (false, true) => Direction::Outgoing,
            (false, false) => Direction::Any,
        };
        if let Some(var) = &variable
            && hops != Hops::ONE
        {
            return Err(unsupported(
                var.pos,
                "a relationship variable can only be used with a single hop",
            ));
        }
        Ok(RawEdge {
            direction,
            variable,
            names,
            hops,
        })
    }

    /// Inside `[...]`: `[variable][:name|name...][*hops]`. A list `a|b` without `:` is read
    /// as names (the docs write `[has|includes*..3]`).
    fn relationship_condition(&mut self) -> Result<(Option<Name>, Vec<String>, Hops), QueryError> {
        let mut variable = None;
        let mut names = Vec::new();
        if matches!(self.tok(), Tok::Ident { .. }) {
            let first = self.name("a relationship variable or ':'")?;
            if self.tok() == &Tok::Pipe {
                names.push(first.text);
                while self.eat(&Tok::Pipe) {
                    names.push(self.name("a relationship name after '|'")?.text);
                }
            } else {
                variable = Some(first);
            }
        }
        if names.is_empty() && self.eat(&Tok::Colon) {
            names.push(self.name("a relationship name after ':'")?.text);
            while self.eat(&Tok::Pipe) {
                names.push(self.name("a relationship name after '|'")?.text);
            }
        }
        let hops = if self.eat(&Tok::Star) {
            self.hops()?
        } else {
            Hops::ONE
        };
        Ok((variable, names, hops))
    }

    /// After `*`: `n`, `a..b` (a excluded, b included) or `..b`.
    fn hops(&mut self) -> Result<Hops, QueryError> {
        let first_pos = self.pos();
        let first = self.hop_number()?;
        let (min, max, pos) = if self.eat(&Tok::DotDot) {
            let end_pos = self.pos();
            let end = self
                .hop_number()?
                .ok_or_else(|| self.unexpected("an ending hop limit (it must always be given)"))?;
            (first.map_or(1, |start| start + 1), end, end_pos)
        } else {
            let exact = first.ok_or_else(|| self.unexpected("a number of hops"))?;
            (exact, exact, first_pos)
        };
        if max == 0 || max > u64::from(MAX_HOPS) {
            return Err(invalid(
                pos,
                format!("the number of hops must be between 1 and {MAX_HOPS}"),
            ));
        }
        if min > max {
            return Err(invalid(
                first_pos,
                "the starting hop limit must be less than the ending limit",
            ));
        }
        // Both are at most MAX_HOPS here.
        Ok(Hops {
            min: u32::try_from(min).unwrap_or(MAX_HOPS),
            max: u32::try_from(max).unwrap_or(MAX_HOPS),
        })
    }

    fn hop_number(&mut self) -> Result<Option<u64>, QueryError> {
        match self.tok() {
            Tok::Number(n) => {
                let pos = self.pos();
                let value = n
                    .as_u64()
                    .ok_or_else(|| invalid(pos, "the number of hops must be a whole number"))?;
                self.advance();
                Ok(Some(value))
            }
            _ => Ok(None),
        }
    }

    fn count_logical(&mut self, pos: Pos) -> Result<(), QueryError> {
        self.logical_operators += 1;
        if self.logical_operators > MAX_LOGICAL_OPERATORS {
            return Err(invalid(
                pos,
                format!("a query can have at most {MAX_LOGICAL_OPERATORS} AND/OR operators"),
            ));
        }
        Ok(())
    }

    fn condition(&mut self) -> Result<RawCondition, QueryError> {
        let mut terms = vec![self.and_condition()?];
        while self.is_kw("OR") {
            let pos = self.advance().pos;
            self.count_logical(pos)?;
            terms.push(self.and_condition()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            RawCondition::Or(terms)
        })
    }

    fn and_condition(&mut self) -> Result<RawCondition, QueryError> {
        let mut terms = vec![self.not_condition()?];
        while self.is_kw("AND") {
            let pos = self.advance().pos;
            self.count_logical(pos)?;
            terms.push(self.not_condition()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            RawCondition::And(terms)
        })
    }

    /// Runs `f` one nesting level deeper, refusing more than [`MAX_NESTING`] levels.
    fn nested<T>(
        &mut self,
        pos: Pos,
        f: impl FnOnce(&mut Self) -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        if self.depth >= MAX_NESTING {
            return Err(invalid(
                pos,
                format!(
                    "conditions can nest at most {MAX_NESTING} levels deep (parentheses and NOT)"
                ),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn not_condition(&mut self) -> Result<RawCondition, QueryError> {
        let pos = self.pos();
        if self.eat_kw("NOT") {
            return self.nested(pos, |p| Ok(RawCondition::Not(Box::new(p.not_condition()?))));
        }
        if self.eat(&Tok::LParen) {
            return self.nested(pos, |p| {
                let inner = p.condition()?;
                p.expect(&Tok::RParen, "')'")?;
                Ok(inner)
            });
        }
        if let (Tok::Ident { escaped: false, .. }, Tok::LParen) = (self.tok(), self.tok_at(1)) {
            return self.function();
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<RawCondition, QueryError> {
        let left = self.operand()?;
        let op = match self.tok() {
            Tok::Eq => Some(CompareOp::Eq),
            Tok::Ne => Some(CompareOp::Ne),
            Tok::Lt => Some(CompareOp::Lt),
            Tok::Gt => Some(CompareOp::Gt),
            Tok::Le => Some(CompareOp::Le),
            Tok::Ge => Some(CompareOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.advance();
            let right = self.operand()?;
            return Ok(RawCondition::Compare(left, op, right));
        }
        if self.eat_kw("IN") {
            return Ok(RawCondition::In(left, self.list()?, false));
        }
        if self.eat_kw("NIN") || self.eat_kw("NOT_IN") {
            return Ok(RawCondition::In(left, self.list()?, true));
        }
        if self.is_kw("NOT") && is_word(self.tok_at(1), &["IN"]) {
            self.advance();
            self.advance();
            return Ok(RawCondition::In(left, self.list()?, true));
        }
        Err(self.unexpected("a comparison operator (=, !=, <, >, <=, >=, IN or NIN)"))
    }

    /// A literal (string, number, `-number`, `true`, `false`, `null`) or a property path.
    fn operand(&mut self) -> Result<RawOperand, QueryError> {
        if let Some(value) = self.literal()? {
            return Ok(value);
        }
        if let (
            Tok::Ident {
                name,
                escaped: false,
            },
            Tok::LParen,
        ) = (self.tok(), self.tok_at(1))
        {
            let upper = name.to_ascii_uppercase();
            if function_arity(&upper).is_some() {
                return Err(unsupported(
                    self.pos(),
                    format!("{upper} returns a Boolean and can only be used as a condition"),
                ));
            }
            return Err(self.unknown_function(name));
        }
        if self.tok() == &Tok::LBracket {
            return Err(unsupported(
                self.pos(),
                "array values can only be used after IN or NIN",
            ));
        }
        Ok(RawOperand::Path(
            self.path("a property name or a literal value")?,
        ))
    }

    fn literal(&mut self) -> Result<Option<RawOperand>, QueryError> {
        let pos = self.pos();
        let value = match self.tok() {
            Tok::Str(s) => Value::String(s.clone()),
            Tok::Number(n) => Value::Number(n.clone()),
            Tok::Minus => {
                self.advance();
                let Tok::Number(n) = self.tok() else {
                    return Err(self.unexpected("a number after '-'"));
                };
                negate(n)
                    .ok_or_else(|| syntax(pos, format!("number literal '-{n}' is out of range")))?
            }
            tok if is_word(tok, &["TRUE"]) => Value::Bool(true),
            tok if is_word(tok, &["FALSE"]) => Value::Bool(false),
            tok if is_word(tok, &["NULL"]) => Value::Null,
            _ => return Ok(None),
        };
        self.advance();
        Ok(Some(RawOperand::Literal(value, pos)))
    }

    /// `[literal, ...]` after IN / NIN, at most [`MAX_IN_ITEMS`] items.
    fn list(&mut self) -> Result<Vec<Value>, QueryError> {
        self.expect(&Tok::LBracket, "'[' and a list of values")?;
        let mut values = Vec::new();
        if self.eat(&Tok::RBracket) {
            return Ok(values);
        }
        loop {
            let pos = self.pos();
            match self.literal()? {
                Some(RawOperand::Literal(value, _)) => values.push(value),
                _ => return Err(self.unexpected("a literal value in the list")),
            }
            if values.len() > MAX_IN_ITEMS {
                return Err(invalid(
                    pos,
                    format!("an IN or NIN list can have at most {MAX_IN_ITEMS} values"),
                ));
            }
            if self.eat(&Tok::RBracket) {
                return Ok(values);
            }
            self.expect(&Tok::Comma, "',' or ']'")?;
        }
    }

    fn unknown_function(&self, name: &str) -> QueryError {
        let upper = name.to_ascii_uppercase();
        let message = if AGGREGATES.contains(&upper.as_str()) || upper == "COUNT" {
            return unsupported(
                self.pos(),
                format!("{upper}() cannot be used in WHERE; only SELECT COUNT() is supported"),
            );
        } else if upper == "STARTS_WITH" || upper == "ENDS_WITH" {
            format!(
                "unknown function '{name}'; did you mean {}?",
                upper.replace('_', "")
            )
        } else {
            format!("unknown function '{name}'")
        };
        QueryError::at(QueryErrorKind::UnknownFunction, self.pos(), message)
    }

    /// A built-in function used as a condition: `NAME(arg, ...)`.
    fn function(&mut self) -> Result<RawCondition, QueryError> {
        let pos = self.pos();
        let Tok::Ident { name, .. } = self.tok() else {
            return Err(self.unexpected("a function name"));
        };
        let upper = name.to_ascii_uppercase();
        let Some((min, max)) = function_arity(&upper) else {
            return Err(self.unknown_function(name));
        };
        self.advance();
        self.advance();
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.operand()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma, "',' or ')'")?;
            }
        }
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(invalid(
                pos,
                format!("{upper} takes {expected} argument(s), found {}", args.len()),
            ));
        }
        if upper == "IS_OF_MODEL" {
            return Ok(RawCondition::IsOfModel(pos, args));
        }
        let mut args = args.into_iter();
        let mut next = || args.next().unwrap_or(RawOperand::Literal(Value::Null, pos));
        Ok(match upper.as_str() {
            "STARTSWITH" => RawCondition::Text(TextOp::StartsWith, next(), next()),
            "ENDSWITH" => RawCondition::Text(TextOp::EndsWith, next(), next()),
            "CONTAINS" => RawCondition::Text(TextOp::Contains, next(), next()),
            "ARRAY_CONTAINS" => RawCondition::ArrayContains(next(), next()),
            other => match type_test(other) {
                Some(test) => RawCondition::Test(test, next()),
                None => {
                    return Err(QueryError::at(
                        QueryErrorKind::UnknownFunction,
                        pos,
                        format!("unknown function '{name}'"),
                    ));
                }
            },
        })
    }
}

/// `-n` as a JSON number.
fn negate(n: &serde_json::Number) -> Option<Value> {
    if let Some(i) = n.as_u64().and_then(|i| i64::try_from(i).ok()) {
        return Some(Value::from(-i));
    }
    n.as_f64()
        .and_then(|f| serde_json::Number::from_f64(-f))
        .map(Value::Number)
}
