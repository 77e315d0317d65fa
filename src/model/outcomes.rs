//! The branch outcomes of one source line: a small sorted vector keyed by branch id.
//!
//! Large LCOV inputs hold millions of branch outcomes, mostly two per line. A `BTreeMap` allocates a whole node
//! (eleven slots) per line and a heap `String` per id, which made branch maps most of a report's memory. A sorted
//! vector of inline ids costs 40 bytes an outcome and keeps the same ordered, map-like behaviour.

use std::fmt;

use compact_str::CompactString;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{BranchHits, add_branch_hits};

/// A branch outcome's id, stored inline when it is short (as almost all are).
pub type BranchId = CompactString;

/// Branch outcomes sorted by id, each id once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcomes(Vec<(BranchId, BranchHits)>);

impl Outcomes {
    pub fn new() -> Self {
        Outcomes(Vec::new())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The outcomes in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, (BranchId, BranchHits)> {
        self.0.iter()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(id, _)| id.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &BranchHits> {
        self.0.iter().map(|(_, hits)| hits)
    }

    pub fn get(&self, id: &str) -> Option<&BranchHits> {
        self.position(id).ok().map(|i| &self.0[i].1)
    }

    /// Sets the hits of `id`, returning the previous value.
    pub fn insert(&mut self, id: impl Into<BranchId>, hits: BranchHits) -> Option<BranchHits> {
        let id = id.into();
        match self.position(&id) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, hits)),
            Err(i) => {
                self.0.insert(i, (id, hits));
                None
            }
        }
    }

    /// Adds `hits` to the outcome `id` (see [`add_branch_hits`]), creating it when absent.
    pub fn add(&mut self, id: impl Into<BranchId>, hits: BranchHits) {
        let id = id.into();
        match self.position(&id) {
            Ok(i) => self.0[i].1 = add_branch_hits(self.0[i].1, hits),
            Err(i) => self.0.insert(i, (id, hits)),
        }
    }

    /// Adds every outcome of `other` (a linear merge of two sorted vectors).
    pub fn merge(&mut self, other: &Outcomes) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            self.0.clone_from(&other.0);
            return;
        }
        let mine = std::mem::take(&mut self.0);
        let mut merged = Vec::with_capacity(mine.len() + other.len());
        let mut a = mine.into_iter().peekable();
        let mut b = other.0.iter().peekable();
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                    std::cmp::Ordering::Less => merged.extend(a.next()),
                    std::cmp::Ordering::Greater => merged.extend(b.next().cloned()),
                    std::cmp::Ordering::Equal => {
                        if let (Some((id, h1)), Some((_, h2))) = (a.next(), b.next()) {
                            merged.push((id, add_branch_hits(h1, *h2)));
                        }
                    }
                },
                (Some(_), None) => merged.extend(a.by_ref()),
                (None, Some(_)) => merged.extend(b.by_ref().cloned()),
                (None, None) => break,
            }
        }
        self.0 = merged;
    }

    fn position(&self, id: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(id))
    }
}

impl std::ops::Index<&str> for Outcomes {
    type Output = BranchHits;

    /// The hits of `id`; panics when there is no such outcome, as a map's index does.
    fn index(&self, id: &str) -> &BranchHits {
        match self.get(id) {
            Some(hits) => hits,
            None => panic!("no branch outcome {id:?}"),
        }
    }
}

impl<K: Into<BranchId>> FromIterator<(K, BranchHits)> for Outcomes {
    /// Collects outcomes in any order; repeated ids add up.
    fn from_iter<I: IntoIterator<Item = (K, BranchHits)>>(iter: I) -> Self {
        let mut v: Vec<(BranchId, BranchHits)> = iter.into_iter().map(|(k, h)| (k.into(), h)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 = add_branch_hits(kept.1, next.1);
            }
            same
        });
        Outcomes(v)
    }
}

impl<K: Into<BranchId>> Extend<(K, BranchHits)> for Outcomes {
    /// Sets each outcome, as a map's `extend` does (a repeated id keeps the last value).
    fn extend<I: IntoIterator<Item = (K, BranchHits)>>(&mut self, iter: I) {
        for (id, hits) in iter {
            self.insert(id, hits);
        }
    }
}

impl<'a> IntoIterator for &'a Outcomes {
    type Item = &'a (BranchId, BranchHits);
    type IntoIter = std::slice::Iter<'a, (BranchId, BranchHits)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Serialised as a JSON object `{id: hits}` in id order, as the map it replaces was.
impl Serialize for Outcomes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, hits) in &self.0 {
            map.serialize_entry(id.as_str(), hits)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Outcomes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OutcomesVisitor;
        impl<'de> Visitor<'de> for OutcomesVisitor {
            type Value = Outcomes;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of branch ids to hit counts or null")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Outcomes, A::Error> {
                let mut out = Outcomes::new();
                while let Some((id, hits)) = access.next_entry::<BranchId, BranchHits>()? {
                    if out.insert(id.clone(), hits).is_some() {
                        return Err(serde::de::Error::custom(format!("branch id {id:?} appears twice")));
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(OutcomesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_and_keeps_order() {
        let mut a: Outcomes = [("b", Some(1)), ("d", None)].into_iter().collect();
        let b: Outcomes = [("a", Some(2)), ("b", Some(3)), ("d", Some(1))].into_iter().collect();
        a.merge(&b);
        assert_eq!(
            a.iter().map(|(id, h)| (id.as_str(), *h)).collect::<Vec<_>>(),
            [("a", Some(2)), ("b", Some(4)), ("d", Some(1))]
        );
    }

    #[test]
    fn collecting_adds_repeated_ids() {
        let o: Outcomes = [("x", Some(1)), ("x", Some(2)), ("a", None)].into_iter().collect();
        assert_eq!(o["x"], Some(3));
        assert_eq!(o.ids().collect::<Vec<_>>(), ["a", "x"]);
    }
}
