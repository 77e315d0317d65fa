//! The `prowcov` binary: parse the command line, set up logging, run, and map the outcome to an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use prowcov::cli::Cli;
use prowcov::error::exit;

/// glibc's allocator spends more time than the parsers on the millions of small map nodes a large report builds
/// (arena growth through `mprotect`, page faults); mimalloc more than halves that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    // The one read of the environment: every layer below looks variables up in this snapshot.
    let env = prowcov::env::Env::capture();
    init_logging(cli.verbose, &env);
    match prowcov::commands::run(cli, &env) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", e.for_terminal());
            ExitCode::from(e.exit_code())
        }
    }
}

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); the sys crate names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to hand freed memory back to the OS. prowcov is a short-lived process: returning memory only
/// to fault it back in (zeroed) moments later cost a third of the CPU time of reading a 200 MB tracefile.
fn keep_freed_memory() {
    // SAFETY: sets one integer option of the allocator; mimalloc allows it at any time, from any thread.
    #[expect(unsafe_code, reason = "the one FFI call that configures the allocator")]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

fn init_logging(verbose: u8, env: &prowcov::env::Env) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = env
        .get("PROWCOV_LOG")
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .init();
}
