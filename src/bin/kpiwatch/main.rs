//! `kpiwatch`: the command line. Each subcommand lives in its own file; the work lives in
//! the library, shared with the Lambda.

mod args;
mod aws_env;
mod exit;
mod history;
mod logging;
mod output;
mod run;
mod schema;
mod test;
mod validate;
mod words;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.verbose);
    let code = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Test(args) => test::test(args),
        Command::History(args) => history::history(args),
        Command::Schema => schema::schema(),
    };
    ExitCode::from(code as u8)
}
