//! `POST /query`: the ADT query language (via `twinscope-adt-query`) over the instance's
//! twins and relationships, run for one page at a time. At most 1,000 rows a page (fewer with `max-items-per-page`); the
//! continuation token is opaque and carries the query and where the next page starts; the
//! `query-charge` header reports the query units.

use std::cell::RefCell;

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::AdtError;
use super::paging;
use super::store::State;
use super::{Ctx, json_response};

/// Rows in one query page.
pub const MAX_ROWS_PER_PAGE: usize = 1000;
pub const QUERY_CHARGE_HEADER: &str = "query-charge";

/// The instance's data as the query engine sees it.
#[derive(Debug)]
pub struct GraphView<'a> {
    pub state: &'a State,
    /// `(twin model, model, exact) → answer` of the ontology's inheritance checks: a query
    /// asks the same few questions once per twin, and the models cannot change while the
    /// store is locked for the query.
    model_checks: RefCell<Vec<(String, String, bool, bool)>>,
}

impl<'a> GraphView<'a> {
    pub fn new(state: &'a State) -> Self {
        Self {
            state,
            model_checks: RefCell::new(Vec::new()),
        }
    }
}

impl adt_query::Graph for GraphView<'_> {
    fn twins(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.state.twins.values())
    }

    fn twin(&self, id: &str) -> Option<&Value> {
        self.state.twins.get(id)
    }

    fn relationships(&self) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.state.relationships.values())
    }

    fn outgoing(&self, source_id: &str) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.state.outgoing(source_id))
    }

    fn incoming(&self, target_id: &str) -> Box<dyn Iterator<Item = &Value> + '_> {
        Box::new(self.state.incoming_of(target_id))
    }

    fn is_of_model(&self, twin_model: &str, model: &str, exact: bool) -> bool {
        if twin_model == model {
            return true;
        }
        if exact {
            return false;
        }
        let known = self
            .model_checks
            .borrow()
            .iter()
            .find(|(t, m, e, _)| t == twin_model && m == model && *e == exact)
            .map(|(.., answer)| *answer);
        known.unwrap_or_else(|| {
            let answer = self.state.ontology.is_of_model(twin_model, model, exact);
            self.model_checks.borrow_mut().push((
                twin_model.to_owned(),
                model.to_owned(),
                exact,
                answer,
            ));
            answer
        })
    }
}

/// The query text and first row of this page, from the body.
fn specification(body: &Value) -> Result<(String, usize), AdtError> {
    if let Some(token) = body.get("continuationToken").and_then(Value::as_str) {
        let inner = paging::decode_token(token)?;
        let invalid = || AdtError::BadRequest("The continuation token is invalid.".into());
        let query = inner["q"].as_str().ok_or_else(invalid)?.to_string();
        let offset = inner["o"].as_u64().ok_or_else(invalid)? as usize;
        return Ok((query, offset));
    }
    match body.get("query").and_then(Value::as_str) {
        Some(q) if !q.trim().is_empty() => Ok((q.to_string(), 0)),
        _ => Err(AdtError::InvalidArgument(
            "The query specification must have a query or a continuationToken.".into(),
        )),
    }
}

pub fn query(ctx: &Ctx<'_>) -> Result<Response, AdtError> {
    let body = ctx.req.json()?;
    let (text, offset) = specification(&body)?;
    let size = paging::page_size(&ctx.req.headers, MAX_ROWS_PER_PAGE)?;
    let parsed = adt_query::parse(&text).map_err(|e| AdtError::SqlQuery(e.to_string()))?;
    // The engine reads only as far as this page (and one row beyond, to know if another
    // page follows); rows come in the store's stable order, so offsets page consistently.
    let window = adt_query::Window {
        skip: offset,
        take: size,
    };
    let output = {
        let store = ctx.instance.store();
        adt_query::execute_window(&parsed, &GraphView::new(&store.state), window)
            .map_err(|e| AdtError::SqlQuery(e.to_string()))?
    };
    let next = output.more.then(|| offset + output.rows.len());
    let token = next.map(|o| paging::encode_token(&json!({ "q": text, "o": o })));
    let mut response = json_response(
        StatusCode::OK,
        &json!({ "value": output.rows, "continuationToken": token }),
        None,
    );
    if let Ok(v) = HeaderValue::from_str(&super::wire::charge_form(output.charge)) {
        response.headers_mut().insert(QUERY_CHARGE_HEADER, v);
    }
    Ok(response)
}
