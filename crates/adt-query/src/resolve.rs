//! Binds the names of a [`RawQuery`] to variables and applies the documented semantic
//! rules, producing the checked [`Query`].

use serde_json::Value;

use crate::ast::{
    Column, CompareOp, Condition, Edge, EntityKind, Join, Operand, Pattern, Projection, Query,
    Select, Source, ValueRef, Variable,
};
use crate::error::{Pos, QueryError, QueryErrorKind};
use crate::parser::{Name, RawCondition, RawFrom, RawOperand, RawPath, RawProjection, RawQuery};

fn semantic(pos: Pos, message: impl Into<String>) -> QueryError {
    QueryError::at(QueryErrorKind::Semantic, pos, message)
}

/// Checks and binds a parsed query.
pub(crate) fn resolve(raw: RawQuery) -> Result<Query, QueryError> {
    let mut scope = Scope::default();
    let (source, needs_dt_id) = scope.declare(&raw.from)?;
    let projection = scope.projection(&raw.projection, &source)?;
    let filter = match &raw.filter {
        Some((_, condition)) => Some(scope.condition(condition)?),
        None => None,
    };
    if let Some(clause) = needs_dt_id {
        let has_filter = filter
            .as_ref()
            .is_some_and(|f| scope.filters_dt_id(f, false));
        if !has_filter {
            let pos = raw.filter.as_ref().map_or(raw.end, |(pos, _)| *pos);
            return Err(semantic(
                pos,
                format!(
                    "a query with {clause} must filter on a twin's $dtId in the WHERE clause \
                     (for example WHERE T.$dtId = 'twin-id' or T.$dtId IN ['a', 'b'])"
                ),
            ));
        }
    }
    Ok(Query {
        select: Select {
            top: raw.top,
            projection,
        },
        source,
        filter,
        variables: scope.variables,
    })
}

#[derive(Default)]
struct Scope {
    variables: Vec<Variable>,
}

impl Scope {
    fn add(&mut self, name: Option<&Name>, kind: EntityKind) -> Result<usize, QueryError> {
        if let Some(name) = name
            && self.lookup(&name.text).is_some()
        {
            return Err(semantic(
                name.pos,
                format!("the name '{}' is declared more than once", name.text),
            ));
        }
        self.variables.push(Variable {
            name: name.map(|n| n.text.clone()),
            kind,
        });
        Ok(self.variables.len() - 1)
    }

    /// Names are case-sensitive.
    fn lookup(&self, name: &str) -> Option<usize> {
        self.variables
            .iter()
            .position(|v| v.name.as_deref() == Some(name))
    }

    /// Declares the FROM clause's variables. Returns the source and, for JOIN and MATCH,
    /// the clause name that requires a `$dtId` filter.
    fn declare(&mut self, from: &RawFrom) -> Result<(Source, Option<&'static str>), QueryError> {
        match from {
            RawFrom::Relationships { alias } => {
                self.add(alias.as_ref(), EntityKind::Relationship)?;
                Ok((Source::Relationships, None))
            }
            RawFrom::Twins {
                alias,
                joins,
                pattern: None,
            } => {
                self.add(alias.as_ref(), EntityKind::Twin)?;
                let mut bound = Vec::new();
                for join in joins {
                    let source = self.lookup(&join.source.text).ok_or_else(|| {
                        semantic(
                            join.source.pos,
                            format!(
                                "'{}' is not a twin collection declared before this JOIN",
                                join.source.text
                            ),
                        )
                    })?;
                    if self.variables[source].kind != EntityKind::Twin {
                        return Err(semantic(
                            join.source.pos,
                            format!(
                                "'{}' is a relationship collection; JOIN ... RELATED needs a twin collection",
                                join.source.text
                            ),
                        ));
                    }
                    let target = self.add(Some(&join.target), EntityKind::Twin)?;
                    let relationship = match &join.relationship {
                        Some(name) => Some(self.add(Some(name), EntityKind::Relationship)?),
                        None => None,
                    };
                    bound.push(Join {
                        source,
                        relationship_name: join.relationship_name.clone(),
                        target,
                        relationship,
                    });
                }
                let needs = (!bound.is_empty()).then_some("JOIN");
                Ok((Source::Twins { joins: bound }, needs))
            }
            RawFrom::Twins {
                pattern: Some(pattern),
                ..
            } => {
                let mut nodes = Vec::new();
                let mut edges = Vec::new();
                for (i, (name, _)) in pattern.nodes.iter().enumerate() {
                    if i > 0 {
                        let raw = &pattern.edges[i - 1];
                        let relationship = match &raw.variable {
                            Some(name) => Some(self.add(Some(name), EntityKind::Relationship)?),
                            None => None,
                        };
                        edges.push(Edge {
                            direction: raw.direction,
                            names: raw.names.clone(),
                            hops: raw.hops,
                            relationship,
                        });
                    }
                    nodes.push(self.add(name.as_ref(), EntityKind::Twin)?);
                }
                Ok((Source::Match(Pattern { nodes, edges }), Some("MATCH")))
            }
        }
    }

    fn projection(&self, raw: &RawProjection, source: &Source) -> Result<Projection, QueryError> {
        match raw {
            RawProjection::Count => Ok(Projection::Count),
            RawProjection::All(pos) => {
                let clause = match source {
                    Source::Twins { joins } if !joins.is_empty() => Some("JOIN"),
                    Source::Match(_) => Some("MATCH"),
                    _ => None,
                };
                match clause {
                    Some(clause) => Err(QueryError::at(
                        QueryErrorKind::Unsupported,
                        *pos,
                        format!(
                            "SELECT * is not supported in a query with {clause}; project the \
                             collections instead (for example SELECT T, CT)"
                        ),
                    )),
                    None => Ok(Projection::All),
                }
            }
            RawProjection::Columns(raw_columns) => {
                let mut columns: Vec<Column> = Vec::new();
                for raw_column in raw_columns {
                    let value = self.path(&raw_column.path)?;
                    let (name, pos) = match &raw_column.alias {
                        Some(alias) => (alias.text.clone(), alias.pos),
                        None => {
                            let last = raw_column
                                .path
                                .segments
                                .last()
                                .unwrap_or(&raw_column.path.segments[0]);
                            (last.text.clone(), last.pos)
                        }
                    };
                    if columns.iter().any(|c| c.name == name) {
                        return Err(semantic(
                            pos,
                            format!(
                                "the result column '{name}' appears more than once; give each column a distinct name with AS"
                            ),
                        ));
                    }
                    columns.push(Column { name, value });
                }
                Ok(Projection::Columns(columns))
            }
        }
    }

    /// `T.a.b` with `T` a declared name; otherwise, in a single-collection query, a
    /// property path of that collection.
    fn path(&self, path: &RawPath) -> Result<ValueRef, QueryError> {
        let first = &path.segments[0];
        let texts = |from: usize| -> Vec<String> {
            path.segments[from..]
                .iter()
                .map(|s| s.text.clone())
                .collect()
        };
        if let Some(variable) = self.lookup(&first.text) {
            return Ok(ValueRef {
                variable,
                path: texts(1),
            });
        }
        if self.variables.len() == 1 {
            return Ok(ValueRef {
                variable: 0,
                path: texts(0),
            });
        }
        let declared: Vec<&str> = self
            .variables
            .iter()
            .filter_map(|v| v.name.as_deref())
            .collect();
        Err(semantic(
            first.pos,
            format!(
                "'{}' is not a collection name in this query (names are case-sensitive; \
                 declared: {})",
                first.text,
                declared.join(", ")
            ),
        ))
    }

    fn operand(&self, operand: &RawOperand) -> Result<Operand, QueryError> {
        Ok(match operand {
            RawOperand::Path(path) => Operand::Ref(self.path(path)?),
            RawOperand::Literal(value, _) => Operand::Literal(value.clone()),
        })
    }

    fn condition(&self, raw: &RawCondition) -> Result<Condition, QueryError> {
        let all = |terms: &[RawCondition]| -> Result<Vec<Condition>, QueryError> {
            terms.iter().map(|t| self.condition(t)).collect()
        };
        Ok(match raw {
            RawCondition::And(terms) => Condition::And(all(terms)?),
            RawCondition::Or(terms) => Condition::Or(all(terms)?),
            RawCondition::Not(inner) => Condition::Not(Box::new(self.condition(inner)?)),
            RawCondition::Compare(left, op, right) => Condition::Compare {
                left: self.operand(left)?,
                op: *op,
                right: self.operand(right)?,
            },
            RawCondition::In(operand, values, negated) => Condition::In {
                operand: self.operand(operand)?,
                values: values.clone(),
                negated: *negated,
            },
            RawCondition::Test(test, operand) => Condition::Test(*test, self.operand(operand)?),
            RawCondition::Text(op, value, pattern) => Condition::Text {
                op: *op,
                value: self.operand(value)?,
                pattern: self.operand(pattern)?,
            },
            RawCondition::ArrayContains(array, value) => Condition::ArrayContains {
                array: self.operand(array)?,
                value: self.operand(value)?,
            },
            RawCondition::IsOfModel(pos, args) => self.is_of_model(*pos, args)?,
        })
    }

    /// `IS_OF_MODEL('m')`, `IS_OF_MODEL('m', exact)`, `IS_OF_MODEL(T, 'm')`,
    /// `IS_OF_MODEL(T, 'm', exact)`.
    fn is_of_model(&self, pos: Pos, args: &[RawOperand]) -> Result<Condition, QueryError> {
        let invalid = |pos: Pos, message: &str| {
            QueryError::at(QueryErrorKind::InvalidArgument, pos, message.to_string())
        };
        let (collection, rest) = match args.first() {
            Some(RawOperand::Path(path)) => (Some(path), &args[1..]),
            _ => (None, args),
        };
        let model = match rest.first() {
            Some(RawOperand::Literal(Value::String(model), _)) => model.clone(),
            Some(RawOperand::Literal(_, pos)) => {
                return Err(invalid(
                    *pos,
                    "IS_OF_MODEL needs the model ID as a string, like 'dtmi:example:Room;1'",
                ));
            }
            Some(RawOperand::Path(path)) => {
                return Err(invalid(
                    path.segments[0].pos,
                    "IS_OF_MODEL needs the model ID as a string, like 'dtmi:example:Room;1'",
                ));
            }
            None => return Err(invalid(pos, "IS_OF_MODEL needs a model ID")),
        };
        let exact = match &rest[1..] {
            [] => false,
            [RawOperand::Path(path)]
                if path.segments.len() == 1
                    && path.segments[0].text.eq_ignore_ascii_case("exact") =>
            {
                true
            }
            [RawOperand::Path(path)] => {
                return Err(invalid(
                    path.segments[0].pos,
                    "the last IS_OF_MODEL argument can only be 'exact'",
                ));
            }
            [RawOperand::Literal(_, pos)] => {
                return Err(invalid(
                    *pos,
                    "the last IS_OF_MODEL argument can only be 'exact'",
                ));
            }
            _ => return Err(invalid(pos, "too many IS_OF_MODEL arguments")),
        };
        let variable = match collection {
            Some(path) => {
                let name = &path.segments[0];
                let variable = self.lookup(&name.text).filter(|_| path.segments.len() == 1);
                match variable {
                    Some(v) if self.variables[v].kind == EntityKind::Twin => v,
                    _ => {
                        return Err(semantic(
                            name.pos,
                            format!("'{}' is not a twin collection in this query", name.text),
                        ));
                    }
                }
            }
            None => {
                let twins: Vec<usize> = (0..self.variables.len())
                    .filter(|v| self.variables[*v].kind == EntityKind::Twin)
                    .collect();
                match twins.as_slice() {
                    [only] => *only,
                    [] => {
                        return Err(semantic(
                            pos,
                            "IS_OF_MODEL applies to twins; this query reads relationships",
                        ));
                    }
                    _ => {
                        return Err(semantic(
                            pos,
                            "IS_OF_MODEL needs the twin collection as its first argument when \
                             the query has several",
                        ));
                    }
                }
            }
        };
        Ok(Condition::IsOfModel {
            variable,
            model,
            exact,
        })
    }

    /// True when `condition` (outside any NOT) compares a twin's `$dtId` with `=` or `IN`.
    fn filters_dt_id(&self, condition: &Condition, negated: bool) -> bool {
        let is_dt_id = |operand: &Operand| {
            matches!(operand, Operand::Ref(r) if r.path == ["$dtId"]
                && self.variables[r.variable].kind == EntityKind::Twin)
        };
        match condition {
            Condition::And(terms) | Condition::Or(terms) => {
                terms.iter().any(|t| self.filters_dt_id(t, negated))
            }
            Condition::Not(inner) => self.filters_dt_id(inner, !negated),
            Condition::Compare {
                left,
                op: CompareOp::Eq,
                right,
            } => !negated && (is_dt_id(left) || is_dt_id(right)),
            Condition::In {
                operand,
                negated: false,
                ..
            } => !negated && is_dt_id(operand),
            _ => false,
        }
    }
}
