use kpiwatch::testing;

use crate::args::TestArgs;
use crate::exit::Exit;
use crate::output;

/// Runs every test of every file. Each file's report goes to standard output, and the
/// errors of an invalid file to standard error; the other files still run. Exits 2 when a
/// file is invalid, else 1 when a test failed, else 0.
pub fn test(args: TestArgs) -> Exit {
    let (mut passed, mut failed, mut invalid) = (0, 0, 0);
    let mut printed = Exit::Success;
    for path in &args.files {
        let file = match testing::load(path) {
            Ok(file) => file,
            Err(errors) => {
                eprintln!("{errors}");
                let count = errors.errors.len();
                eprintln!(
                    "{}: {count} error{}",
                    path.display(),
                    if count == 1 { "" } else { "s" }
                );
                invalid += 1;
                continue;
            }
        };
        let outcomes = testing::run(&file);
        printed = printed.max(output::print(&testing::render_file(path, &outcomes)));
        let failures = outcomes.iter().filter(|o| !o.passed()).count();
        failed += failures;
        passed += outcomes.len() - failures;
    }

    let summary = testing::render_summary(passed, failed, invalid);
    printed = printed.max(output::print(&format!("{summary}\n")));
    if printed != Exit::Success {
        printed
    } else if invalid > 0 {
        Exit::InvalidInput
    } else if failed > 0 {
        Exit::Verdict
    } else {
        Exit::Success
    }
}
