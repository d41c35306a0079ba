//! A bounded in-memory cache for answers keyed by a host's schedule version.
//!
//! Keys always contain the version that every change to a host's schedule bumps (DESIGN.md
//! §4), so an entry is never stale, only unused; when the memory budget is spent the oldest
//! entries go, one by one, until the new one fits (old versions are dead weight anyway, and
//! what is in use now was put there lately). A value bigger than the whole budget is not kept.

use std::collections::{HashMap, VecDeque};
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
    entries: Mutex<Entries<K, V>>,
}

#[derive(Debug)]
struct Entries<K, V> {
    map: HashMap<K, V>,
    /// Keys in the order they were put, oldest first.
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Hash + Eq + Clone, V: Clone + Weight> Cache<K, V> {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.entries
            .lock()
            .expect("cache lock")
            .map
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: K, value: V) {
        let weight = value.weight();
        if weight > self.budget {
            return;
        }
        let mut guard = self.entries.lock().expect("cache lock");
        let e = &mut *guard;
        if let Some(old) = e.map.remove(&key) {
            e.bytes -= old.weight();
            e.order.retain(|k| k != &key);
        }
        while e.bytes + weight > self.budget {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(gone) = e.map.remove(&oldest) {
                e.bytes -= gone.weight();
            }
        }
        e.bytes += weight;
        e.order.push_back(key.clone());
        e.map.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entries_go_first_and_only_as_many_as_needed() {
        let cache: Cache<u32, Bytes> = Cache::new(10);
        cache.put(1, Bytes::from_static(b"1234"));
        cache.put(2, Bytes::from_static(b"1234"));
        cache.put(3, Bytes::from_static(b"12"));
        assert!(cache.get(&1).is_some() && cache.get(&3).is_some());
        cache.put(4, Bytes::from_static(b"1234"));
        assert!(cache.get(&1).is_none(), "the oldest went");
        assert!(cache.get(&2).is_some() && cache.get(&3).is_some() && cache.get(&4).is_some());
        // Putting a key again replaces it in place of a second copy.
        cache.put(2, Bytes::from_static(b"12"));
        cache.put(5, Bytes::from_static(b"12"));
        assert!(cache.get(&3).is_some(), "10 bytes fit: 2+2+4+2");
        // What cannot fit at all is not kept, and costs nobody their place.
        cache.put(6, Bytes::from_static(b"12345678901"));
        assert!(cache.get(&6).is_none() && cache.get(&5).is_some());
    }
}
