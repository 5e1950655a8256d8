/// Renders a report.
///
/// # Safety
///
/// `template` must be valid for the report's lifetime.
#[async_to_sync(name = render_now, crate = "crate::deps::bridge")]
#[cfg(feature = "reports")]
#[allow(clippy::too_many_arguments)]
#[deprecated(note = "use `render_v2`")]
#[inline]
pub async unsafe fn render(template: *const u8, year: u16) -> Report {
    Report::render(template, year).await
}
