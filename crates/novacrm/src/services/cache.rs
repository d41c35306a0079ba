//! A bounded in-memory cache for answers keyed by a host's schedule version.
//!
//! Keys always contain the version that every change to a host's schedule bumps (DESIGN.md
//! §4), so an entry is never stale, only unused; when the memory budget is spent the cache
//! starts over rather than tracking age — old versions are dead weight anyway.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

/// How much memory a cached value holds.
pub trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for Bytes {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl<T: Weight> Weight for Arc<T> {
    fn weight(&self) -> usize {
        T::weight(self)
    }
}

#[derive(Debug)]
pub struct Cache<K, V> {
    budget: usize,
    entries: Mutex<(HashMap<K, V>, usize)>,
}

impl<K: Hash + Eq, V: Clone + Weight> Cache<K, V> {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new((HashMap::new(), 0)),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.entries.lock().expect("cache lock").0.get(key).cloned()
    }

    pub fn put(&self, key: K, value: V) {
        let mut guard = self.entries.lock().expect("cache lock");
        let (map, bytes) = &mut *guard;
        if *bytes + value.weight() > self.budget {
            map.clear();
            *bytes = 0;
        }
        *bytes += value.weight();
        if let Some(old) = map.insert(key, value) {
            *bytes -= old.weight();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_starts_over_when_its_budget_is_spent() {
        let cache: Cache<u32, Bytes> = Cache::new(10);
        cache.put(1, Bytes::from_static(b"123456"));
        assert!(cache.get(&1).is_some());
        cache.put(2, Bytes::from_static(b"123456"));
        assert!(cache.get(&1).is_none(), "over budget: cleared");
        assert_eq!(cache.get(&2).unwrap(), Bytes::from_static(b"123456"));
    }
}
