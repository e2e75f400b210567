use anstream::{AutoStream, ColorChoice};
use tracing_subscriber::EnvFilter;

/// Logs go to standard error, so that standard output carries only notifications. The
/// level comes from `KPIWATCH_LOG` (an `EnvFilter` directive such as `debug` or
/// `kpiwatch=debug`), else from `-v` flags: warnings by default, `-v` info, `-vv` debug.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("KPIWATCH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // The notifications' rule, decided the same way: colour on a terminal only, never with
    // `NO_COLOR`, so that a log piped to a file or a collector carries no escape codes.
    let stderr = std::io::stderr();
    let colour = AutoStream::choice(&stderr) != ColorChoice::Never;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
}
