//! The built-in list of blocking APIs, and what the non-blocking calls that lead to them
//! return (so `File::open(p)?.read_to_string(..)` and `Command::new(..).arg(..).output()`
//! resolve).
//!
//! Every key is a path: a free fn (`std::fs::read`), an associated fn or a method
//! (`std::fs::File::open`, `std::fs::File::read_to_string`: a method call on a value of type
//! `std::fs::File` resolves to the same key). `prefix::*` matches one more segment,
//! `prefix::**` any number.

use std::collections::HashMap;

/// What is known about one API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// Whether calling it blocks the thread.
    pub blocking: bool,
    /// The type of its result (through `Result`/`Option`), when that matters for later calls.
    pub returns: Option<String>,
    /// How to fix a call in async context; `{name}` is the API's last segment.
    pub fix: String,
}

/// The blocking list: built-in entries plus those of the config file.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    exact: HashMap<String, Rule>,
    wildcards: Vec<(String, bool, Rule)>,
}

const FS: &str = "use `tokio::fs::{name}(..).await`, or run it with `bridge_runtime::to_thread(move || ..).await`";
const FS_OTHER: &str = "run it on a blocking thread: `bridge_runtime::to_thread(move || ..).await`";
const FILE: &str = "use `tokio::fs::File` (with `tokio::io::AsyncReadExt`/`AsyncWriteExt`) and `.{name}(..).await`, or read it with `tokio::fs::read`";
const SLEEP: &str = "use `tokio::time::sleep(..).await`";
const JOIN: &str =
    "run the work with `tokio::task::spawn_blocking` and `.await` its `JoinHandle` instead";
const NET: &str = "use `tokio::net` (`tokio::net::TcpStream::connect(..).await`, `.{name}(..).await` with `AsyncReadExt`/`AsyncWriteExt`)";
const PROCESS: &str = "use `tokio::process::Command` and `.{name}().await`";
const STDIN: &str =
    "use `tokio::io::stdin()` with `tokio::io::AsyncBufReadExt` and `.{name}(..).await`";
const PATH: &str = "use `tokio::fs::metadata(path).await` (or `tokio::fs::try_exists`)";
const BLOCK_ON: &str = "`.await` the future instead of blocking on it";
const HTTP: &str = "use an async HTTP client (`reqwest::Client`, `.send().await`), or run the call with `bridge_runtime::to_thread(move || ..).await`";
const DB: &str = "run the database work on a blocking thread (`bridge_runtime::to_thread(move || ..).await`), or put it in a `#[sync_to_async]` fn and await its twin";
const SYNC: &str = "use the `tokio::sync` equivalent and `.await` it";
const WORKSPACE: &str = "run it with `bridge_runtime::to_thread(move || ..).await`, or make it `#[sync_to_async]` and await its twin";

/// `(path, blocking, returns, fix)`; methods listed once per receiver type.
fn builtin() -> Vec<(String, bool, Option<&'static str>, &'static str)> {
    let mut rules: Vec<(String, bool, Option<&'static str>, &'static str)> = Vec::new();
    let mut add = |path: &str, blocking: bool, returns: Option<&'static str>, fix: &'static str| {
        rules.push((path.to_owned(), blocking, returns, fix));
    };
    // std::fs
    for name in [
        "read",
        "read_to_string",
        "write",
        "create_dir",
        "create_dir_all",
        "remove_file",
        "remove_dir",
        "remove_dir_all",
        "rename",
        "copy",
        "metadata",
        "read_dir",
        "canonicalize",
        "hard_link",
        "read_link",
        "set_permissions",
        "symlink_metadata",
        "try_exists",
    ] {
        add(&format!("std::fs::{name}"), true, None, FS);
    }
    add("std::fs::*", true, None, FS_OTHER);
    for ctor in ["open", "create", "create_new", "options"] {
        let blocking = ctor != "options";
        let returns = if blocking {
            "std::fs::File"
        } else {
            "std::fs::OpenOptions"
        };
        add(
            &format!("std::fs::File::{ctor}"),
            blocking,
            Some(returns),
            FILE,
        );
    }
    add(
        "std::fs::OpenOptions::new",
        false,
        Some("std::fs::OpenOptions"),
        FILE,
    );
    for builder in [
        "read",
        "write",
        "append",
        "truncate",
        "create",
        "create_new",
        "mode",
    ] {
        add(
            &format!("std::fs::OpenOptions::{builder}"),
            false,
            Some("std::fs::OpenOptions"),
            FILE,
        );
    }
    add(
        "std::fs::OpenOptions::open",
        true,
        Some("std::fs::File"),
        FILE,
    );
    for method in [
        "read",
        "read_exact",
        "read_to_end",
        "read_to_string",
        "write",
        "write_all",
        "flush",
        "sync_all",
        "sync_data",
        "set_len",
        "metadata",
        "set_permissions",
        "lock",
        "lock_shared",
        "read_at",
        "write_at",
        "seek",
    ] {
        add(&format!("std::fs::File::{method}"), true, None, FILE);
    }
    // std::thread, std::sync
    for name in ["sleep", "sleep_ms", "park", "park_timeout", "scope"] {
        add(
            &format!("std::thread::{name}"),
            true,
            None,
            if name.starts_with("sleep") {
                SLEEP
            } else {
                JOIN
            },
        );
    }
    add(
        "std::thread::spawn",
        false,
        Some("std::thread::JoinHandle"),
        JOIN,
    );
    add(
        "std::thread::Builder::spawn",
        false,
        Some("std::thread::JoinHandle"),
        JOIN,
    );
    add("std::thread::JoinHandle::join", true, None, JOIN);
    add("std::thread::ScopedJoinHandle::join", true, None, JOIN);
    for method in ["recv", "recv_timeout", "iter"] {
        add(
            &format!("std::sync::mpsc::Receiver::{method}"),
            true,
            None,
            SYNC,
        );
    }
    add("std::sync::Barrier::wait", true, None, SYNC);
    for method in ["wait", "wait_while", "wait_timeout", "wait_timeout_while"] {
        add(&format!("std::sync::Condvar::{method}"), true, None, SYNC);
    }
    // std::net
    for ty in ["TcpStream", "UdpSocket", "TcpListener"] {
        let path = format!("std::net::{ty}");
        let returns: &'static str = match ty {
            "TcpStream" => "std::net::TcpStream",
            "UdpSocket" => "std::net::UdpSocket",
            _ => "std::net::TcpListener",
        };
        add(&format!("{path}::try_clone"), false, Some(returns), NET);
        if ty == "TcpStream" {
            add(&format!("{path}::connect"), true, Some(returns), NET);
            add(
                &format!("{path}::connect_timeout"),
                true,
                Some(returns),
                NET,
            );
            for method in [
                "read",
                "read_exact",
                "read_to_end",
                "read_to_string",
                "write",
                "write_all",
                "flush",
                "peek",
            ] {
                add(&format!("{path}::{method}"), true, None, NET);
            }
        } else if ty == "UdpSocket" {
            add(&format!("{path}::bind"), false, Some(returns), NET);
            for method in [
                "recv",
                "recv_from",
                "send",
                "send_to",
                "peek",
                "peek_from",
                "connect",
            ] {
                add(&format!("{path}::{method}"), true, None, NET);
            }
        } else {
            add(&format!("{path}::bind"), false, Some(returns), NET);
            add(&format!("{path}::accept"), true, None, NET);
            add(&format!("{path}::incoming"), true, None, NET);
        }
    }
    // std::process
    add(
        "std::process::Command::new",
        false,
        Some("std::process::Command"),
        PROCESS,
    );
    for builder in [
        "arg",
        "args",
        "env",
        "envs",
        "env_remove",
        "env_clear",
        "current_dir",
        "stdin",
        "stdout",
        "stderr",
    ] {
        add(
            &format!("std::process::Command::{builder}"),
            false,
            Some("std::process::Command"),
            PROCESS,
        );
    }
    add(
        "std::process::Command::spawn",
        false,
        Some("std::process::Child"),
        PROCESS,
    );
    add("std::process::Command::output", true, None, PROCESS);
    add("std::process::Command::status", true, None, PROCESS);
    add("std::process::Child::wait", true, None, PROCESS);
    add("std::process::Child::wait_with_output", true, None, PROCESS);
    // std::io
    add("std::io::stdin", false, Some("std::io::Stdin"), STDIN);
    add(
        "std::io::Stdin::lock",
        false,
        Some("std::io::StdinLock"),
        STDIN,
    );
    for ty in ["Stdin", "StdinLock", "BufReader"] {
        for method in [
            "read",
            "read_line",
            "read_to_string",
            "read_to_end",
            "read_exact",
            "read_until",
            "lines",
            "fill_buf",
        ] {
            add(&format!("std::io::{ty}::{method}"), true, None, STDIN);
        }
    }
    for method in ["write", "write_all", "flush"] {
        add(&format!("std::io::BufWriter::{method}"), true, None, FILE);
    }
    // std::path
    for ty in ["Path", "PathBuf"] {
        for method in [
            "exists",
            "try_exists",
            "metadata",
            "symlink_metadata",
            "is_file",
            "is_dir",
            "is_symlink",
            "read_dir",
            "canonicalize",
            "read_link",
        ] {
            add(&format!("std::path::{ty}::{method}"), true, None, PATH);
        }
        for method in [
            "join",
            "to_path_buf",
            "with_extension",
            "with_file_name",
            "to_owned",
        ] {
            add(
                &format!("std::path::{ty}::{method}"),
                false,
                Some("std::path::PathBuf"),
                PATH,
            );
        }
    }
    add("std::path::Path::new", false, Some("std::path::Path"), PATH);
    add(
        "std::path::PathBuf::new",
        false,
        Some("std::path::PathBuf"),
        PATH,
    );
    add(
        "std::path::PathBuf::from",
        false,
        Some("std::path::PathBuf"),
        PATH,
    );
    add(
        "std::path::PathBuf::as_path",
        false,
        Some("std::path::Path"),
        PATH,
    );
    // block_on
    for ty in ["tokio::runtime::Handle", "tokio::runtime::Runtime"] {
        add(&format!("{ty}::block_on"), true, None, BLOCK_ON);
    }
    add(
        "tokio::runtime::Handle::current",
        false,
        Some("tokio::runtime::Handle"),
        BLOCK_ON,
    );
    add(
        "tokio::runtime::Handle::try_current",
        false,
        Some("tokio::runtime::Handle"),
        BLOCK_ON,
    );
    add(
        "tokio::runtime::Runtime::new",
        false,
        Some("tokio::runtime::Runtime"),
        BLOCK_ON,
    );
    add(
        "tokio::runtime::Runtime::handle",
        false,
        Some("tokio::runtime::Handle"),
        BLOCK_ON,
    );
    add(
        "tokio::runtime::Builder::build",
        false,
        Some("tokio::runtime::Runtime"),
        BLOCK_ON,
    );
    for path in [
        "futures::executor::block_on",
        "futures_executor::block_on",
        "futures_lite::future::block_on",
        "pollster::block_on",
        "async_std::task::block_on",
        "bridge_runtime::block_on",
    ] {
        add(path, true, None, BLOCK_ON);
    }
    // HTTP: ureq (2 and 3), reqwest::blocking
    for verb in ["get", "post", "put", "delete", "head", "patch", "request"] {
        add(
            &format!("ureq::{verb}"),
            false,
            Some("ureq::RequestBuilder"),
            HTTP,
        );
        add(
            &format!("ureq::Agent::{verb}"),
            false,
            Some("ureq::RequestBuilder"),
            HTTP,
        );
        add(
            &format!("reqwest::blocking::Client::{verb}"),
            false,
            Some("reqwest::blocking::RequestBuilder"),
            HTTP,
        );
    }
    add("ureq::agent", false, Some("ureq::Agent"), HTTP);
    add("ureq::Agent::new", false, Some("ureq::Agent"), HTTP);
    add(
        "ureq::Agent::new_with_defaults",
        false,
        Some("ureq::Agent"),
        HTTP,
    );
    add("ureq::Agent::run", true, None, HTTP);
    add("ureq::run", true, None, HTTP);
    for builder in ["header", "query", "set", "timeout", "config"] {
        add(
            &format!("ureq::RequestBuilder::{builder}"),
            false,
            Some("ureq::RequestBuilder"),
            HTTP,
        );
    }
    for send in [
        "call",
        "send",
        "send_json",
        "send_string",
        "send_form",
        "send_empty",
        "send_bytes",
    ] {
        add(&format!("ureq::RequestBuilder::{send}"), true, None, HTTP);
    }
    add(
        "reqwest::blocking::get",
        true,
        Some("reqwest::blocking::Response"),
        HTTP,
    );
    add(
        "reqwest::blocking::Client::new",
        false,
        Some("reqwest::blocking::Client"),
        HTTP,
    );
    add(
        "reqwest::blocking::Client::execute",
        true,
        Some("reqwest::blocking::Response"),
        HTTP,
    );
    for builder in [
        "header",
        "headers",
        "json",
        "body",
        "query",
        "form",
        "bearer_auth",
        "basic_auth",
        "timeout",
    ] {
        add(
            &format!("reqwest::blocking::RequestBuilder::{builder}"),
            false,
            Some("reqwest::blocking::RequestBuilder"),
            HTTP,
        );
    }
    add(
        "reqwest::blocking::RequestBuilder::send",
        true,
        Some("reqwest::blocking::Response"),
        HTTP,
    );
    for body in ["text", "json", "bytes", "copy_to"] {
        add(
            &format!("reqwest::blocking::Response::{body}"),
            true,
            None,
            HTTP,
        );
    }
    // databases: rusqlite, postgres, diesel
    add(
        "rusqlite::Connection::open",
        true,
        Some("rusqlite::Connection"),
        DB,
    );
    add(
        "rusqlite::Connection::open_with_flags",
        true,
        Some("rusqlite::Connection"),
        DB,
    );
    add(
        "rusqlite::Connection::open_in_memory",
        false,
        Some("rusqlite::Connection"),
        DB,
    );
    for ty in ["Connection", "Transaction"] {
        for method in [
            "execute",
            "execute_batch",
            "query_row",
            "prepare",
            "prepare_cached",
            "transaction",
            "query_one",
            "backup",
            "commit",
            "rollback",
        ] {
            let returns = match method {
                "prepare" | "prepare_cached" => Some("rusqlite::Statement"),
                "transaction" => Some("rusqlite::Transaction"),
                _ => None,
            };
            add(&format!("rusqlite::{ty}::{method}"), true, returns, DB);
        }
    }
    for method in [
        "query",
        "query_map",
        "query_row",
        "query_and_then",
        "execute",
        "exists",
        "insert",
    ] {
        add(&format!("rusqlite::Statement::{method}"), true, None, DB);
    }
    add(
        "postgres::Client::connect",
        true,
        Some("postgres::Client"),
        DB,
    );
    add(
        "postgres::Config::connect",
        true,
        Some("postgres::Client"),
        DB,
    );
    for ty in ["Client", "Transaction"] {
        for method in [
            "query",
            "query_one",
            "query_opt",
            "execute",
            "batch_execute",
            "prepare",
            "transaction",
            "copy_in",
            "copy_out",
            "simple_query",
            "commit",
            "rollback",
        ] {
            let returns = (method == "transaction").then_some("postgres::Transaction");
            add(&format!("postgres::{ty}::{method}"), true, returns, DB);
        }
    }
    for ty in DIESEL_CONNECTIONS {
        add(&format!("{ty}::establish"), true, Some(ty), DB);
        add(&format!("{ty}::transaction"), true, None, DB);
        add(&format!("{ty}::batch_execute"), true, None, DB);
    }
    for method in DIESEL_QUERIES {
        add(&format!("diesel::RunQueryDsl::{method}"), true, None, DB);
    }
    rules
}

/// The diesel connection types: a query method called with one of them as argument blocks.
pub const DIESEL_CONNECTIONS: [&str; 6] = [
    "diesel::PgConnection",
    "diesel::pg::PgConnection",
    "diesel::SqliteConnection",
    "diesel::sqlite::SqliteConnection",
    "diesel::MysqlConnection",
    "diesel::mysql::MysqlConnection",
];

/// diesel's `RunQueryDsl` methods, which run a query on the connection they are given.
pub const DIESEL_QUERIES: [&str; 6] = [
    "load",
    "get_result",
    "get_results",
    "first",
    "execute",
    "load_iter",
];

/// The fix suggested for a call of a workspace fn that blocks.
pub const WORKSPACE_FIX: &str = WORKSPACE;

impl Rules {
    /// The built-in list.
    pub fn builtin() -> Self {
        let mut rules = Rules::default();
        for (path, blocking, returns, fix) in builtin() {
            rules.insert(
                &path,
                Rule {
                    blocking,
                    returns: returns.map(str::to_owned),
                    fix: fix.to_owned(),
                },
            );
        }
        rules
    }

    /// Adds (or replaces) the rule for `path`, which may end in `::*` or `::**`.
    pub fn insert(&mut self, path: &str, rule: Rule) {
        if let Some(prefix) = path.strip_suffix("::**") {
            self.wildcards.push((format!("{prefix}::"), true, rule));
        } else if let Some(prefix) = path.strip_suffix("::*") {
            self.wildcards.push((format!("{prefix}::"), false, rule));
        } else {
            self.exact.insert(path.to_owned(), rule);
        }
    }

    /// The rule for `path`, exact entries first.
    pub fn get(&self, path: &str) -> Option<&Rule> {
        if let Some(rule) = self.exact.get(path) {
            return Some(rule);
        }
        self.wildcards.iter().find_map(|(prefix, deep, rule)| {
            let rest = path.strip_prefix(prefix.as_str())?;
            let one = !rest.is_empty() && !rest.contains("::");
            let lower = rest
                .chars()
                .next()
                .is_some_and(|c| c.is_lowercase() || c == '_');
            ((*deep && !rest.is_empty()) || (one && lower)).then_some(rule)
        })
    }

    /// Whether some rule's path is exactly `path` or starts with `path::` (for glob imports).
    pub fn knows(&self, path: &str) -> bool {
        self.get(path).is_some()
            || self.exact.keys().any(|k| {
                k.strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with("::"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{Rule, Rules};

    #[test]
    fn wildcards_match_one_or_any_segments() {
        let mut rules = Rules::builtin();
        assert!(rules.get("std::fs::read").is_some_and(|r| r.blocking));
        assert!(
            rules.get("std::fs::set_times").is_some_and(|r| r.blocking),
            "std::fs::* covers fns"
        );
        assert!(
            rules
                .get("std::fs::OpenOptions::write")
                .is_some_and(|r| !r.blocking),
            "a builder, not a write"
        );
        assert!(
            rules.get("std::fs::Permissions").is_none(),
            "types are not calls"
        );
        rules.insert(
            "soap::**",
            Rule {
                blocking: true,
                ..Rule::default()
            },
        );
        assert!(rules.get("soap::v2::Client::call").is_some());
        assert!(rules.get("soapy::call").is_none());
        assert!(rules.knows("std::thread"));
    }
}
