//! The checked-in OpenAPI description of the agent API (`openapi.json`)
//! and, behind the `schema-check` feature (tests only), a check of JSON
//! values against its schemas by the `jsonschema` crate, so tests can hold
//! real answers (and the examples) to the description. The descriptions
//! are OpenAPI 3.1, whose schemas are JSON Schema 2020-12.

use serde_json::Value;

/// The OpenAPI 3 document.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// The parsed document.
pub fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Checks `value` against `#/components/schemas/<schema>` of `doc` (any
/// OpenAPI 3.1 document); returns every mismatch, each starting with the
/// JSON pointer of the value at fault.
#[cfg(feature = "schema-check")]
pub fn check(doc: &Value, schema: &str, value: &Value) -> Result<(), Vec<String>> {
    // The schema's references point into the document's components.
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&root).map_err(|e| vec![format!("schema {schema}: {e}")])?;
    let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("{}: {e}", e.instance_path())).collect();
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
