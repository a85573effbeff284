//! The Azure Digital Twins query language: parsing (errors carry line and position, as the
//! service's `SqlQueryError` does) and evaluation over any [`Graph`] of twins and relationships.
//!
//! ```
//! use adt_query::{execute, parse, MemoryGraph};
//! use serde_json::json;
//!
//! let mut graph = MemoryGraph::new();
//! graph.insert_twin(json!({"$dtId": "room1", "$metadata": {"$model": "dtmi:example:Room;1"}, "temperature": 21}))?;
//! let query = parse("SELECT T.temperature AS t FROM DIGITALTWINS T WHERE T.$dtId = 'room1'")?;
//! let output = execute(&query, &graph)?;
//! assert_eq!(output.rows, vec![json!({"t": 21})]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod error;
mod eval;
mod execute;
mod graph;
mod lexer;
mod parser;
mod resolve;

pub use ast::{
    Column, CompareOp, Condition, Direction, Edge, EntityKind, Hops, Join, Operand, Pattern,
    Projection, Query, Select, Source, TextOp, TypeTest, ValueRef, Variable,
};
pub use error::{Pos, QueryError, QueryErrorKind};
pub use execute::{QueryOutput, Window, execute, execute_window};
pub use graph::{Graph, GraphError, MemoryGraph};

/// The longest query text the service accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 8000;
/// The most `JOIN`s one query may have.
pub const MAX_JOINS: usize = 5;
/// The most hops a `MATCH` relationship condition may span.
pub const MAX_HOPS: u32 = 10;
/// The most values an `IN` / `NIN` list may hold. The operators reference says 100; the
/// service-limits table says 50 (adjustable). The larger is used so that no query the
/// service may accept is refused here.
pub const MAX_IN_ITEMS: usize = 100;
/// The most `AND` / `OR` operators one query may have (service limits table).
pub const MAX_LOGICAL_OPERATORS: usize = 50;
/// The deepest a condition may nest through parentheses and `NOT`. The service documents no
/// figure; this bound keeps parsing and evaluation from exhausting the stack on hostile text
/// (an 8,000-character query could otherwise nest about 4,000 levels deep).
pub const MAX_NESTING: usize = 32;

/// Parses a query. Errors carry 1-based line and position (column), like the service's
/// `SqlQueryError` ("Query has an error at line 1, position 10: unexpected 'FORM', expected
/// 'FROM'").
pub fn parse(text: &str) -> Result<Query, QueryError> {
    check_length(text)?;
    let tokens = lexer::tokenize(text)?;
    let raw = parser::parse_tokens(&tokens)?;
    resolve::resolve(raw)
}

/// Refuses texts over [`MAX_QUERY_CHARS`] characters, pointing at the first extra one.
fn check_length(text: &str) -> Result<(), QueryError> {
    let length = text.chars().count();
    if length <= MAX_QUERY_CHARS {
        return Ok(());
    }
    let mut pos = Pos {
        line: 1,
        position: 1,
    };
    for c in text.chars().take(MAX_QUERY_CHARS) {
        if c == '\n' {
            pos.line += 1;
            pos.position = 1;
        } else {
            pos.position += 1;
        }
    }
    Err(QueryError::at(
        QueryErrorKind::TooLong,
        pos,
        format!("the query is {length} characters long; the limit is {MAX_QUERY_CHARS} characters"),
    ))
}
