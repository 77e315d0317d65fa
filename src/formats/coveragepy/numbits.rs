//! coverage.py's "numbits": a set of line numbers stored as a little-endian bitmap (line `n` is bit `n % 8` of byte
//! `n / 8`). Kept as bytes so that combining is a bytewise OR, with no decoding on the hot path.

use std::fmt;

/// A set of non-negative numbers in coverage.py's numbits layout.
///
/// Trailing zero bytes are trimmed on construction: coverage.py's own unions pad with zeros, and two equal sets must
/// compare (and serialise) equal for the combined output to be independent of input order.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Numbits(Vec<u8>);

impl Numbits {
    /// Wraps a numbits blob as stored in `line_bits.numbits`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Numbits(bytes[..len].to_vec())
    }

    /// The blob to store: no trailing zero bytes, empty for the empty set.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one number.
    pub fn insert(&mut self, n: u32) {
        let byte = n as usize / 8;
        if self.0.len() <= byte {
            self.0.resize(byte + 1, 0);
        }
        self.0[byte] |= 1 << (n % 8);
    }

    pub fn contains(&self, n: u32) -> bool {
        self.0.get(n as usize / 8).is_some_and(|b| b & (1 << (n % 8)) != 0)
    }

    /// Adds every number of `other` (bytewise OR).
    pub fn union_with(&mut self, other: &Numbits) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine |= theirs;
        }
    }

    /// Adds every number of a numbits blob as stored (bytewise OR), without building a `Numbits` of it first: the
    /// blob is borrowed from SQLite, and combine ORs hundreds of thousands of them. Trailing zero bytes of the blob
    /// are ignored, which keeps this set trimmed.
    pub fn union_bytes(&mut self, bytes: &[u8]) {
        let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let bytes = &bytes[..len];
        if self.0.len() < bytes.len() {
            self.0.resize(bytes.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(bytes) {
            *mine |= theirs;
        }
    }

    /// The numbers in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &byte)| {
            (0..8u32)
                .filter(move |bit| byte & (1 << bit) != 0)
                .map(move |bit| i as u32 * 8 + bit)
        })
    }
}

impl FromIterator<u32> for Numbits {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut bits = Numbits::default();
        for n in iter {
            bits.insert(n);
        }
        bits
    }
}

impl fmt::Debug for Numbits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn layout_matches_coveragepy() {
        // nums_to_numbits([1, 2, 5, 9, 16]).hex() == "260201" in coverage.py.
        let bits: Numbits = [1, 2, 5, 9, 16].into_iter().collect();
        assert_eq!(bits.as_bytes(), [0x26, 0x02, 0x01]);
        // Real data from coverage.py 7.17.3.
        let real = Numbits::from_bytes(&[0xA6, 0x43, 0x5C, 0x09]);
        assert_eq!(
            real.iter().collect::<Vec<_>>(),
            [1, 2, 5, 7, 8, 9, 14, 18, 19, 20, 22, 24, 27]
        );
    }

    #[test]
    fn trailing_zero_bytes_do_not_change_the_set() {
        assert_eq!(Numbits::from_bytes(&[0x66, 0x00]), Numbits::from_bytes(&[0x66]));
        assert!(Numbits::from_bytes(&[0, 0]).is_empty());
    }

    proptest! {
        #[test]
        fn union_is_set_union(a in proptest::collection::btree_set(0u32..300, 0..40),
                              b in proptest::collection::btree_set(0u32..300, 0..40)) {
            let mut bits: Numbits = a.iter().copied().collect();
            bits.union_with(&b.iter().copied().collect());
            let expected: Vec<u32> = a.union(&b).copied().collect();
            prop_assert_eq!(bits.iter().collect::<Vec<_>>(), expected);
            prop_assert_eq!(Numbits::from_bytes(bits.as_bytes()), bits.clone());
            // The same through the raw blob, padded with zeros as coverage.py's own unions may leave it.
            let mut raw: Numbits = a.iter().copied().collect();
            let mut blob = b.iter().copied().collect::<Numbits>().as_bytes().to_vec();
            blob.extend([0, 0]);
            raw.union_bytes(&blob);
            prop_assert_eq!(raw, bits);
        }
    }
}
