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
    let filter = match std::env::var("KPIWATCH_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::try_new(&directives).unwrap_or_else(|error| {
                // Said before logging starts, since a typo here would otherwise silence the
                // very logs the user asked for without a word.
                eprintln!(
                    "kpiwatch: KPIWATCH_LOG `{directives}` is not a valid filter ({error}); \
                     logging at `{default}` instead. Write one such as `debug` or \
                     `kpiwatch=debug`"
                );
                EnvFilter::new(default)
            })
        }
        _ => EnvFilter::new(default),
    };
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
