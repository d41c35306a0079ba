//! Reading JSON at the boundary, with errors that name the field.
//!
//! Every input that reaches the rules (a `slots` scenario, an API body) is read through
//! [`Obj`], so a mistake is reported as `availability.startTime: "25:00" is not …` rather than
//! serde's "invalid type at line 1 column 40". Nothing past this module sees raw JSON.

use std::fmt;

use serde_json::{Map, Value};

/// One invalid input: the field's path (`bookings[2].startTime`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// A JSON object being read, with the path that leads to it.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// Joins a parent path and a key: `""` + `from` = `from`, `availability` + `timezone` = …
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Obj<'a> {
    /// Reads `value` as an object; `path` names it in errors (empty at the root).
    pub fn new(value: &'a Value, path: &'a str) -> Result<Self, FieldError> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(FieldError::new(
                path,
                format!("must be an object, not {}", kind(other)),
            )),
        }
    }

    pub fn path(&self) -> &'a str {
        self.path
    }

    pub fn field(&self, key: &str) -> String {
        join(self.path, key)
    }

    /// The value under `key`, treating an explicit `null` like a missing field.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Whether `key` is present at all, even as `null`.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn error(&self, key: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(self.field(key), message)
    }

    fn type_error(&self, key: &str, expected: &str, found: &Value) -> FieldError {
        self.error(key, format!("must be {expected}, not {}", kind(found)))
    }

    pub fn str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.type_error(key, "a string", other)),
        }
    }

    pub fn required_str(&self, key: &str) -> Result<&'a str, FieldError> {
        self.str(key)?.ok_or_else(|| self.error(key, "is required"))
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.error(key, format!("must be a whole number, not {n}"))),
            Some(other) => Err(self.type_error(key, "a whole number", other)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.type_error(key, "true or false", other)),
        }
    }

    pub fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, FieldError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.type_error(key, "an array", other)),
        }
    }

    /// Parses the string under `key` with `parse`, naming the field in its error.
    pub fn parse_str<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, FieldError> {
        self.str(key)?
            .map(|s| parse(s).map_err(|m| self.error(key, m)))
            .transpose()
    }

    /// Reads a whole number under `key` and checks it lies in `min ..= max`.
    pub fn bounded(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
        match self.int(key)? {
            Some(n) if !(min..=max).contains(&n) => {
                Err(self.error(key, format!("must be between {min} and {max}, not {n}")))
            }
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_full_path_and_the_problem() {
        let v = json!({"bufferTime": "15", "n": 1.5, "m": -3});
        let obj = Obj::new(&v, "availability").unwrap();
        let e = obj.int("bufferTime").unwrap_err();
        assert_eq!(
            e.to_string(),
            "availability.bufferTime: must be a whole number, not a string"
        );
        assert!(obj.int("n").unwrap_err().message.contains("whole number"));
        assert_eq!(
            obj.bounded("m", 0, 10).unwrap_err().to_string(),
            "availability.m: must be between 0 and 10, not -3"
        );
        assert_eq!(obj.int("missing").unwrap(), None);
        assert!(
            Obj::new(&json!([1]), "x")
                .unwrap_err()
                .message
                .contains("an array")
        );
    }
}
