/// Fetches a page over the network.
#[async_to_sync]
pub async fn fetch_page(id: u64, host: &str) -> Result<String, FetchError> {
    let body = client().get(host, id).await?;
    Ok(body)
}

#[async_to_sync]
pub(crate) async fn parse_all<'a, T: FromStr, const N: usize>(
    lines: &'a [String],
    sep: impl AsRef<str>,
    (skip, _): (usize, bool),
    mut limit: usize,
) -> Vec<T>
where
    T::Err: Debug,
{
    limit = limit.min(N);
    lines.iter().skip(skip).take(limit).map(|l| l.split(sep.as_ref()).next().unwrap().parse().unwrap()).collect()
}
