//! Runs a checked [`Query`] over a [`Graph`].
//!
//! Plan: bind the root collection (seeded from `$dtId` / `$sourceId` / `$targetId`
//! equality or `IN` filters that every matching row must satisfy, else a full scan), extend
//! the bindings through JOINs or MATCH steps, then test the precompiled `WHERE` condition
//! once per complete binding. Only matching rows are cloned into the output.

use std::collections::HashSet;
use std::ops::ControlFlow;

use serde_json::{Map, Value};

use crate::ast::{
    CompareOp, Condition, Direction, Edge, Hops, Join, Operand, Pattern, Projection, Query, Source,
};
use crate::error::QueryError;
use crate::eval::{evaluate, lookup};
use crate::graph::Graph;

/// Query units charged for any query.
const CHARGE_BASE: f64 = 2.0;
/// Query units per twin or relationship read from a collection.
const CHARGE_PER_SCANNED: f64 = 0.01;
/// Query units per relationship followed by JOIN or MATCH.
const CHARGE_PER_TRAVERSED: f64 = 0.01;
/// Query units per returned row.
const CHARGE_PER_ROW: f64 = 0.05;

/// The result rows of a query (or of one [`Window`] of them), and the charge in query
/// units (at least `CHARGE_BASE`, growing with entities scanned, relationships traversed and
/// rows returned; rounded to two decimals).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    pub rows: Vec<Value>,
    pub charge: f64,
    /// Whether a matching row follows the window: the next page is not empty.
    pub more: bool,
}

/// Which result rows a run keeps: it passes over the first `skip` (without copying them),
/// keeps at most `take`, and stops at the first matching row after those, so a page of a
/// large result costs what reaching it costs, not the whole result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub skip: usize,
    pub take: usize,
}

impl Window {
    /// Every row.
    pub const ALL: Window = Window {
        skip: 0,
        take: usize::MAX,
    };
}

/// Runs the query and returns every result row.
///
/// Row shapes: `SELECT *` gives each twin (or relationship) itself; projections give
/// `{ column: value }` objects without the columns whose value is missing; `SELECT COUNT()`
/// gives `[{"COUNT": n}]`. `TOP(n)` keeps the first `n` rows.
pub fn execute(query: &Query, graph: &dyn Graph) -> Result<QueryOutput, QueryError> {
    execute_window(query, graph, Window::ALL)
}

/// Runs the query for the rows in `window` only (rows come in a stable order for an
/// unchanged graph, so consecutive windows page through the result). `COUNT()` always
/// counts every match and ignores the window.
pub fn execute_window(
    query: &Query,
    graph: &dyn Graph,
    window: Window,
) -> Result<QueryOutput, QueryError> {
    let mut run = Run {
        query,
        graph,
        window,
        rows: Vec::new(),
        matched: 0,
        more: false,
        count: 0,
        scanned: 0,
        traversed: 0,
    };
    let mut bindings: Vec<Option<&Value>> = vec![None; query.variables.len()];
    let _ = match &query.source {
        Source::Relationships => run.relationships(&mut bindings),
        Source::Twins { joins } => run.twins(joins, &mut bindings),
        Source::Match(pattern) => run.pattern(pattern, &mut bindings),
    };
    let (rows, more) = if query.select.projection == Projection::Count {
        let mut row = Map::new();
        row.insert("COUNT".to_string(), Value::from(run.count));
        (vec![Value::Object(row)], false)
    } else {
        (run.rows, run.more)
    };
    let charge = CHARGE_BASE
        + run.scanned as f64 * CHARGE_PER_SCANNED
        + run.traversed as f64 * CHARGE_PER_TRAVERSED
        + rows.len() as f64 * CHARGE_PER_ROW;
    Ok(QueryOutput {
        rows,
        charge: (charge * 100.0).round() / 100.0,
        more,
    })
}

/// One MATCH step: extend from the bound node `from` along `edge` to bind `to`;
/// `reversed` when walking the pattern right to left.
struct Step<'q> {
    from: usize,
    to: usize,
    edge: &'q Edge,
    reversed: bool,
}

struct Run<'q, 'g> {
    query: &'q Query,
    graph: &'g dyn Graph,
    window: Window,
    rows: Vec<Value>,
    /// Matching rows met so far, in or before the window.
    matched: usize,
    /// A matching row was met after the window.
    more: bool,
    count: usize,
    scanned: usize,
    traversed: usize,
}

fn str_field<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    value.get(field).and_then(Value::as_str)
}

impl<'q, 'g> Run<'q, 'g>
where
    'q: 'g,
{
    /// The conditions every matching row satisfies: the top-level `AND` terms.
    fn conjuncts(&self) -> &'q [Condition] {
        match &self.query.filter {
            Some(Condition::And(terms)) => terms,
            Some(other) => std::slice::from_ref(other),
            None => &[],
        }
    }

    /// The string values `variable.field` must take, from a conjunct `= 'x'` or `IN [..]`.
    fn seeds(&self, variable: usize, field: &str) -> Option<Vec<&'q str>> {
        let is_field = |operand: &Operand| matches!(operand, Operand::Ref(r) if r.variable == variable && r.path.len() == 1 && r.path[0] == field);
        self.conjuncts()
            .iter()
            .find_map(|condition| match condition {
                Condition::Compare {
                    left,
                    op: CompareOp::Eq,
                    right,
                } => match (left, right) {
                    (l, Operand::Literal(Value::String(s))) if is_field(l) => {
                        Some(vec![s.as_str()])
                    }
                    (Operand::Literal(Value::String(s)), r) if is_field(r) => {
                        Some(vec![s.as_str()])
                    }
                    _ => None,
                },
                Condition::In {
                    operand,
                    values,
                    negated: false,
                } if is_field(operand) => {
                    let mut ids: Vec<&str> = Vec::new();
                    for id in values.iter().filter_map(Value::as_str) {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    Some(ids)
                }
                _ => None,
            })
    }

    /// The twins variable `variable` can take: seeded by `$dtId`, else all.
    fn twin_candidates(&self, variable: usize) -> Vec<&'g Value> {
        match self.seeds(variable, "$dtId") {
            Some(ids) => ids
                .into_iter()
                .filter_map(|id| self.graph.twin(id))
                .collect(),
            None => self.graph.twins().collect(),
        }
    }

    /// Tests the condition on a complete binding and records the row if it falls in the
    /// window. `Break` once `TOP(n)` rows are met or a row past the window shows there is more.
    fn emit(&mut self, bindings: &[Option<&'g Value>]) -> ControlFlow<()> {
        if let Some(filter) = &self.query.filter
            && evaluate(filter, bindings, self.graph) != Some(true)
        {
            return ControlFlow::Continue(());
        }
        let top = self.query.select.top.unwrap_or(usize::MAX);
        let columns = match &self.query.select.projection {
            Projection::Count => {
                self.count += 1;
                return if self.count >= top {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                };
            }
            Projection::All => None,
            Projection::Columns(columns) => Some(columns),
        };
        if self.matched >= self.window.skip && self.rows.len() >= self.window.take {
            self.more = true;
            return ControlFlow::Break(());
        }
        if self.matched >= self.window.skip {
            let row = match columns {
                None => bindings.first().copied().flatten().cloned(),
                Some(columns) => {
                    let mut row = Map::new();
                    for column in columns {
                        if let Some(value) = lookup(bindings, &column.value) {
                            row.insert(column.name.clone(), value.clone());
                        }
                    }
                    Some(Value::Object(row))
                }
            };
            self.rows.extend(row);
        }
        self.matched += 1;
        if self.matched >= top {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn relationships(&mut self, bindings: &mut [Option<&'g Value>]) -> ControlFlow<()> {
        let candidates: Vec<&'g Value> = if let Some(ids) = self.seeds(0, "$sourceId") {
            ids.into_iter()
                .flat_map(|id| self.graph.outgoing(id))
                .collect()
        } else if let Some(ids) = self.seeds(0, "$targetId") {
            ids.into_iter()
                .flat_map(|id| self.graph.incoming(id))
                .collect()
        } else {
            self.graph.relationships().collect()
        };
        for relationship in candidates {
            self.scanned += 1;
            bindings[0] = Some(relationship);
            self.emit(bindings)?;
        }
        ControlFlow::Continue(())
    }

    fn twins(&mut self, joins: &'q [Join], bindings: &mut [Option<&'g Value>]) -> ControlFlow<()> {
        for twin in self.twin_candidates(0) {
            self.scanned += 1;
            bindings[0] = Some(twin);
            self.joins(joins, bindings)?;
        }
        ControlFlow::Continue(())
    }

    fn joins(&mut self, joins: &'q [Join], bindings: &mut [Option<&'g Value>]) -> ControlFlow<()> {
        let Some((join, rest)) = joins.split_first() else {
            return self.emit(bindings);
        };
        let Some(source_id) = bindings[join.source].and_then(|t| str_field(t, "$dtId")) else {
            return ControlFlow::Continue(());
        };
        for relationship in self.graph.outgoing(source_id) {
            self.traversed += 1;
            if str_field(relationship, "$relationshipName") != Some(&join.relationship_name) {
                continue;
            }
            let Some(target) =
                str_field(relationship, "$targetId").and_then(|id| self.graph.twin(id))
            else {
                continue;
            };
            bindings[join.target] = Some(target);
            if let Some(r) = join.relationship {
                bindings[r] = Some(relationship);
            }
            self.joins(rest, bindings)?;
        }
        ControlFlow::Continue(())
    }

    /// Starts at the first node with a `$dtId` seed (else node 0 over all twins), walks the
    /// edges to its right, then those to its left.
    fn pattern(
        &mut self,
        pattern: &'q Pattern,
        bindings: &mut [Option<&'g Value>],
    ) -> ControlFlow<()> {
        let anchor = (0..pattern.nodes.len())
            .find(|&i| self.seeds(pattern.nodes[i], "$dtId").is_some())
            .unwrap_or(0);
        let right = (anchor..pattern.edges.len()).map(|e| Step {
            from: pattern.nodes[e],
            to: pattern.nodes[e + 1],
            edge: &pattern.edges[e],
            reversed: false,
        });
        let left = (0..anchor).rev().map(|e| Step {
            from: pattern.nodes[e + 1],
            to: pattern.nodes[e],
            edge: &pattern.edges[e],
            reversed: true,
        });
        let steps: Vec<Step<'q>> = right.chain(left).collect();
        let start = pattern.nodes[anchor];
        for twin in self.twin_candidates(start) {
            self.scanned += 1;
            bindings[start] = Some(twin);
            self.steps(&steps, bindings)?;
        }
        ControlFlow::Continue(())
    }

    fn steps(&mut self, steps: &[Step<'q>], bindings: &mut [Option<&'g Value>]) -> ControlFlow<()> {
        let Some((step, rest)) = steps.split_first() else {
            return self.emit(bindings);
        };
        let Some(from_id) = bindings[step.from].and_then(|t| str_field(t, "$dtId")) else {
            return ControlFlow::Continue(());
        };
        let direction = match (step.edge.direction, step.reversed) {
            (Direction::Outgoing, true) => Direction::Incoming,
            (Direction::Incoming, true) => Direction::Outgoing,
            (direction, _) => direction,
        };
        if let Some(variable) = step.edge.relationship {
            for (relationship, other) in self.neighbours(from_id, direction, &step.edge.names) {
                let Some(twin) = self.graph.twin(other) else {
                    continue;
                };
                bindings[step.to] = Some(twin);
                bindings[variable] = Some(relationship);
                self.steps(rest, bindings)?;
            }
            return ControlFlow::Continue(());
        }
        for twin in self.reachable(from_id, direction, &step.edge.names, step.edge.hops) {
            bindings[step.to] = Some(twin);
            self.steps(rest, bindings)?;
        }
        ControlFlow::Continue(())
    }

    /// Relationships one hop from `id` in `direction` with an allowed name, each with the
    /// twin id at its other end. A self-relationship is listed once.
    fn neighbours(
        &mut self,
        id: &str,
        direction: Direction,
        names: &[String],
    ) -> Vec<(&'g Value, &'g str)> {
        let mut found = Vec::new();
        let allowed = |r: &Value| {
            names.is_empty()
                || str_field(r, "$relationshipName").is_some_and(|n| names.iter().any(|a| a == n))
        };
        if matches!(direction, Direction::Outgoing | Direction::Any) {
            for r in self.graph.outgoing(id) {
                self.traversed += 1;
                if let Some(target) = str_field(r, "$targetId").filter(|_| allowed(r)) {
                    found.push((r, target));
                }
            }
        }
        if matches!(direction, Direction::Incoming | Direction::Any) {
            for r in self.graph.incoming(id) {
                self.traversed += 1;
                let self_loop_seen =
                    direction == Direction::Any && str_field(r, "$sourceId") == Some(id);
                if let Some(source) =
                    str_field(r, "$sourceId").filter(|_| allowed(r) && !self_loop_seen)
                {
                    found.push((r, source));
                }
            }
        }
        found
    }

    /// Twins whose shortest distance from `start` over allowed relationships lies in
    /// `hops`, each once, nearest first. The start twin itself is never included, and a
    /// twin is visited once, so cycles are traversed once.
    fn reachable(
        &mut self,
        start: &'g str,
        direction: Direction,
        names: &[String],
        hops: Hops,
    ) -> Vec<&'g Value> {
        let mut visited: HashSet<&'g str> = HashSet::new();
        visited.insert(start);
        let mut frontier: Vec<&'g str> = vec![start];
        let mut found = Vec::new();
        for distance in 1..=hops.max {
            let mut next = Vec::new();
            for id in frontier {
                for (_, other) in self.neighbours(id, direction, names) {
                    if visited.insert(other) {
                        next.push(other);
                    }
                }
            }
            if distance >= hops.min {
                found.extend(next.iter().filter_map(|id| self.graph.twin(id)));
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        found
    }
}
