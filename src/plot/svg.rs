//! SVG output for the CLI (native only): the figures as SVG text or files.

use super::{
    activation, grid, loss_curve, scatter_fit, Bounds, LossHistory, Panel, ScatterData, Theme, View,
};
use crate::activation::Activation;
use crate::error::{Error, Result};
use plotters::prelude::SVGBackend;

/// Size of [`grid_svg`]'s figure in pixels: 500 × 300 per panel.
pub const GRID_SVG_SIZE: (u32, u32) = (1000, 1500);

/// `theme` for SVG, whose backend writes font sizes divided by 1.24.
fn svg_theme(theme: &Theme) -> Theme {
    Theme {
        text_scale: 1.24,
        ..theme.clone()
    }
}

/// Runs `draw` on an SVG backend of `size` pixels; returns the SVG text and what `draw` gave.
fn render<T>(
    size: (u32, u32),
    draw: impl FnOnce(SVGBackend<'_>) -> Result<T>,
) -> Result<(String, T)> {
    let mut s = String::new();
    let out = draw(SVGBackend::with_string(
        &mut s,
        (size.0.max(1), size.1.max(1)),
    ))?;
    Ok((s, out))
}

fn write(path: &str, svg: &str) -> Result<()> {
    std::fs::write(path, svg).map_err(|e| Error::Io(format!("plot: writing {path}: {e}")))
}

/// [`scatter_fit`] as SVG text of `size` pixels, with its view.
///
/// # Errors
/// [`Error::Io`] when drawing fails.
pub fn scatter_fit_svg_string(
    theme: &Theme,
    size: (u32, u32),
    data: &ScatterData,
    bounds: Option<Bounds>,
) -> Result<(String, View)> {
    let t = svg_theme(theme);
    render(size, |b| scatter_fit(b, &t, data, bounds))
}

/// [`scatter_fit`] written to the SVG file `path`.
///
/// # Errors
/// [`Error::Io`] when drawing or writing fails.
pub fn scatter_fit_svg(
    path: &str,
    theme: &Theme,
    size: (u32, u32),
    data: &ScatterData,
    bounds: Option<Bounds>,
) -> Result<View> {
    let (svg, v) = scatter_fit_svg_string(theme, size, data, bounds)?;
    write(path, &svg)?;
    Ok(v)
}

/// [`loss_curve`] as SVG text of `size` pixels, with its view.
///
/// # Errors
/// [`Error::Io`] when drawing fails.
pub fn loss_svg_string(
    theme: &Theme,
    size: (u32, u32),
    history: &LossHistory,
    log_scale: bool,
    test_points: &[(usize, f32)],
) -> Result<(String, View)> {
    let t = svg_theme(theme);
    render(size, |b| loss_curve(b, &t, history, log_scale, test_points))
}

/// [`loss_curve`] written to the SVG file `path`.
///
/// # Errors
/// [`Error::Io`] when drawing or writing fails.
pub fn loss_svg(
    path: &str,
    theme: &Theme,
    size: (u32, u32),
    history: &LossHistory,
    log_scale: bool,
    test_points: &[(usize, f32)],
) -> Result<View> {
    let (svg, v) = loss_svg_string(theme, size, history, log_scale, test_points)?;
    write(path, &svg)?;
    Ok(v)
}

/// [`grid`] as SVG text of `size` pixels.
///
/// # Errors
/// [`Error::Io`] when drawing fails.
pub fn grid_svg_string(
    theme: &Theme,
    size: (u32, u32),
    points: &[(f32, f32)],
    panels: &[Panel],
) -> Result<String> {
    let t = svg_theme(theme);
    Ok(render(size, |b| grid(b, &t, points, panels))?.0)
}

/// The tutorial's 5 × 2 grid written to the SVG file `path`: [`GRID_SVG_SIZE`] pixels, the
/// light theme at 1.25 × size (print-friendly). A drop-in for the CLI's former
/// `plot::grid(path, points, panels)`.
///
/// # Errors
/// [`Error::Io`] when drawing or writing fails.
pub fn grid_svg(path: &str, points: &[(f32, f32)], panels: &[Panel]) -> Result<()> {
    let theme = Theme::light().with_pixel_ratio(1.25);
    write(
        path,
        &grid_svg_string(&theme, GRID_SVG_SIZE, points, panels)?,
    )
}

/// [`activation`] as SVG text of `size` pixels, with its view.
///
/// # Errors
/// [`Error::Io`] when drawing fails.
pub fn activation_svg_string(
    theme: &Theme,
    size: (u32, u32),
    act: Activation,
    x_range: (f32, f32),
) -> Result<(String, View)> {
    let t = svg_theme(theme);
    render(size, |b| activation(b, &t, act, x_range))
}
