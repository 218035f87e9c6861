//! The figures, each generic over the drawing backend.

use super::draw::{self, Area, AxisSpec, Mark};
use super::{err, Bounds, LossHistory, Panel, ScatterData, Theme, View};
use crate::activation::Activation;
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Rows and columns of [`grid`].
pub const GRID_SHAPE: (usize, usize) = (5, 2);

/// The page's and the element's grid: a panel after every this many steps (0, 100, …, 900),
/// as the tutorial plots its line every 100 steps.
pub const GRID_EVERY: usize = 100;

/// The steps after which a grid of a run of `steps` steps keeps a panel: every multiple of
/// [`GRID_EVERY`] below `steps` (the CLI says which ones past the grid's room it left out;
/// the page and the element show the first ones).
pub fn grid_steps(steps: usize) -> impl Iterator<Item = usize> {
    (0..steps).step_by(GRID_EVERY)
}

/// How many x values the page and the element draw the fitted curve through.
pub const FIT_POINTS: usize = 121;

/// The x values a fitted curve is drawn through: [`FIT_POINTS`] evenly spaced from `lo` to
/// `hi`, computed in `f64` (as JavaScript would) and stored as `f32`.
pub fn fit_xs(lo: f64, hi: f64) -> Vec<f32> {
    let last = (FIT_POINTS - 1) as f64;
    (0..FIT_POINTS)
        .map(|i| (lo + (hi - lo) * i as f64 / last) as f32)
        .collect()
}

const LINEAR: AxisSpec = AxisSpec {
    x_fmt: draw::fmt_tick,
    y_fmt: draw::fmt_tick,
    log_y: false,
};

fn pairs(pts: &[(f32, f32)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    pts.iter().map(|&(x, y)| (f64::from(x), f64::from(y)))
}

/// The curve in x order (predictions at unsorted test inputs come in any order).
fn sorted(curve: &[(f32, f32)]) -> std::borrow::Cow<'_, [(f32, f32)]> {
    if curve.is_sorted_by(|a, b| a.0 <= b.0) {
        curve.into()
    } else {
        let mut c = curve.to_vec();
        c.sort_by(|a, b| a.0.total_cmp(&b.0));
        c.into()
    }
}

/// Draws the training points (circles), the test points (triangles), the fitted curve and
/// the hover marker, with axes and a legend ([`Theme::labels`]). `bounds` fixes the data
/// ranges (the page keeps them while the curve moves); `None` fits them to the points.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn scatter_fit<DB: DrawingBackend>(
    backend: DB,
    theme: &Theme,
    data: &ScatterData,
    bounds: Option<Bounds>,
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let b = bounds
        .unwrap_or_else(|| Bounds::of(&[data.train, data.test]))
        .sane();
    let (v, xt, yt) = draw::layout_axes(&root, theme, b, &LINEAR, 0.0);
    draw::axes(&root, theme, &v, &xt, &yt, &LINEAR)?;
    points_and_curve(&root, theme, &v, data, false)?;
    if let Some((hx, hy)) = data.hover {
        let (hx, hy) = (f64::from(hx), f64::from(hy));
        let vertical = [(hx, v.y.0), (hx, v.y.1)];
        draw::polyline(&root, theme, &v, vertical, 1.0, theme.muted, Some(4.0))?;
        draw::circles(&root, theme, &v, [(hx, hy)], 5.0, theme.curve.to_rgba())?;
    }
    let l = &theme.labels;
    draw::legend(
        &root,
        theme,
        &v,
        &[
            (Mark::Dot(theme.train), &l.train),
            (Mark::Triangle(theme.test), &l.test),
            (Mark::Line(theme.curve), &l.fit),
        ],
    )?;
    root.present().map_err(err)?;
    Ok(v)
}

/// Points and curve, full size or (`small`) as in the page's grid panels.
fn points_and_curve<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    data: &ScatterData,
    small: bool,
) -> Result<()> {
    let (r_train, r_test, w) = if small {
        (1.8, 2.6, 2.0)
    } else {
        (3.0, 4.0, 2.5)
    };
    // Small panels fade the training points so the test points and the line stand out.
    let train = t.train.mix(if small { 0.55 } else { 1.0 });
    draw::circles(area, t, v, pairs(data.train), r_train, train)?;
    draw::triangles(area, t, v, pairs(data.test), r_test, t.test.to_rgba())?;
    let curve = sorted(data.curve);
    draw::polyline(area, t, v, pairs(&curve), w, t.curve, None)
}

/// Draws the training loss (a line through [`LossHistory::points`]) and the test cost at
/// `test_points` (`(step, cost)`, triangles), on a log-10 y axis if `log_scale`. Non-finite
/// values, and values ≤ 0 on a log axis, are left out.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn loss_curve<DB: DrawingBackend>(
    backend: DB,
    theme: &Theme,
    history: &LossHistory,
    log_scale: bool,
    test_points: &[(usize, f32)],
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let train: Vec<(f64, f64)> = history
        .points()
        .into_iter()
        .map(|(s, l)| (s as f64, f64::from(l)))
        .collect();
    let test: Vec<(f64, f64)> = test_points
        .iter()
        .map(|&(s, c)| (s as f64, f64::from(c)))
        .collect();
    let shown = |y: f64| y.is_finite() && (!log_scale || y > 0.0);
    let ys = train.iter().chain(&test).map(|p| p.1).filter(|y| shown(*y));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let last_step = test
        .iter()
        .map(|p| p.0)
        .fold(history.len() as f64, f64::max);
    let x = (0.0, last_step.max(10.0));
    let y = if log_scale {
        let (lo, hi) = if lo > hi {
            (-3.0, 1.0)
        } else {
            (lo.log10(), hi.log10())
        };
        let (lo, hi) = if hi - lo < 1e-9 {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi + (hi - lo) * 0.05)
        };
        (10f64.powf(lo), 10f64.powf(hi))
    } else {
        let (lo, hi) = if lo > hi {
            (0.0, 1.0)
        } else {
            (lo.min(0.0), hi)
        };
        let (lo, hi) = if hi - lo < 1e-9 * hi.abs().max(1.0) {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        };
        (lo, hi + (hi - lo) * 0.05)
    };
    // A log range is already positive and non-flat; `sane` could widen it through zero.
    let b = if log_scale {
        Bounds { x, y }
    } else {
        Bounds { x, y }.sane()
    };
    let spec = AxisSpec {
        x_fmt: draw::fmt_step,
        y_fmt: draw::fmt_tick,
        log_y: log_scale,
    };
    let (v, xt, yt) = draw::layout_axes(&root, theme, b, &spec, 0.0);
    draw::axes(&root, theme, &v, &xt, &yt, &spec)?;
    draw::polyline(&root, theme, &v, train, 2.0, theme.loss_train, None)?;
    draw::triangles(&root, theme, &v, test, 4.0, theme.loss_test.to_rgba())?;
    let l = &theme.labels;
    let mut items = vec![(Mark::Line(theme.loss_train), l.train.as_str())];
    if !test_points.is_empty() {
        items.push((Mark::Triangle(theme.loss_test), l.test.as_str()));
    }
    draw::legend(&root, theme, &v, &items)?;
    root.present().map_err(err)?;
    Ok(v)
}

/// Draws one panel of the 5 × 2 grid: the points and curve of `data` (no hover), and
/// `caption` above (none if empty). Panels of at least 240 × 160 CSS pixels below the
/// caption get axes with ticks; smaller ones (the page's thumbnails) only a frame. Pass the
/// same `bounds` to every panel so that they compare; `None` fits them to this panel's data.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn grid_panel<DB: DrawingBackend>(
    backend: DB,
    theme: &Theme,
    data: &ScatterData,
    caption: &str,
    bounds: Option<Bounds>,
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let b = bounds.unwrap_or_else(|| Bounds::of(&[data.train, data.test, data.curve]));
    let v = panel_on(&root, theme, data, caption, b)?;
    root.present().map_err(err)?;
    Ok(v)
}

fn panel_on<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    data: &ScatterData,
    caption: &str,
    b: Bounds,
) -> Result<View> {
    let b = b.sane();
    let size = t.font_size * 1.2;
    let cap_css = if caption.is_empty() {
        0.0
    } else {
        size * 1.5 + 4.0
    };
    if !caption.is_empty() {
        let (w, _) = area.dim_in_pixel();
        let at = (f64::from(w) / 2.0, t.px(6.0));
        draw::text(
            area,
            t,
            caption,
            at,
            size,
            t.foreground,
            HPos::Center,
            VPos::Top,
        )?;
    }
    let (w, h) = area.dim_in_pixel();
    let big = f64::from(w) >= t.px(240.0) && f64::from(h) >= t.px(160.0 + cap_css);
    let v = if big {
        let (v, xt, yt) = draw::layout_axes(area, t, b, &LINEAR, cap_css);
        draw::axes(area, t, &v, &xt, &yt, &LINEAR)?;
        v
    } else {
        let v = draw::layout_bare(area, t, b, cap_css);
        draw::frame(area, t, &v, t.grid)?;
        v
    };
    let plain = ScatterData {
        hover: None,
        ..*data
    };
    points_and_curve(area, t, &v, &plain, !big)?;
    Ok(v.shifted(area.get_base_pixel()))
}

/// The common data ranges of [`grid`]'s panels: the points and every panel's curve.
pub fn grid_bounds(points: &[(f32, f32)], panels: &[Panel]) -> Bounds {
    let mut sets: Vec<&[(f32, f32)]> = vec![points];
    sets.extend(panels.iter().map(|p| p.fit.as_slice()));
    Bounds::of(&sets)
}

/// Draws the tutorial's figure: a 5 × 2 grid ([`GRID_SHAPE`], row by row) of the test
/// `points` (triangles) with each panel's fitted line and its `cost=… k=…` caption, all on
/// the same ranges. Panels past the tenth are left out. Returns each panel's view.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn grid<DB: DrawingBackend>(
    backend: DB,
    theme: &Theme,
    points: &[(f32, f32)],
    panels: &[Panel],
) -> Result<Vec<View>> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let b = grid_bounds(points, panels);
    let mut views = Vec::with_capacity(panels.len().min(10));
    for (cell, panel) in root.split_evenly(GRID_SHAPE).iter().zip(panels) {
        let data = ScatterData {
            test: points,
            curve: &panel.fit,
            ..ScatterData::default()
        };
        views.push(panel_on(cell, theme, &data, &panel.caption(), b)?);
    }
    root.present().map_err(err)?;
    Ok(views)
}

/// Draws activation `act` and its derivative (dashed) over `x_range`, with the axes through
/// zero and a legend naming them (`relu(x)`, `relu′(x)`).
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn activation<DB: DrawingBackend>(
    backend: DB,
    theme: &Theme,
    act: Activation,
    x_range: (f32, f32),
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let xr = Bounds {
        x: (f64::from(x_range.0), f64::from(x_range.1)),
        y: (0.0, 1.0),
    }
    .sane()
    .x;
    // About one sample per two device pixels, within reason.
    let n = (root.dim_in_pixel().0 / 2).clamp(64, 1024) as usize;
    let (mut f, mut d) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
    for i in 0..=n {
        let z = (xr.0 + (xr.1 - xr.0) * i as f64 / n as f64) as f32;
        let a = act.forward(z);
        f.push((z, a));
        d.push((z, act.derivative(z, a)));
    }
    let b = Bounds::of(&[&f, &d]);
    let b = Bounds { x: xr, ..b }.sane();
    let (v, xt, yt) = draw::layout_axes(&root, theme, b, &LINEAR, 0.0);
    draw::axes(&root, theme, &v, &xt, &yt, &LINEAR)?;
    let zero_x = [(0.0, v.y.0), (0.0, v.y.1)];
    let zero_y = [(v.x.0, 0.0), (v.x.1, 0.0)];
    draw::polyline(&root, theme, &v, zero_x, 1.0, theme.muted, None)?;
    draw::polyline(&root, theme, &v, zero_y, 1.0, theme.muted, None)?;
    draw::polyline(&root, theme, &v, pairs(&d), 2.0, theme.test, Some(6.0))?;
    draw::polyline(&root, theme, &v, pairs(&f), 2.5, theme.train, None)?;
    let name = act.name();
    let (fl, dl) = (format!("{name}(x)"), format!("{name}′(x)"));
    draw::legend(
        &root,
        theme,
        &v,
        &[
            (Mark::Line(theme.train), &fl),
            (Mark::Dashed(theme.test), &dl),
        ],
    )?;
    root.present().map_err(err)?;
    Ok(v)
}
