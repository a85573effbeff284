//! The one error type of the crate: what went wrong with a query, and where.

/// What kind of problem a query has. Every kind is reported by the service as a
/// `SqlQueryError` (HTTP 400); the kind lets callers and tests tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryErrorKind {
    /// The query text is longer than [`crate::MAX_QUERY_CHARS`] characters.
    TooLong,
    /// The text does not follow the grammar (misspelt keyword, bad literal, unterminated
    /// string, missing clause, unexpected character, ...).
    Syntax,
    /// A function name the query language does not have.
    UnknownFunction,
    /// A construct the language documents as unsupported (subqueries, `ORDER BY`,
    /// `SELECT *` with `JOIN`, `OUTER JOIN`, ...).
    Unsupported,
    /// A known construct with an argument it cannot take (`TOP(0)`, too many hops,
    /// wrong number of function arguments, an over-long `IN` list, ...).
    InvalidArgument,
    /// More `JOIN`s than [`crate::MAX_JOINS`].
    TooManyJoins,
    /// Well-formed but meaningless: unknown or duplicate collection names, a `JOIN` or
    /// `MATCH` without a `$dtId` filter, ambiguous property references, ...
    Semantic,
}

/// A query error with its 1-based line and position (column, counted in characters).
///
/// `message` is the detail alone; `Display` renders the service's sentence:
/// `Query has an error at line 1, position 10: unexpected 'FORM', expected 'FROM'`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Query has an error at line {line}, position {position}: {message}")]
pub struct QueryError {
    pub kind: QueryErrorKind,
    pub line: u32,
    pub position: u32,
    pub message: String,
}

/// A place in the query text: 1-based line and 1-based character position on that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub position: u32,
}

impl QueryError {
    /// An error of `kind` at `pos`.
    pub(crate) fn at(kind: QueryErrorKind, pos: Pos, message: impl Into<String>) -> Self {
        QueryError {
            kind,
            line: pos.line,
            position: pos.position,
            message: message.into(),
        }
    }
}
