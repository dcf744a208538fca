//! A collection of the state that remembers which keys a change touched, so
//! the journal can record just those (a write costs the same with 20 users
//! or 20,000).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Rows by key. Reading goes through `Deref` (every `BTreeMap` reader);
/// writing only through the methods below, which note the key touched.
/// There is no `DerefMut`, so an untracked write does not compile.
#[derive(Debug, Clone)]
pub(crate) struct Table<T> {
    rows: BTreeMap<String, T>,
    touched: BTreeSet<String>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            touched: BTreeSet::new(),
        }
    }
}

impl<T> Deref for Table<T> {
    type Target = BTreeMap<String, T>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl<T> Table<T> {
    /// Inserts or replaces a row.
    pub(crate) fn insert(&mut self, key: String, value: T) -> Option<T> {
        self.touched.insert(key.clone());
        self.rows.insert(key, value)
    }

    /// Removes a row.
    pub(crate) fn remove(&mut self, key: &str) -> Option<T> {
        let removed = self.rows.remove(key);
        if removed.is_some() {
            self.touched.insert(key.to_string());
        }
        removed
    }

    /// A row to change in place.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        let row = self.rows.get_mut(key)?;
        self.touched.insert(key.to_string());
        Some(row)
    }
}

impl<T> FromIterator<(String, T)> for Table<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(rows: I) -> Self {
        Table {
            rows: rows.into_iter().collect(),
            touched: BTreeSet::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

// On disk a table is its map, so state files keep their format.
impl<T: Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.rows.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::deserialize(deserializer)?.into_iter().collect())
    }
}

/// One key's new value (`None`: removed), as the journal records it.
pub(crate) type RowChange = (String, Option<Value>);

/// What the journal needs of a collection, whatever its rows are.
pub(crate) trait Journaled {
    /// The rows touched since the last call, with their values now; forgets them.
    fn take_changes(&mut self) -> Result<Vec<RowChange>, serde_json::Error>;
    /// Applies a recorded change (replaying the journal, or committing).
    fn apply(&mut self, change: RowChange) -> Result<(), serde_json::Error>;
    /// Forgets the rows touched (nothing is recorded for an in-memory state).
    fn forget_changes(&mut self);
}

impl<T: Serialize + DeserializeOwned> Journaled for Table<T> {
    fn take_changes(&mut self) -> Result<Vec<RowChange>, serde_json::Error> {
        std::mem::take(&mut self.touched)
            .into_iter()
            .map(|key| {
                let value = self.rows.get(&key).map(serde_json::to_value).transpose()?;
                Ok((key, value))
            })
            .collect()
    }

    fn forget_changes(&mut self) {
        self.touched.clear();
    }

    fn apply(&mut self, (key, value): RowChange) -> Result<(), serde_json::Error> {
        match value {
            Some(value) => {
                self.rows.insert(key, serde_json::from_value(value)?);
            }
            None => {
                self.rows.remove(&key);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_tracked_and_replay_elsewhere() {
        let mut table: Table<u32> = [("a".to_string(), 1)].into_iter().collect();
        let mut copy = table.clone();
        table.insert("b".into(), 2);
        *table.get_mut("a").unwrap() = 10;
        table.remove("missing");
        table.remove("b");
        let changes = table.take_changes().unwrap();
        assert_eq!(
            changes,
            [("a".to_string(), Some(10.into())), ("b".to_string(), None)]
        );
        assert!(table.take_changes().unwrap().is_empty());
        for change in changes {
            copy.apply(change).unwrap();
        }
        assert_eq!(copy, table);
        assert_eq!(serde_json::to_string(&copy).unwrap(), r#"{"a":10}"#);
    }
}
