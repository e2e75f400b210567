use crate::exit::Exit;

/// Prints the JSON Schema of the config file, generated from the config types.
pub fn schema() -> Exit {
    match serde_json::to_string_pretty(&kpiwatch::config::json_schema()) {
        Ok(text) => {
            println!("{text}");
            Exit::Success
        }
        Err(error) => {
            eprintln!("kpiwatch: cannot print the schema: {error}");
            Exit::Incomplete
        }
    }
}
