//! `--format json`: one object with `findings`, `progress`, and, with a baseline, `new`.

use serde_json::{Value, json};

use crate::ScanResult;
use crate::findings::Finding;

/// The JSON report; `new` lists the findings not in the baseline, if one was given.
pub fn render(result: &ScanResult, new: Option<&[&Finding]>) -> String {
    let mut value = serde_json::to_value(result).expect("a scan result serializes");
    if let (Some(new), Value::Object(map)) = (new, &mut value) {
        map.insert("new".to_owned(), json!(new));
    }
    serde_json::to_string_pretty(&value).expect("a JSON value serializes") + "\n"
}
