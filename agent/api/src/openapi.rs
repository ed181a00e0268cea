//! The checked-in OpenAPI description of the agent API (`openapi.json`) and
//! a small checker of JSON values against its schemas, so tests can hold
//! real answers (and the examples) to the description. It understands the
//! subset the description uses: `$ref`, `type`, `required`, `properties`,
//! `additionalProperties`, `items`, `enum`, `const`, `minimum`, `maxLength`,
//! and `type` lists for nullable values.

use serde_json::Value;

/// The OpenAPI 3 document.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// The parsed document.
pub fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Checks `value` against `#/components/schemas/<schema>`; returns every
/// mismatch with its JSON path.
pub fn check(doc: &Value, schema: &str, value: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check_at(
        doc,
        &serde_json::json!({ "$ref": format!("#/components/schemas/{schema}") }),
        value,
        "$",
        &mut errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The schema name of a verb's request body or of its answer for an HTTP status.
pub fn schema_of(doc: &Value, path: &str, http_status: Option<u16>) -> Option<String> {
    let op = &doc["paths"][path]["post"];
    let schema = match http_status {
        None => &op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        Some(status) => {
            &op["responses"][status.to_string()]["content"]["application/json"]["schema"]["$ref"]
        }
    };
    schema
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

fn check_at(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        match doc.pointer(pointer) {
            Some(target) => check_at(doc, target, value, at, errors),
            None => errors.push(format!("{at}: unknown $ref {reference}")),
        }
        return;
    }
    // `type` is one name or, for nullable values, a list of names.
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !kinds.is_empty() {
        let fits = |kind: &str| match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !kinds.iter().any(|kind| fits(kind)) {
            errors.push(format!("{at}: expected {}, found {value}", kinds.join(" or ")));
            return;
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            errors.push(format!("{at}: expected {constant}, found {value}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_i64(), value.as_i64()) {
        if n < min {
            errors.push(format!("{at}: {n} < minimum {min}"));
        }
    }
    if let (Some(max), Some(s)) = (schema["maxLength"].as_u64(), value.as_str()) {
        if s.chars().count() as u64 > max {
            errors.push(format!("{at}: longer than {max}"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                errors.push(format!("{at}: missing required {name}"));
            }
        }
        for (name, field) in object {
            let path = format!("{at}.{name}");
            match (
                schema["properties"].get(name),
                &schema["additionalProperties"],
            ) {
                (Some(property), _) => check_at(doc, property, field, &path, errors),
                (None, Value::Bool(false)) => errors.push(format!("{path}: not allowed")),
                (None, extra @ Value::Object(_)) => check_at(doc, extra, field, &path, errors),
                (None, _) => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check_at(doc, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        CreateParams, DestroyParams, GetAllVmStatsParams, GetCapsParams, HotplugNicParams, Verb,
    };

    #[test]
    fn describes_every_verb_and_its_examples_parse_as_the_wire_types() {
        let doc = document();
        for verb in Verb::ALL {
            let path = verb.path();
            let request = schema_of(&doc, &path, None)
                .unwrap_or_else(|| panic!("{path} missing from openapi.json"));
            for status in [200, 400, 401, 404, 409, 500] {
                assert!(
                    schema_of(&doc, &path, Some(status)).is_some(),
                    "{path} {status}"
                );
            }
            let example = doc["paths"][&path]["post"]["requestBody"]["content"]["application/json"]
                ["example"]
                .clone();
            check(&doc, &request, &example).unwrap_or_else(|e| panic!("{path} example: {e:?}"));
            let parsed = match verb {
                Verb::GetCaps => serde_json::from_value::<GetCapsParams>(example).map(drop),
                Verb::Create => serde_json::from_value::<CreateParams>(example).map(drop),
                Verb::Destroy => serde_json::from_value::<DestroyParams>(example).map(drop),
                Verb::GetAllVmStats => {
                    serde_json::from_value::<GetAllVmStatsParams>(example).map(drop)
                }
                Verb::HotplugNic | Verb::HotunplugNic => {
                    serde_json::from_value::<HotplugNicParams>(example).map(drop)
                }
            };
            parsed.unwrap_or_else(|e| panic!("{path} example does not parse: {e}"));
        }
    }

    #[test]
    fn checker_finds_mismatches() {
        let doc = document();
        let nic = serde_json::json!({"vmId": "x", "nic": {"type": "interface", "device": "bridge", "deviceId": "d",
            "macAddr": "52:54:00:00:00:01", "nicModel": "virtio", "bootOrder": 0, "extra": 1,
            "address": {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": 12, "function": "0x0"}}});
        let errors = check(&doc, "NicParams", &nic).unwrap_err();
        for expected in [
            "$.nic.nicModel",
            "$.nic.bootOrder",
            "$.nic.extra: not allowed",
            "$.nic.address.slot: expected string",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "{expected} not in {errors:?}"
            );
        }
    }
}
