//! spapi's patches to Amazon's models (`codegen/patches.json`), shared by codegen and the
//! conformance checks so that both read the same, corrected contract.
//!
//! Each patch is `{model, pointer, value | remove: true, reason}`: at the JSON pointer in the
//! model file, set `value` (or remove the member). A patch without a reason is refused.

use serde_json::Value;

/// The patch list the project ships, embedded at build time.
pub fn builtin() -> Value {
    serde_json::from_str(include_str!("../../../codegen/patches.json"))
        .expect("codegen/patches.json is valid JSON")
}

/// Applies every patch of `patches` that names the model `rel` to `doc`.
///
/// # Errors
/// A patch without a reason, or whose pointer does not exist in the model.
pub fn apply(rel: &str, doc: &mut Value, patches: &Value) -> Result<(), String> {
    for p in patches.as_array().into_iter().flatten() {
        if p["model"].as_str() != Some(rel) {
            continue;
        }
        let pointer = p["pointer"].as_str().ok_or("patch without pointer")?;
        if p["reason"].as_str().unwrap_or("").trim().is_empty() {
            return Err(format!("patch for {rel} at {pointer} has no reason"));
        }
        let (parent_ptr, key) = pointer.rsplit_once('/').ok_or("bad pointer")?;
        let key = key.replace("~1", "/").replace("~0", "~");
        let parent = doc
            .pointer_mut(parent_ptr)
            .ok_or_else(|| format!("patch pointer {pointer} not found in {rel}"))?;
        let remove = p["remove"].as_bool() == Some(true);
        match parent {
            Value::Object(m) if remove => {
                m.remove(&key);
            }
            Value::Object(m) => {
                m.insert(key, p["value"].clone());
            }
            Value::Array(a) => {
                let i: usize = key.parse().map_err(|_| format!("bad index in {pointer}"))?;
                if i >= a.len() {
                    return Err(format!("index out of range in {pointer}"));
                }
                if remove {
                    a.remove(i);
                } else {
                    a[i] = p["value"].clone();
                }
            }
            _ => return Err(format!("cannot patch {pointer}: parent is not a container")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_and_removes() {
        let mut doc = json!({"paths": {"/a/b": {"get": {"operationId": "x", "deprecated": true}}}});
        let patches = json!([
            {"model": "m.json", "pointer": "/paths/~1a~1b/get/operationId", "value": "y", "reason": "r"},
            {"model": "m.json", "pointer": "/paths/~1a~1b/get/deprecated", "remove": true, "reason": "r"},
            {"model": "other.json", "pointer": "/nothing", "value": 1, "reason": "r"}
        ]);
        apply("m.json", &mut doc, &patches).unwrap();
        assert_eq!(
            doc,
            json!({"paths": {"/a/b": {"get": {"operationId": "y"}}}})
        );
    }

    #[test]
    fn refuses_patches_without_reason_or_target() {
        let mut doc = json!({"a": {}});
        let no_reason = json!([{"model": "m", "pointer": "/a/b", "value": 1}]);
        assert!(apply("m", &mut doc, &no_reason).is_err());
        let missing = json!([{"model": "m", "pointer": "/x/y", "value": 1, "reason": "r"}]);
        assert!(apply("m", &mut doc, &missing).is_err());
    }

    #[test]
    fn builtin_patches_all_have_reasons() {
        for p in builtin().as_array().unwrap() {
            assert!(p["reason"].as_str().is_some_and(|r| r.len() > 20), "{p}");
        }
    }
}
