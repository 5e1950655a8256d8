//! The command line: `cargo bridge scan [PATH] [OPTIONS]` (cargo runs the binary as
//! `cargo-bridge bridge scan ..`; `cargo-bridge scan ..` works too).

use std::ffi::OsString;
use std::path::PathBuf;

use crate::baseline::Baseline;
use crate::{Error, report, workspace};

/// The usage text.
pub const USAGE: &str = "\
cargo bridge scan: find blocking calls in async code and report migration progress

USAGE:
    cargo bridge scan [PATH] [OPTIONS]

PATH is a workspace or crate root (default: the workspace of the current directory).

OPTIONS:
    --format <text|json|html>   output format (default: text)
    -o, --output <FILE>         write the report to FILE instead of stdout
    --deny                      exit with status 1 if there are findings not in the baseline
    --baseline <FILE>           accepted findings (JSON), for --deny and the report
    --write-baseline            write the current findings to the baseline file
                                (--baseline FILE, default PATH/bridge-baseline.json)
    --config <FILE>             config file (default: PATH/bridge.toml if present)
    -h, --help                  print this help
    -V, --version               print the version

Exit status: 0, or 1 with --deny and new findings, or 2 on an error.
Silence one finding with `// bridge: allow(blocking) <reason>` on its line or the line above.
";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable.
    Text,
    /// One JSON object.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Parsed options of `scan`.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to scan.
    pub path: Option<PathBuf>,
    /// The format.
    pub format: Format,
    /// Where to write the report.
    pub output: Option<PathBuf>,
    /// `--deny`.
    pub deny: bool,
    /// `--baseline`.
    pub baseline: Option<PathBuf>,
    /// `--write-baseline`.
    pub write_baseline: bool,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Run a scan.
    Scan(Options),
    /// Print the usage.
    Help,
    /// Print the version.
    Version,
}

/// Parses the arguments (without the program name).
///
/// # Errors
///
/// An unknown subcommand or option, or a missing or bad value.
pub fn parse(args: Vec<OsString>) -> Result<Command, Error> {
    use lexopt::prelude::*;
    let mut args = args;
    if args.first().is_some_and(|a| a == "bridge") {
        args.remove(0);
    }
    let mut parser = lexopt::Parser::from_args(args);
    let mut options = Options {
        path: None,
        format: Format::Text,
        output: None,
        deny: false,
        baseline: None,
        write_baseline: false,
        config: None,
    };
    let mut subcommand = false;
    let err = |e: lexopt::Error| Error::new(e.to_string());
    while let Some(arg) = parser.next().map_err(err)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("format") => {
                let value = parser.value().map_err(err)?.string().map_err(err)?;
                options.format = match value.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "html" => Format::Html,
                    other => {
                        return Err(Error::new(format!(
                            "unknown format `{other}` (text, json or html)"
                        )));
                    }
                };
            }
            Short('o') | Long("output") => {
                options.output = Some(parser.value().map_err(err)?.into())
            }
            Long("deny") => options.deny = true,
            Long("baseline") => options.baseline = Some(parser.value().map_err(err)?.into()),
            Long("write-baseline") => options.write_baseline = true,
            Long("config") => options.config = Some(parser.value().map_err(err)?.into()),
            Value(value) if !subcommand => {
                if value != "scan" {
                    return Err(Error::new(format!(
                        "unknown command `{}`: the command is `cargo bridge scan`",
                        value.to_string_lossy()
                    )));
                }
                subcommand = true;
            }
            Value(value) if options.path.is_none() => options.path = Some(value.into()),
            other => return Err(err(other.unexpected())),
        }
    }
    if !subcommand {
        return Ok(Command::Help);
    }
    Ok(Command::Scan(options))
}

/// Runs the command line; returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    match parse(args).and_then(|command| match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(0)
        }
        Command::Version => {
            println!("cargo-bridge {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        Command::Scan(options) => scan(&options),
    }) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: {error}");
            2
        }
    }
}

fn scan(options: &Options) -> Result<i32, Error> {
    let root = match &options.path {
        Some(path) => path.clone(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::new(e.to_string()))?;
            workspace::find_root(&cwd).ok_or_else(|| Error::new("no Cargo.toml here or above"))?
        }
    };
    let result = crate::scan(&root, options.config.as_deref())?;
    let baseline_path = options.baseline.clone().or_else(|| {
        options
            .write_baseline
            .then(|| root.join("bridge-baseline.json"))
    });
    if options.write_baseline {
        let path = baseline_path.as_ref().expect("set above");
        Baseline::of(&result.findings).write(path)?;
        eprintln!(
            "wrote {} finding(s) to {}",
            result.findings.len(),
            path.display()
        );
    }
    let baseline = match (&options.baseline, options.write_baseline) {
        (Some(path), false) => Some(Baseline::read(path)?),
        _ => None,
    };
    let new = baseline.as_ref().map(|b| b.new_findings(&result.findings));
    let new_slice = new.as_deref();
    let rendered = match options.format {
        Format::Text => report::text::render(&result, new_slice),
        Format::Json => report::json::render(&result, new_slice),
        Format::Html => report::html::render(&result, new_slice),
    };
    match &options.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Error::new(format!("{}: {e}", path.display())))?,
        None => print!("{rendered}"),
    }
    let failing = match &new {
        Some(new) => new.len(),
        None if options.write_baseline => 0,
        None => result.findings.len(),
    };
    if options.deny && failing > 0 {
        eprintln!("error: {failing} finding(s) not in the baseline (--deny)");
        return Ok(1);
    }
    Ok(0)
}
