//! "Did you mean …?" hints for misspelt DTDL terms and names.

/// Largest edit distance still offered as a suggestion.
const MAX_DISTANCE: usize = 2;

/// The candidate closest to `input` (case-insensitive edit distance ≤ 2), if any. An exact
/// case-insensitive match (e.g. `Double` for `double`) is always suggested.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = lowercase(input);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lowered, &lowercase(c)), c))
        .filter(|(d, c)| *d <= MAX_DISTANCE && *c != input)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `s` in lower case by Unicode's default mapping: in the browser by its own
/// (`String.prototype.toLowerCase`), so the SPA's wasm carries no case tables.
fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_lower_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// Formats the hint as ` (did you mean 'x'?)`, or an empty string.
pub(crate) fn hint<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(input, candidates).map_or_else(String::new, |s| format!(" (did you mean '{s}'?)"))
}

/// Levenshtein distance over chars; inputs longer than 64 chars are never close to a term.
fn edit_distance(a: &str, b: &str) -> usize {
    const MAX_LEN: usize = 64;
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > MAX_LEN || b.len() > MAX_LEN {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let terms = ["float", "double", "dateTime", "date"];
        assert_eq!(did_you_mean("flaot", terms), Some("float"));
        assert_eq!(did_you_mean("Double", terms), Some("double"));
        assert_eq!(did_you_mean("datetime", terms), Some("dateTime"));
        assert_eq!(did_you_mean("banana", terms), None);
        assert_eq!(hint("flaot", terms), " (did you mean 'float'?)");
        assert_eq!(hint("banana", terms), "");
    }
}
