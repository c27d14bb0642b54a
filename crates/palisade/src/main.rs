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
    if matches!(cli.command, cli::Command::Audit(_) | cli::Command::Serve(_)) {
        // Where the system does not allow it (an old kernel, a strict seccomp profile), the
        // command runs as it is.
        let _ = small_pages_only();
    }
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

/// Turns transparent huge pages off for this process. The allocator asks for them, and the
/// commands that end soon gain by it (a 5,000-file scan touched 19,000 fresh 4 kB pages, a fifth
/// of its CPU, and 400 huge ones); a command that streams for long frees memory and takes it back
/// all the time, and every huge page taken back is zeroed again, 2 MB at a time (`palisade audit`
/// of 400,000 events took 1.1x the time with them).
fn small_pages_only() -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    rustix::thread::disable_transparent_huge_pages(true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The kernel says so in the process's status (Linux 5.0 and later).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn small_pages_only_turns_huge_pages_off_for_the_process() {
        let thp_enabled = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()?
                .lines()
                .find_map(|line| line.strip_prefix("THP_enabled:"))
                .map(|value| value.trim().to_string())
        };
        if thp_enabled().is_none() {
            eprintln!("SKIPPED: this kernel does not report THP_enabled");
            return;
        }
        if let Err(error) = super::small_pages_only() {
            eprintln!("SKIPPED: this system does not let a process turn huge pages off ({error})");
            return;
        }
        assert_eq!(thp_enabled().as_deref(), Some("0"));
    }
}
