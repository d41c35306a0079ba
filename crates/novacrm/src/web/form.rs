//! A posted HTML form whose fields are not known ahead: every value of every name, in the
//! order sent (a ticked list sends one name many times). Forms with fixed fields are read
//! into their own `#[derive(Deserialize)]` structs instead.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

#[derive(Debug, Default, Clone)]
pub(crate) struct Fields(HashMap<String, Vec<String>>);

impl Fields {
    /// The first value sent under `name`, or `""`.
    pub(crate) fn first(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }

    /// The first value sent under `name`, if it was sent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.all(name).first().map(String::as_str)
    }

    /// Every value sent under `name` (none when it was not sent).
    pub(crate) fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether the form sent `name` at all (an empty box is sent; an unticked one is not).
    pub(crate) fn sent(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Whether `value` is among the values sent under `name` (a ticked box in a list).
    pub(crate) fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).iter().any(|v| v == value)
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Fields, M::Error> {
                let mut fields = HashMap::<String, Vec<String>>::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    fields.entry(name).or_default().push(value);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_sent_twice_keeps_both_values_in_order() {
        let f: Fields = serde_urlencoded::from_str("id=b&name=Ann+Lee&id=a&empty=").unwrap();
        assert_eq!(f.all("id"), ["b", "a"]);
        assert_eq!(f.first("id"), "b");
        assert_eq!(f.first("name"), "Ann Lee");
        assert_eq!(f.first("empty"), "");
        assert_eq!(f.first("missing"), "");
        assert!(f.all("missing").is_empty());
        assert_eq!((f.get("empty"), f.get("missing")), (Some(""), None));
        assert!(f.has("id", "a") && !f.has("id", "c"));
    }
}
