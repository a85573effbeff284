//! Sorted vectors as the small sets and maps of the first load (an account's tenants and
//! roles, a token's scopes, tenant names, tokens kept in memory, token requests in flight,
//! access answers): a handful of entries each, where `BTreeMap`/`BTreeSet` cost their node
//! code once per key and value type — about 27 kB of the main module before `wasm-opt` for
//! the first five — and a `HashMap` its table code and hashing. Order and lookups are the
//! B-tree's: ascending, by binary search.

/// Puts `item` in its place in the sorted `items`; false when it was already there.
pub fn insert<T: Ord>(items: &mut Vec<T>, item: T) -> bool {
    match items.binary_search(&item) {
        Ok(_) => false,
        Err(at) => {
            items.insert(at, item);
            true
        }
    }
}

/// Sets `key`'s value in the sorted `entries`, replacing the one it had.
pub fn upsert<K: Ord, V>(entries: &mut Vec<(K, V)>, key: K, value: V) {
    match entries.binary_search_by(|(k, _)| k.cmp(&key)) {
        Ok(at) => entries[at].1 = value,
        Err(at) => entries.insert(at, (key, value)),
    }
}

/// `key`'s value in the sorted `entries`.
pub fn get<'a, K, Q, V>(entries: &'a [(K, V)], key: &Q) -> Option<&'a V>
where
    K: std::borrow::Borrow<Q>,
    Q: Ord + ?Sized,
{
    position(entries, key).map(|at| &entries[at].1)
}

/// Takes `key` and its value out of the sorted `entries`.
pub fn remove<K, Q, V>(entries: &mut Vec<(K, V)>, key: &Q) -> Option<V>
where
    K: std::borrow::Borrow<Q>,
    Q: Ord + ?Sized,
{
    position(entries, key).map(|at| entries.remove(at).1)
}

/// Where `key` is in the sorted `entries`.
fn position<K, Q, V>(entries: &[(K, V)], key: &Q) -> Option<usize>
where
    K: std::borrow::Borrow<Q>,
    Q: Ord + ?Sized,
{
    entries.binary_search_by(|(k, _)| k.borrow().cmp(key)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_maps_stay_sorted_without_duplicates() {
        let mut set = Vec::new();
        for (item, new) in [(3, true), (1, true), (2, true), (3, false), (0, true)] {
            assert_eq!(insert(&mut set, item), new, "{item}");
        }
        assert_eq!(set, [0, 1, 2, 3]);

        let mut map = Vec::new();
        for (k, v) in [("b", 1), ("a", 2), ("c", 3), ("b", 4)] {
            upsert(&mut map, k, v);
        }
        assert_eq!(map, [("a", 2), ("b", 4), ("c", 3)]);
        assert_eq!(get(&map, "b"), Some(&4));
        assert_eq!(get(&map, "d"), None);
        assert_eq!(remove(&mut map, "b"), Some(4));
        assert_eq!(remove(&mut map, "b"), None);
        assert_eq!(map, [("a", 2), ("c", 3)]);
    }
}
