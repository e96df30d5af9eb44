//! Dense ids for strings (account ids, instrument names, order ids).

/// Maps looked up once or more per row (account ids, instrument names,
/// order ids), hashed with foldhash rather than std's SipHash (figures:
/// BENCHMARKS.md), seeded from the platform's random source
/// ([`crate::hashing`]).
use crate::hashing::HashMap;

/// Dense ids for strings (account ids, instrument names, order ids): the
/// first string seen gets 0, the next new one 1, and so on.
///
/// A string of up to 15 bytes is packed with its length into a `u128` key,
/// so a lookup hashes and compares one integer instead of following a
/// pointer to the key's bytes (most ids and names are this short; in wasm
/// that indirection was the feature stage's largest single cost). Longer
/// strings are kept as boxed keys.
pub(super) struct Interner {
    short: HashMap<u128, u32>,
    long: HashMap<Box<str>, u32>,
}

impl Default for Interner {
    /// An empty interner whose maps have fresh random seeds.
    fn default() -> Self {
        Interner {
            short: HashMap::with_hasher(crate::hashing::state()),
            long: HashMap::with_hasher(crate::hashing::state()),
        }
    }
}

impl Interner {
    /// `key`'s bytes and length in one integer: unique per string of at most 15 bytes.
    fn pack(key: &str) -> Option<u128> {
        let b = key.as_bytes();
        (b.len() < 16).then(|| {
            let mut buf = [0u8; 16];
            buf[..b.len()].copy_from_slice(b);
            buf[15] = b.len() as u8;
            u128::from_le_bytes(buf)
        })
    }

    pub(super) fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// The strings in id order.
    pub(super) fn strings(&self) -> Vec<String> {
        let mut out = vec![String::new(); self.len()];
        for (&k, &i) in &self.short {
            let b = k.to_le_bytes();
            out[i as usize] = String::from_utf8_lossy(&b[..b[15] as usize]).into_owned();
        }
        for (k, &i) in &self.long {
            out[i as usize] = k.to_string();
        }
        out
    }

    /// The id of `key`, if it has one (nothing is added).
    pub(super) fn get(&self, key: &str) -> Option<u32> {
        match Self::pack(key) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(key).copied(),
        }
    }

    /// The id of `key`, and whether it is new (a new key gets the next id).
    pub(super) fn id(&mut self, key: &str) -> (u32, bool) {
        let next = self.len() as u32;
        let id = match Self::pack(key) {
            Some(k) => *self.short.entry(k).or_insert(next),
            None => match self.long.get(key) {
                Some(&i) => i,
                None => *self.long.entry(key.into()).or_insert(next),
            },
        };
        (id, id == next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_gives_dense_ids_and_tells_every_string_apart() {
        // Edge lengths of the packed keys (15 bytes packed, 16 boxed), and
        // strings that differ only by trailing NUL bytes or length.
        let keys =
            ["", "a", "a\0", "a\0\0", "ACC18006", "0123456789abcde", "0123456789abcdef", "0123456789abcdef0", "é"];
        let mut int = Interner::default();
        let mut reference: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for round in 0..3 {
            for (i, k) in keys.iter().enumerate() {
                let want = *reference.entry(k).or_insert(i as u32);
                assert_eq!(int.id(k), (want, round == 0), "{k:?} in round {round}");
            }
        }
        assert_eq!(int.len(), keys.len());
        assert_eq!((int.short.len(), int.long.len()), (7, 2));
    }

    #[test]
    fn two_seeds_give_the_same_ids_and_strings() {
        let keys: Vec<String> =
            (0..2_000).map(|i| format!("ACC{}", i * 7919 % 2_003)).chain(["x".repeat(40)]).collect();
        let run = |seed| {
            crate::hashing::with_forced_seed(seed, || {
                let mut int = Interner::default();
                let ids: Vec<_> = keys.iter().map(|k| int.id(k)).collect();
                (ids, int.strings())
            })
        };
        let (a, b) = (run(1), run(u64::MAX - 5));
        assert_eq!(a, b);
        assert_eq!(a.1.len(), 2_001);
    }
}
