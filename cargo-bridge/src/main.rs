//! `cargo-bridge`: the binary behind `cargo bridge scan`.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(cargo_bridge::cli::run(args));
}
