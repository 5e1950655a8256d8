#[sync_to_async]
pub(crate) fn parse_all<T: FromStr, const N: usize>(lines: &[String], sep: impl AsRef<str>) -> Vec<T>
where
    T::Err: Debug,
{
    lines.iter().take(N).map(|l| l.split(sep.as_ref()).next().unwrap().parse().unwrap()).collect()
}
