use crate::args::ValidateArgs;
use crate::exit::Exit;
use crate::output;
use crate::words::counted;

/// Prints every error with its position and exits 2, or a one-line summary and exits 0.
pub fn validate(args: ValidateArgs) -> Exit {
    let path = &args.config.config;
    match kpiwatch::config::load(path) {
        Ok(config) => output::print(&format!(
            "{}: ok ({}, {}, {})\n",
            path.display(),
            counted(config.sources.len(), "source"),
            counted(config.rules.len(), "rule"),
            counted(config.silences.len(), "silence")
        )),
        Err(errors) => {
            args.config.report(&errors);
            eprintln!(
                "{}: {}",
                path.display(),
                counted(errors.errors.len(), "error")
            );
            Exit::InvalidInput
        }
    }
}
