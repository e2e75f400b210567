use crate::args::ValidateArgs;
use crate::exit::Exit;

/// Prints every error with its position and exits 2, or a one-line summary and exits 0.
pub fn validate(args: ValidateArgs) -> Exit {
    let path = &args.config.config;
    match kpiwatch::config::load(path) {
        Ok(config) => {
            println!(
                "{}: ok ({} sources, {} rules, {} silences)",
                path.display(),
                config.sources.len(),
                config.rules.len(),
                config.silences.len()
            );
            Exit::Success
        }
        Err(errors) => {
            eprintln!("{errors}");
            let count = errors.errors.len();
            eprintln!(
                "{}: {count} error{}",
                path.display(),
                if count == 1 { "" } else { "s" }
            );
            Exit::InvalidInput
        }
    }
}
