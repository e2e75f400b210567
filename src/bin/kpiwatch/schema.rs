use crate::exit::Exit;
use crate::output;

/// Prints the JSON Schema of the config file, generated from the config types.
pub fn schema() -> Exit {
    match serde_json::to_string_pretty(&kpiwatch::config::json_schema()) {
        Ok(text) => output::print(&format!("{text}\n")),
        Err(error) => {
            eprintln!("kpiwatch: cannot print the schema: {error}");
            Exit::Incomplete
        }
    }
}
