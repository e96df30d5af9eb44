//! Writes a saved model's scoring script, as **Download SQL** does but
//! without the page (and without the self-check, which needs the app's
//! results): for scheduled jobs and for the SQL benchmark.
//!
//! Usage: `cargo run --release --example sql_script -- MODEL.json duckdb|spark FILE_NAME > score.sql`
//! (`FILE_NAME`: the file the script reads, from the engine's working directory).

use segscope::model::sql::{script, Dialect};
use segscope::model::Model;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, dialect, file] = &args[..] else {
        return Err("usage: sql_script MODEL.json duckdb|spark FILE_NAME".into());
    };
    let text = std::fs::read_to_string(model).map_err(|e| format!("{model}: {e}"))?;
    let model = Model::from_json(model, &text)?;
    let dialect = Dialect::from_key(dialect).ok_or_else(|| format!("{dialect}: not a dialect (duckdb or spark)"))?;
    print!("{}", script(&model, dialect, file, None)?);
    Ok(())
}
