//! The checked query: every name resolved to a variable slot, every limit already enforced.
//! [`crate::execute`] relies on these invariants and never re-validates.

use serde_json::Value;

/// A parsed and checked query.
///
/// Invariants: every [`ValueRef::variable`] and variable index in [`Source`] is a valid index
/// into `variables`; `Source::Twins` has variable 0 as its root twin collection;
/// `Source::Relationships` has a single relationship variable 0; a `Source::Match` pattern
/// has `nodes.len() == edges.len() + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Select,
    pub source: Source,
    /// The `WHERE` condition, if any.
    pub filter: Option<Condition>,
    /// The collections the query binds, in declaration order.
    pub variables: Vec<Variable>,
}

/// A collection name bound by `FROM`, `JOIN` or `MATCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// `None` for an unnamed `FROM DIGITALTWINS` / `FROM RELATIONSHIPS` or an anonymous
    /// `MATCH` node `()`.
    pub name: Option<String>,
    pub kind: EntityKind,
}

/// What a variable is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Twin,
    Relationship,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `TOP(n)`, `n >= 1`.
    pub top: Option<usize>,
    pub projection: Projection,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Projection {
    /// `SELECT *` (or a bare `SELECT TOP(n)`): each row is the entity itself. Only for a
    /// query with a single collection.
    All,
    /// `SELECT COUNT()`: a single row `{"COUNT": n}`.
    Count,
    /// Named columns; output keys are unique.
    Columns(Vec<Column>),
}

/// One projected column: `T` (the whole entity), `T.prop` or `T.prop AS alias`.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The key in the result row: the alias, else the last path segment, else the
    /// collection name.
    pub name: String,
    pub value: ValueRef,
}

/// A variable and a property path into it (empty: the whole twin or relationship).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRef {
    pub variable: usize,
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `FROM DIGITALTWINS [T] [JOIN ...]*`; at most [`crate::MAX_JOINS`] joins.
    Twins { joins: Vec<Join> },
    /// `FROM RELATIONSHIPS [R]`.
    Relationships,
    /// `FROM DIGITALTWINS MATCH (...)`.
    Match(Pattern),
}

/// `JOIN target RELATED source.relationship_name [relationship]`. `source` is declared
/// before `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub source: usize,
    pub relationship_name: String,
    pub target: usize,
    pub relationship: Option<usize>,
}

/// A chain `(n0)-[e0]-(n1)-[e1]-(n2)...`; node variables are twins, all distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub nodes: Vec<usize>,
    pub edges: Vec<Edge>,
}

/// One relationship condition between consecutive pattern nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Seen from the left node.
    pub direction: Direction,
    /// Allowed `$relationshipName`s; empty means any.
    pub names: Vec<String>,
    pub hops: Hops,
    /// A relationship variable; only when `hops` is exactly one.
    pub relationship: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `-[]->`: the left node is the source.
    Outgoing,
    /// `<-[]-`: the left node is the target.
    Incoming,
    /// `-[]-`: either.
    Any,
}

/// An inclusive hop range, `1 <= min <= max <= MAX_HOPS`. The docs' `*a..b` excludes `a`
/// and includes `b`, so it is stored as `a + 1 ..= b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hops {
    pub min: u32,
    pub max: u32,
}

impl Hops {
    pub const ONE: Hops = Hops { min: 1, max: 1 };
}

/// A `WHERE` condition. Evaluation is three-valued (true, false, undefined) as in the
/// Cosmos-style SQL the language derives from: a missing property or a comparison of
/// different types is undefined, `NOT undefined` is undefined, and only rows whose
/// condition is true are returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        left: Operand,
        op: CompareOp,
        right: Operand,
    },
    /// `IN [..]` (`negated: false`) or `NIN [..]`; items are JSON primitives.
    In {
        operand: Operand,
        values: Vec<Value>,
        negated: bool,
    },
    /// `IS_DEFINED(x)`, `IS_NULL(x)`, ...
    Test(TypeTest, Operand),
    /// `STARTSWITH`, `ENDSWITH`, `CONTAINS` (case-sensitive).
    Text {
        op: TextOp,
        value: Operand,
        pattern: Operand,
    },
    /// `ARRAY_CONTAINS(array, value)`: top-level elements only.
    ArrayContains {
        array: Operand,
        value: Operand,
    },
    /// `IS_OF_MODEL([T,] 'model' [, exact])`; `variable` is a twin variable.
    IsOfModel {
        variable: usize,
        model: String,
        exact: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Ref(ValueRef),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    Defined,
    Null,
    Bool,
    Number,
    String,
    Primitive,
    Object,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    StartsWith,
    EndsWith,
    Contains,
}
