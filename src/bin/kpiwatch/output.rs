//! Standard output for the subcommands that print a report.

use std::io::{ErrorKind, Write};

use crate::exit::Exit;

/// Prints `text` on standard output. A reader that has gone (`kpiwatch history | head -3`)
/// wanted no more, so a closed pipe ends the output quietly where `println!` would panic.
/// Any other write error, such as a full disk, is reported, and the job is incomplete.
pub fn print(text: &str) -> Exit {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != ErrorKind::BrokenPipe => {
            eprintln!("kpiwatch: cannot write to standard output: {error}");
            Exit::Incomplete
        }
        _ => Exit::Success,
    }
}
