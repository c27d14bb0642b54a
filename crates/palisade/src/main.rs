//! The palisade command line: parses flags, calls the crates, picks a renderer and sets the
//! exit code. No analysis happens here.

mod audit;
mod catalogue;
mod cli;
mod node;
mod output;
mod scan;
mod serve;

use std::process::ExitCode;

use clap::Parser;

// A scan allocates millions of small nodes on every core; glibc's allocator spends much of
// that time contending for its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match cli.command {
        cli::Command::Scan(arguments) => scan::run(&arguments),
        cli::Command::Rules(arguments) => output::rules(&arguments),
        cli::Command::Explain(arguments) => output::explain(&arguments),
        cli::Command::Node(arguments) => node::run(&arguments),
        cli::Command::Generate(cli::GenerateCommand::Kubeadm(arguments)) => {
            node::generate_kubeadm(&arguments)
        }
        cli::Command::Audit(arguments) => audit::run(&arguments),
        cli::Command::Serve(arguments) => serve::run(&arguments),
    };
    ExitCode::from(code)
}
