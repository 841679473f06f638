//! Who did it, by name (issue 15.8): stored bodies name people as actors
//! (`user:1`, `key:3`, e.g. a batch's `review.by`); pages show the person's
//! or key's name instead.

use std::collections::HashMap;

use serde_json::Value;

use crate::WebState;

fn is_actor(s: &str) -> bool {
    s.split_once(':').is_some_and(|(kind, id)| {
        matches!(kind, "user" | "key") && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
    })
}

fn actors<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if is_actor(s) => into.push(s),
        Value::Array(items) => items.iter().for_each(|i| actors(i, into)),
        Value::Object(map) => map.values().for_each(|v| actors(v, into)),
        _ => {}
    }
}

fn replace(value: &mut Value, names: &HashMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(name) = names.get(s.as_str()) {
                *s = name.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace(i, names)),
        Value::Object(map) => map.values_mut().for_each(|v| replace(v, names)),
        _ => {}
    }
}

/// `value` with every actor in it replaced by its name.
pub(crate) async fn with_actor_names(state: &WebState, value: &Value) -> Value {
    let mut found = Vec::new();
    actors(value, &mut found);
    let mut names = HashMap::new();
    for actor in found {
        if !names.contains_key(actor) {
            let name = state
                .service
                .actor_name(actor)
                .await
                .unwrap_or_else(|_| actor.to_string());
            names.insert(actor.to_string(), name);
        }
    }
    let mut named = value.clone();
    replace(&mut named, &names);
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_actor_shaped_strings_are_actors() {
        let body = serde_json::json!({"review": {"by": "user:12", "reason": "user:x"},
            "notes": ["key:3", "keyboard:1", "user:"]});
        let mut found = Vec::new();
        actors(&body, &mut found);
        assert_eq!(found, ["key:3", "user:12"]);
    }
}
