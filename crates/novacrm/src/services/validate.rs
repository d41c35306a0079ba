//! Field checks shared by the use cases: text lengths, email syntax, colours, questions.

use scheduling::{FieldError, Obj};
use serde_json::{Map, Value};

/// Keeps reading past a bad field: records its error and goes on, so one answer lists
/// every problem of a request.
pub fn gather<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// An optional text of at most `max` characters as sent, trimmed; empty counts as absent.
pub fn optional_text(obj: &Obj<'_>, key: &str, max: usize) -> Result<Option<String>, FieldError> {
    let Some(text) = obj.str(key)? else {
        return Ok(None);
    };
    // Counted as sent (the document's `maxLength`), then trimmed.
    if text.chars().count() > max {
        return Err(obj.error(key, format!("must be at most {max} characters")));
    }
    let text = text.trim();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(obj.error(key, "must not contain control characters"));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

pub fn required_text(obj: &Obj<'_>, key: &str, max: usize) -> Result<String, FieldError> {
    optional_text(obj, key, max)?.ok_or_else(|| obj.error(key, "is required"))
}

/// An email address the mailer can send to: lettre's own parser decides (so nothing accepted
/// here fails at sending: `victim,attacker@evil.example` and `a>b<c@…` once did), plus a
/// dotted domain, no spaces.
pub fn email(obj: &Obj<'_>, key: &str) -> Result<String, FieldError> {
    let text = required_text(obj, key, 254)?;
    let bad = || {
        obj.error(
            key,
            format!("{text:?} is not an email address (name@example.com)"),
        )
    };
    let (local, domain) = text.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.chars().any(|c| c.is_whitespace() || c.is_control());
    if domain_ok && local_ok && text.parse::<lettre::Address>().is_ok() {
        Ok(text)
    } else {
        Err(bad())
    }
}

/// A phone number, normalised to E.164 (`+14155550100`) so texts reach it and an inbound
/// text can be matched to it.
pub fn phone(obj: &Obj<'_>, key: &str) -> Result<Option<String>, FieldError> {
    let Some(text) = single_line(obj, key, 40)? else {
        return Ok(None);
    };
    scheduling::Phone::parse(&text)
        .map(|p| Some(p.to_string()))
        .map_err(|e| obj.error(key, e))
}

/// Like [`optional_text`], on one line: names and companies go into email headers, subjects,
/// texts and invite parameters, where a line break would be an injection, a MIME
/// encoded-word (`=?utf-8?q?…?=`) would be decoded by the reader's mail program into other
/// words, and bidi controls or invisible characters would make it read as something else.
pub fn single_line(obj: &Obj<'_>, key: &str, max: usize) -> Result<Option<String>, FieldError> {
    let text = optional_text(obj, key, max)?;
    let Some(t) = text.as_deref() else {
        return Ok(None);
    };
    if t.contains(['\n', '\r', '\t']) {
        return Err(obj.error(key, "must be on one line"));
    }
    if t.chars().any(invisible) {
        return Err(obj.error(
            key,
            "must not contain invisible or direction-changing characters",
        ));
    }
    if t.find("=?").is_some_and(|at| t[at + 2..].contains("?=")) {
        return Err(obj.error(
            key,
            "must not contain \"=?…?=\" (it would be read as encoded text)",
        ));
    }
    Ok(text)
}

/// Bidi controls, zero-width characters and other format characters (Unicode Cf): they
/// change how the text around them reads without being seen.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A required [`single_line`].
pub fn required_line(obj: &Obj<'_>, key: &str, max: usize) -> Result<String, FieldError> {
    single_line(obj, key, max)?.ok_or_else(|| obj.error(key, "is required"))
}

/// `#RRGGBB`.
pub fn color(obj: &Obj<'_>, key: &str) -> Result<Option<String>, FieldError> {
    let Some(text) = obj.str(key)? else {
        return Ok(None);
    };
    let ok = text.len() == 7
        && text.starts_with('#')
        && text[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(Some(text.to_ascii_uppercase()))
    } else {
        Err(obj.error(key, format!("{text:?} is not a colour (#RRGGBB)")))
    }
}

const QUESTION_TYPES: [&str; 6] = [
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "checkbox",
    "phone",
];

/// Intake questions: `[{"id","label","type","required","options"?}]`, normalised.
pub fn questions(obj: &Obj<'_>, key: &str) -> Result<Option<Value>, FieldError> {
    let Some(items) = obj.array(key)? else {
        return Ok(None);
    };
    if items.len() > 20 {
        return Err(obj.error(key, "at most 20 questions"));
    }
    let mut out = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{}[{i}]", obj.field(key));
        let q = Obj::new(item, &path)?;
        let id = match optional_text(&q, "id", 64)? {
            Some(id) => id,
            None => format!("q{}", i + 1),
        };
        if ids.contains(&id) {
            return Err(q.error("id", format!("{id:?} is used by another question")));
        }
        let label = required_text(&q, "label", 300)?;
        let kind = q.str("type")?.unwrap_or("short_text");
        if !QUESTION_TYPES.contains(&kind) {
            return Err(q.error(
                "type",
                format!("must be one of {}", QUESTION_TYPES.join(", ")),
            ));
        }
        let required = q.bool("required")?.unwrap_or(false);
        let mut question = Map::new();
        question.insert("id".into(), id.clone().into());
        question.insert("label".into(), label.into());
        question.insert("type".into(), kind.into());
        question.insert("required".into(), required.into());
        // Options are text whatever the type; only choice questions keep them.
        let mut options = Vec::new();
        for (k, option) in q.array("options")?.into_iter().flatten().enumerate() {
            let text = option
                .as_str()
                .ok_or_else(|| q.error(&format!("options[{k}]"), "must be text"))?;
            if !text.trim().is_empty() {
                options.push(text.trim().to_owned());
            }
        }
        if kind.ends_with("_choice") {
            if options.len() < 2 {
                return Err(q.error("options", "a choice question needs at least two options"));
            }
            question.insert("options".into(), options.into());
        }
        ids.push(id);
        out.push(Value::Object(question));
    }
    Ok(Some(Value::Array(out)))
}

/// Checks a guest's `answers` against the meeting type's questions.
pub fn answers(obj: &Obj<'_>, questions: &Value) -> Result<Value, Vec<FieldError>> {
    let empty = Map::new();
    let given = match obj.get("answers") {
        None => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(vec![
                obj.error("answers", "must be an object of question id → answer"),
            ]);
        }
    };
    let list = questions.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut errors = Vec::new();
    let mut out = Map::new();
    let field = |id: &str| format!("answers.{id}");
    for key in given.keys() {
        if !list.iter().any(|q| q["id"] == *key) {
            errors.push(FieldError::new(
                field(key),
                "is not a question of this meeting type",
            ));
        }
    }
    for q in list {
        let id = q["id"].as_str().unwrap_or_default();
        let required = q["required"].as_bool().unwrap_or(false);
        let options: Vec<&str> = q["options"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let answer = given.get(id).filter(|v| !v.is_null());
        let checked = match (q["type"].as_str().unwrap_or_default(), answer) {
            (_, None) => Ok(None),
            ("checkbox", Some(Value::Bool(b))) => Ok((*b).then_some(Value::Bool(true))),
            ("checkbox", Some(_)) => Err("must be true or false".to_owned()),
            ("multiple_choice", Some(Value::Array(items))) => {
                let picked: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                if picked.len() != items.len() || picked.iter().any(|p| !options.contains(p)) {
                    Err(format!("must be a list of: {}", options.join(", ")))
                } else {
                    Ok((!picked.is_empty()).then(|| picked.into()))
                }
            }
            ("multiple_choice", Some(_)) => Err("must be a list of choices".to_owned()),
            (kind, Some(Value::String(text))) => {
                let text = text.trim();
                let max = if kind == "long_text" { 5000 } else { 500 };
                if text.chars().count() > max {
                    Err(format!("must be at most {max} characters"))
                } else if kind == "single_choice" && !text.is_empty() && !options.contains(&text) {
                    Err(format!("must be one of: {}", options.join(", ")))
                } else {
                    Ok((!text.is_empty()).then(|| text.into()))
                }
            }
            (_, Some(_)) => Err("must be text".to_owned()),
        };
        match checked {
            Err(message) => errors.push(FieldError::new(field(id), message)),
            Ok(None) if required => errors.push(FieldError::new(field(id), "is required")),
            Ok(None) => {}
            Ok(Some(v)) => {
                out.insert(id.to_owned(), v);
            }
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the check accepts, the mailer can write: these once made a booking whose emails
    /// (the host's notice too) could never be sent.
    #[test]
    fn emails_are_the_ones_the_mailer_can_send_to() {
        for (text, ok) in [
            ("guest@example.com", true),
            ("first.last+tag@sub.example.co", true),
            ("victim,attacker@evil.example", false),
            ("a>b<c@example.com", false),
            ("\"quoted\"@example.com", true),
            ("two@@example.com", false),
            ("no-domain@", false),
            ("spaced name@example.com", false),
        ] {
            let body = serde_json::json!({ "email": text });
            let obj = Obj::new(&body, "").unwrap();
            assert_eq!(email(&obj, "email").is_ok(), ok, "{text}");
        }
    }

    #[test]
    fn names_are_one_plain_line() {
        let check = |name: &str| {
            let body = serde_json::json!({ "name": name });
            single_line(&Obj::new(&body, "").unwrap(), "name", 200)
        };
        for bad in [
            "Ann\nBcc: x@evil.example",
            "=?utf-8?q?with_Bcc:_x@evil.example?=",
            "Ann\u{202E}lper",
            "An\u{200B}n",
            "\u{FEFF}Ann",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        for good in ["Ann Lee", "Zoë O'Brien", "李小龙", "a = b? yes", "محمد"] {
            assert_eq!(check(good).unwrap().as_deref(), Some(good));
        }
    }
}
