//! What the bench binaries share: their settings, the statistics over rounds, and the machine
//! facts they print beside their figures.

/// How many rounds to run, and how many calls per batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Config {
    pub(crate) rounds: usize,
    pub(crate) calls: usize,
}

impl Config {
    /// The defaults, then `BRIDGE_BENCH_ROUNDS` / `BRIDGE_BENCH_CALLS`, then `--rounds N` /
    /// `--calls K` (or `--rounds=N`). Other arguments, such as the `--bench` that `cargo bench`
    /// passes, are ignored.
    pub(crate) fn from_env(rounds: usize, calls: usize) -> Result<Self, String> {
        let mut config = Config { rounds, calls };
        for (var, slot) in [
            ("BRIDGE_BENCH_ROUNDS", &mut config.rounds),
            ("BRIDGE_BENCH_CALLS", &mut config.calls),
        ] {
            if let Ok(value) = std::env::var(var) {
                *slot = parse_count(var, &value)?;
            }
        }
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let slot = match flag.as_str() {
                "--rounds" => &mut config.rounds,
                "--calls" => &mut config.calls,
                _ => continue,
            };
            let value = inline
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))?;
            *slot = parse_count(&flag, &value)?;
        }
        Ok(config)
    }
}

fn parse_count(name: &str, value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{name}: expected a positive integer, got `{value}`"
        )),
    }
}

/// The median of `values`.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The smallest and largest of `values`.
pub(crate) fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Three decimals, or enough significant digits for a tiny ratio (a direct call's).
pub(crate) fn fmt_ratio(ratio: f64) -> String {
    if ratio != 0.0 && ratio.abs() < 0.01 {
        format!("{ratio:.1e}")
    } else {
        format!("{ratio:.3}")
    }
}

/// A `/proc` field, or `?` where there is none (not Linux). Without a key, the 1, 5 and 15
/// minute averages of `/proc/loadavg`.
pub(crate) fn proc_field(path: &str, key: Option<&str>) -> String {
    let Ok(text) = std::fs::read_to_string(path) else {
        return "?".to_owned();
    };
    match key {
        None => text
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        Some(key) => text
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .map_or("?", |rest| rest.trim_start_matches(':').trim())
            .to_owned(),
    }
}

/// The process's thread count, or `?` where the OS does not say.
pub(crate) fn process_threads() -> String {
    std::fs::read_dir("/proc/self/task").map_or("?".to_owned(), |dir| dir.count().to_string())
}
