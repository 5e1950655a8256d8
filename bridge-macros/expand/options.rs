static DB: LazyLock<Pool> = LazyLock::new(|| Pool::new("db", 4));

#[sync_to_async(name = load_report, limit = 8, executor = DB, crate = "crate::deps::bridge")]
#[cfg(feature = "reports")]
fn build_report((year, month): (u16, u8), _: Verbose) -> Report {
    Report::build(year, month)
}
