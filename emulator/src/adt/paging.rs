//! Paging: page sizes from `max-items-per-page`, opaque continuation tokens, and list bodies
//! `{"value": [...], "nextLink": null | "https://{host}/…&continuationToken=…"}` (explicitly
//! `null` on the last page, as the live service sends it).

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::errors::AdtError;

pub const MAX_ITEMS_HEADER: &str = "max-items-per-page";
/// The query parameter list continuations travel in.
pub const CONTINUATION_PARAM: &str = "continuationToken";

/// The page size: `max-items-per-page` if given (at most `limit`), else `limit`.
pub fn page_size(headers: &HeaderMap, limit: usize) -> Result<usize, AdtError> {
    match headers.get(MAX_ITEMS_HEADER) {
        None => Ok(limit),
        Some(v) => {
            let n: usize = v
                .to_str()
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    AdtError::InvalidArgument(format!(
                        "The {MAX_ITEMS_HEADER} header must be a positive integer."
                    ))
                })?;
            Ok(n.min(limit))
        }
    }
}

/// An opaque token carrying `value`.
pub fn encode_token(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The value inside a token from [`encode_token`].
pub fn decode_token(token: &str) -> Result<Value, AdtError> {
    let invalid = || AdtError::BadRequest("The continuation token is invalid.".into());
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Where a list continues: offset 0 without a token.
pub fn offset(token: Option<&str>) -> Result<usize, AdtError> {
    match token {
        None => Ok(0),
        Some(t) => decode_token(t)?["o"]
            .as_u64()
            .map(|o| o as usize)
            .ok_or_else(|| AdtError::BadRequest("The continuation token is invalid.".into())),
    }
}

/// One page of `items` from `offset`; the offset of the next page if there is one.
pub fn slice<T: Clone>(items: &[T], offset: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let start = offset.min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then_some(end);
    (items[start..end].to_vec(), next)
}

/// The `nextLink` for a list at `https://{host}{path}` continuing at `next`.
pub fn next_link(
    host: &str,
    path: &str,
    api_version: &str,
    extra: &[(String, String)],
    next: usize,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in extra {
        query.append_pair(k, v);
    }
    query.append_pair(CONTINUATION_PARAM, &encode_token(&json!({ "o": next })));
    query.append_pair("api-version", api_version);
    format!("https://{host}{path}?{}", query.finish())
}

/// `{"value": items, "nextLink": link-or-null}`.
pub fn list_body(items: Vec<Value>, next_link: Option<String>) -> Value {
    json!({ "value": items, "nextLink": next_link })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_tokens_round_trip() {
        let items: Vec<u32> = (0..5).collect();
        assert_eq!(slice(&items, 0, 2), (vec![0, 1], Some(2)));
        assert_eq!(slice(&items, 4, 2), (vec![4], None));
        assert_eq!(slice(&items, 9, 2), (vec![], None));
        let link = next_link("h", "/models", "2023-10-31", &[], 2);
        let token = url::Url::parse(&link)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == CONTINUATION_PARAM)
            .unwrap()
            .1
            .to_string();
        assert_eq!(offset(Some(&token)).unwrap(), 2);
        assert!(offset(Some("!!")).is_err());
    }

    #[test]
    fn page_size_is_capped_and_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(page_size(&h, 100).unwrap(), 100);
        h.insert(MAX_ITEMS_HEADER, "7".parse().unwrap());
        assert_eq!(page_size(&h, 100).unwrap(), 7);
        h.insert(MAX_ITEMS_HEADER, "5000".parse().unwrap());
        assert_eq!(page_size(&h, 100).unwrap(), 100);
        h.insert(MAX_ITEMS_HEADER, "zero".parse().unwrap());
        assert!(page_size(&h, 100).is_err());
    }
}
