//! JSON as exchange APIs return trade history, read into the same [`Table`]
//! as a CSV file, so that column detection, mapping, features and views do
//! not change:
//!
//! - an array of objects (`[{"symbol": "BTCUSDT", "qty": "0.1", ...}, ...]`);
//! - one object per line (NDJSON, JSON Lines);
//! - a response that wraps the array (`{"retCode": 0, "result": {"list":
//!   [...]}}`, as Bybit's API does): the largest array of objects inside,
//!   with a note naming its path (`result.list`).
//!
//! Each object is a row; its fields are the columns, in the order they first
//! appear. Nested objects are flattened to dotted names (`fee.amount`);
//! an array inside a row is kept as its JSON text. Numbers keep their text
//! as written (`"0.1"` as Binance's API writes numbers, and `0.1`, read the
//! same by the number reader); `true`/`false` as words; `null` as an empty
//! cell. Parsing is serde_json's (the whole text is held: at most
//! [`super::MAX_TEXT_BYTES`], as for a CSV file read whole).

use super::csv::{Dialect, Table};
use super::IngestError;
use serde_json::{Map, Value};

/// Whether decoded text `head` (its start) looks like JSON: its first
/// character other than whitespace or a BOM is `[` or `{`. A CSV file
/// starts with a header name instead.
pub fn looks_like_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    matches!(head.iter().find(|b| !b.is_ascii_whitespace()), Some(b'[' | b'{'))
}

/// Most JSON text read (128 MiB): a JSON document is parsed whole, and its
/// tree takes several times the text in memory, where a CSV file streams.
pub const MAX_JSON_BYTES: u64 = 128 << 20;

/// The message for JSON text over [`MAX_JSON_BYTES`].
pub fn too_large() -> String {
    format!(
        "it is larger than {} MB, the most segscope reads as JSON (a JSON document is held whole while it is read, and takes several times its size in memory); export the same rows as CSV, which is read as it streams, or split the file",
        MAX_JSON_BYTES >> 20
    )
}

/// Deepest level searched for an array of objects inside a wrapping object.
const WRAP_DEPTH: usize = 4;

/// The rows of a parsed document: the objects and, when they were found
/// inside a wrapper, the path to them.
fn rows_of(doc: Value) -> Result<(Vec<Value>, Option<String>), String> {
    match doc {
        Value::Array(items) => Ok((items, None)),
        Value::Object(map) => {
            // The largest array of objects inside (breadth first, by depth).
            // Paths as their keys (a key may itself hold a dot).
            let mut best: Option<(Vec<String>, usize)> = None;
            let mut level: Vec<(Vec<String>, &Value)> = map.iter().map(|(k, v)| (vec![k.clone()], v)).collect();
            for _ in 0..WRAP_DEPTH {
                let mut next = Vec::new();
                for (path, v) in level {
                    match v {
                        Value::Array(a)
                            if !a.is_empty()
                                && a.iter().all(Value::is_object)
                                && best.as_ref().is_none_or(|(_, n)| a.len() > *n) =>
                        {
                            best = Some((path, a.len()));
                        }
                        Value::Object(m) => next.extend(m.iter().map(|(k, v)| {
                            let mut p = path.clone();
                            p.push(k.clone());
                            (p, v)
                        })),
                        _ => {}
                    }
                }
                level = next;
            }
            match best {
                Some((path, _)) => {
                    let mut v = Value::Object(map);
                    for k in &path {
                        v = v.get_mut(k).map(Value::take).unwrap_or(Value::Null);
                    }
                    match v {
                        Value::Array(items) => Ok((items, Some(path.join(".")))),
                        _ => Err("the array of rows could not be taken out".into()),
                    }
                }
                // A single object: one row.
                None => Ok((vec![Value::Object(map)], None)),
            }
        }
        other => Err(format!("it holds a single {} value, not objects", kind(&other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "number",
        Value::String(_) => "text",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The cell text of a leaf value.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => v.to_string(),
    }
}

/// Flattens `obj` into (dotted name, cell) pairs, in field order.
fn flatten(prefix: &str, obj: &Map<String, Value>, out: &mut Vec<(String, String)>, nested: &mut bool) {
    for (k, v) in obj {
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(m) if !m.is_empty() => {
                *nested = true;
                flatten(&name, m, out, nested);
            }
            _ => out.push((name, cell(v))),
        }
    }
}

/// Reads JSON text (an array of objects, NDJSON, or a wrapped array) into a
/// [`Table`] with a note saying how it was read. Row numbers in messages
/// are the object's position (the first object is row 2, as the first data
/// row of a CSV file, so the page's "row N" counts the same way).
///
/// Errors: [`IngestError::Json`] for text that is not JSON (with serde_json's
/// line and column), a row that is not an object, or no rows.
pub fn read_json(text: &[u8]) -> Result<(Dialect, Table), IngestError> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let (rows, path, lines) = match serde_json::from_slice::<Value>(text) {
        Ok(doc) => {
            let (rows, path) = rows_of(doc).map_err(IngestError::Json)?;
            (rows, path, false)
        }
        Err(whole) => {
            // One value per line (NDJSON): every non-empty line must parse.
            let mut rows = Vec::new();
            for (i, line) in text.split(|&b| b == b'\n').enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(v) => rows.push(v),
                    Err(e) if rows.is_empty() && i == 0 => {
                        return Err(IngestError::Json(format!("{whole} (nor is its first line a JSON value: {e})")));
                    }
                    Err(e) => return Err(IngestError::Json(format!("line {}: {e}", i + 1))),
                }
            }
            (rows, None, true)
        }
    };
    if rows.is_empty() {
        return Err(IngestError::Json("it holds no rows (an empty array)".into()));
    }
    let mut headers: Vec<String> = Vec::new();
    let mut index = crate::hashing::HashMap::<String, usize>::with_hasher(crate::hashing::state());
    let mut records: Vec<Vec<(usize, String)>> = Vec::with_capacity(rows.len());
    let mut nested = false;
    for (i, row) in rows.iter().enumerate() {
        let Value::Object(obj) = row else {
            return Err(IngestError::Json(format!(
                "{} {} is a {} value, not an object with named fields; each row must be an object such as {{\"account\": \"A1\", \"qty\": 1.5}}",
                if lines { "line" } else { "item" },
                i + 1,
                kind(row)
            )));
        };
        let mut fields = Vec::new();
        flatten("", obj, &mut fields, &mut nested);
        let rec = fields
            .into_iter()
            .map(|(name, v)| {
                let c = *index.entry(name.clone()).or_insert_with(|| {
                    headers.push(name);
                    headers.len() - 1
                });
                (c, v)
            })
            .collect();
        records.push(rec);
    }
    let mut t = Table::from_records(
        headers,
        records.into_iter().map(|r| {
            let mut cells = r;
            cells.sort_by_key(|(c, _)| *c);
            cells
        }),
    );
    let mut note = format!(
        "Read as JSON: {} {}{}, each a row; fields are columns in the order they first appear, a missing field is an empty cell.",
        super::thousands(t.n_rows() as u64),
        if lines { "lines (one object per line)" } else { "objects" },
        path.map(|p| format!(" from the array at \"{p}\"")).unwrap_or_default(),
    );
    if nested {
        note.push_str(" Nested fields are flattened to dotted names (e.g. fee.amount).");
    }
    t.source_notes.push(note);
    Ok((Dialect::JSON, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(t: &Table) -> Vec<Vec<&str>> {
        (0..t.n_rows()).map(|r| (0..t.n_cols()).map(|c| t.cell(r, c)).collect()).collect()
    }

    #[test]
    fn arrays_lines_and_wrapped_arrays_read_the_same_table() {
        let array =
            br#"[{"account": "A1", "qty": "0.10", "px": 5, "fee": {"amount": 0.01, "asset": "USDT"}, "maker": true},
                          {"account": "A2", "qty": 2, "px": null, "tags": ["x", "y"]}]"#;
        let (d, t) = read_json(array).unwrap();
        assert_eq!(d, Dialect::JSON);
        assert_eq!(t.headers, ["account", "qty", "px", "fee.amount", "fee.asset", "maker", "tags"]);
        assert_eq!(
            cells(&t),
            [vec!["A1", "0.10", "5", "0.01", "USDT", "true", ""], vec!["A2", "2", "", "", "", "", "[\"x\",\"y\"]"],]
        );
        assert!(t.source_notes[0].contains("2 objects") && t.source_notes[0].contains("dotted names"));
        let lines = b"{\"account\": \"A1\", \"qty\": \"0.10\"}\n\n{\"account\": \"A2\", \"qty\": 2}\n";
        let (_, t) = read_json(lines).unwrap();
        assert_eq!(cells(&t), [vec!["A1", "0.10"], vec!["A2", "2"]]);
        assert!(t.source_notes[0].contains("one object per line"));
        let wrapped =
            br#"{"retCode": 0, "result": {"category": "linear", "list": [{"execQty": "1"}, {"execQty": "2"}]}}"#;
        let (_, t) = read_json(wrapped).unwrap();
        assert_eq!(cells(&t), [vec!["1"], vec!["2"]]);
        assert!(t.source_notes[0].contains("\"result.list\""), "{:?}", t.source_notes);
        assert_eq!(t.record_no(0), 2, "the first object is row 2, as a CSV file's first data row");
        let dotted = br#"{"v1.0": {"list": [{"a": 1}]}}"#;
        assert_eq!(cells(&read_json(dotted).unwrap().1), [vec!["1"]], "a key holding a dot");
    }

    #[test]
    fn hostile_json_gets_a_message_that_says_where() {
        let err = |b: &[u8]| read_json(b).unwrap_err().to_string();
        assert!(err(b"[{\"a\": 1}, {\"a\": 2").contains("line 1"), "{}", err(b"[{\"a\": 1}, {\"a\": 2"));
        assert!(err(b"[1, 2]").contains("item 1 is a number value"));
        assert!(
            err(b"{\"a\": 1}\n[2]\n").contains("line 2 is a array value")
                || err(b"{\"a\": 1}\n[2]\n").contains("line 2")
        );
        assert!(err(b"[]").contains("no rows"));
        assert!(err(b"{\"a\": 1}\n{\"a\": \n").contains("line 2"));
        assert!(err(b"\"text\"").contains("single text value"));
    }

    #[test]
    fn json_is_told_from_csv_by_its_first_character() {
        assert!(looks_like_json(b"\xEF\xBB\xBF  \n[{"));
        assert!(looks_like_json(b"{\"a\":1}"));
        assert!(!looks_like_json(b"account,qty\n"));
        assert!(!looks_like_json(b""));
    }
}
