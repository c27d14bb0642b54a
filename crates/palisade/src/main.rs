//! The palisade command line: parses flags, calls the crates, picks a renderer and sets the
//! exit code. No analysis happens here.

mod audit;
mod catalogue;
mod cli;
mod cluster;
mod netpol;
mod node;
mod output;
mod rbac;
mod scan;
mod serve;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

// A scan allocates millions of small nodes on every core; glibc's allocator spends much of
// that time contending for its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Installed as `kubectl-palisade`, usage and errors name the command as it was typed.
    let name = cli::program_name();
    let matches = cli::Cli::command()
        .bin_name(name)
        .display_name(name)
        .get_matches();
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let code = match cli.command {
        cli::Command::Scan(arguments) => scan::run(&arguments),
        cli::Command::Rules(arguments) => output::rules(&arguments),
        cli::Command::Explain(arguments) => output::explain(&arguments),
        cli::Command::Node(arguments) => node::run(&arguments),
        cli::Command::Generate(cli::GenerateCommand::Kubeadm(arguments)) => {
            node::generate_kubeadm(&arguments)
        }
        cli::Command::Audit(arguments) => audit::run(&arguments),
        cli::Command::Netpol(cli::NetpolCommand::Check(arguments)) => netpol::check(&arguments),
        cli::Command::Netpol(cli::NetpolCommand::Matrix(arguments)) => netpol::matrix(&arguments),
        cli::Command::WhoCan(arguments) => rbac::who_can(&arguments),
        cli::Command::Access(arguments) => rbac::access(&arguments),
        cli::Command::Serve(arguments) => serve::run(&arguments),
    };
    ExitCode::from(code)
}
