//! A map with a cap: when full, the entry seen least recently is evicted and counted. Correlation keys
//! (principals, instances, hosts) come from the stream, so without a cap a month-long stream, or an
//! attacker spraying names, would grow the plugin's memory without limit.
//!
//! Ordered maps only: iteration order is part of the output, and std's `HashMap` would also pull WASI
//! randomness into the component.

use std::borrow::Borrow;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct BoundedMap<K: Ord + Clone, V> {
    entries: BTreeMap<K, Slot<V>>,
    /// Recency order: the tick of each entry's last touch → its key.
    recency: BTreeMap<u64, K>,
    tick: u64,
    cap: usize,
    evicted: u64,
    /// The entry the last insertion pushed out, for callers that must act on it (emit what it held).
    last_evicted: Option<(K, V)>,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    tick: u64,
}

impl<K: Ord + Clone, V> BoundedMap<K, V> {
    /// A map holding at most `cap` entries (at least one).
    pub fn new(cap: usize) -> BoundedMap<K, V> {
        BoundedMap {
            entries: BTreeMap::new(),
            recency: BTreeMap::new(),
            tick: 0,
            cap: cap.max(1),
            evicted: 0,
            last_evicted: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries evicted because the map was full.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.get(key).map(|slot| &slot.value)
    }

    /// The entry for `key`, touched as most recently seen; created with `make` when absent, evicting
    /// the least recently seen entry if the map is full.
    pub fn touch_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.tick += 1;
        let tick = self.tick;
        if let Some(slot) = self.entries.get(&key) {
            if let Some(owned) = self.recency.remove(&slot.tick) {
                self.recency.insert(tick, owned);
            }
        } else {
            if self.entries.len() >= self.cap {
                self.evict_oldest();
            }
            self.recency.insert(tick, key.clone());
        }
        let slot = self.entries.entry(key).or_insert_with(|| Slot {
            value: make(),
            tick,
        });
        slot.tick = tick;
        &mut slot.value
    }

    /// The entry for `key`, touched as most recently seen; no allocation, so it suits the per-event path.
    pub fn touch<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let slot = self.entries.get_mut(key)?;
        self.tick += 1;
        if let Some(owned) = self.recency.remove(&slot.tick) {
            self.recency.insert(self.tick, owned);
        }
        slot.tick = self.tick;
        Some(&mut slot.value)
    }

    /// The entry for `key` without changing its recency.
    pub fn peek_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key).map(|slot| &mut slot.value)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let slot = self.entries.remove(key)?;
        self.recency.remove(&slot.tick);
        Some(slot.value)
    }

    /// Keep only the entries `keep` accepts (expiry by event time); removals are not evictions.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let recency = &mut self.recency;
        self.entries.retain(|key, slot| {
            let kept = keep(key, &mut slot.value);
            if !kept {
                recency.remove(&slot.tick);
            }
            kept
        });
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, slot)| (k, &slot.value))
    }

    /// The entry evicted by the most recent insertion, if any (taken once).
    pub fn take_evicted(&mut self) -> Option<(K, V)> {
        self.last_evicted.take()
    }

    fn evict_oldest(&mut self) {
        if let Some((_, key)) = self.recency.pop_first()
            && let Some(slot) = self.entries.remove(&key)
        {
            self.evicted += 1;
            self.last_evicted = Some((key, slot.value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_seen_and_counts_it() {
        let mut map = BoundedMap::new(2);
        *map.touch_or_insert_with("a", || 0) += 1;
        *map.touch_or_insert_with("b", || 0) += 1;
        // "a" seen again: "b" becomes the oldest.
        *map.touch_or_insert_with("a", || 0) += 1;
        *map.touch_or_insert_with("c", || 0) += 1;
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&"a"), Some(&2));
        assert_eq!(map.get(&"b"), None);
        assert_eq!(map.get(&"c"), Some(&1));
        assert_eq!(map.evicted(), 1);
        assert_eq!(map.take_evicted(), Some(("b", 1)));
        assert_eq!(map.take_evicted(), None);
    }

    #[test]
    fn retain_and_remove_keep_recency_consistent() {
        let mut map = BoundedMap::new(3);
        for key in [1, 2, 3] {
            map.touch_or_insert_with(key, || key * 10);
        }
        map.retain(|k, _| *k != 1);
        assert_eq!(map.remove(&2), Some(20));
        map.touch_or_insert_with(4, || 40);
        map.touch_or_insert_with(5, || 50);
        // Three slots: 3, 4, 5; nothing evicted because removals freed room.
        assert_eq!(map.evicted(), 0);
        map.touch_or_insert_with(6, || 60);
        assert_eq!(map.evicted(), 1);
        assert_eq!(map.get(&3), None);
        let keys: Vec<i32> = map.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, vec![4, 5, 6]);
    }

    #[test]
    fn a_stream_far_larger_than_the_cap_stays_at_the_cap() {
        let mut map = BoundedMap::new(100);
        for i in 0..100_000u32 {
            map.touch_or_insert_with(i, || i);
        }
        assert_eq!(map.len(), 100);
        assert_eq!(map.evicted(), 99_900);
        assert_eq!(map.get(&99_999), Some(&99_999));
    }
}
