//! The story's own figures: the network diagram and the loss landscape. (The neuron and the
//! stacked-layer demonstrations are [`curve`]s over points.)

use super::draw::{self, AxisSpec, Mark};
use super::{err, Bounds, Theme, View};
use crate::error::Result;
use crate::story::{LossGrid, DRAWN_UNITS};
use crate::tensor::Tensor;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// A neuron drawn by [`network`]: its layer (0 the inputs), its index in the layer, and its
/// centre and radius in backend pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// 0 for the inputs, then 1 for the first Dense layer, and so on.
    pub layer: usize,
    /// The neuron's index in its layer.
    pub unit: usize,
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Radius.
    pub r: f64,
}

/// Draws a network: `sizes` neurons per layer (inputs first), at most [`DRAWN_UNITS`] of each
/// (a `+n` says how many more), every connection coloured by the sign of its weight (positive
/// in the training colour, negative in the test colour) and as thick as its magnitude
/// (relative to the largest). `kernels` holds each Dense layer's kernel `(inputs, units)`;
/// without them the connections are thin grey. `names` label the input, hidden and output
/// columns; `highlight` fills one neuron. Returns the neurons drawn.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn network<DB: DrawingBackend>(
    backend: DB,
    t: &Theme,
    sizes: &[usize],
    kernels: &[&Tensor],
    names: [&str; 3],
    highlight: Option<(usize, usize)>,
) -> Result<Vec<Node>> {
    let root = backend.into_drawing_area();
    root.fill(&t.background).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let label_h = t.px(t.font_size * 2.0);
    let (top, bottom) = (t.px(8.0), h - label_h);
    let most = sizes.iter().map(|&n| n.min(DRAWN_UNITS)).max().unwrap_or(1) as f64;
    let r = ((bottom - top) / (most * 2.6))
        .min(t.px(11.0))
        .max(t.px(2.0));
    let cols = sizes.len().max(2) as f64;
    let margin = t.px(36.0).max(r * 2.0);
    let mut nodes = Vec::new();
    for (l, &n) in sizes.iter().enumerate() {
        let x = margin + (w - 2.0 * margin) * l as f64 / (cols - 1.0);
        let shown = n.min(DRAWN_UNITS);
        let gap = (bottom - top) / shown as f64;
        for u in 0..shown {
            let y = top + gap * (u as f64 + 0.5);
            nodes.push(Node {
                layer: l,
                unit: u,
                x,
                y,
                r,
            });
        }
    }
    let largest = kernels
        .iter()
        .flat_map(|k| k.as_slice())
        .fold(0f32, |m, v| if v.is_finite() { m.max(v.abs()) } else { m });
    let at = |l: usize, u: usize| nodes.iter().find(|n| n.layer == l && n.unit == u);
    let px = |n: &Node| (n.x.round() as i32, n.y.round() as i32);
    for l in 1..sizes.len() {
        let kernel = kernels
            .get(l - 1)
            .filter(|k| k.shape() == (sizes[l - 1], sizes[l]));
        for i in 0..sizes[l - 1].min(DRAWN_UNITS) {
            for j in 0..sizes[l].min(DRAWN_UNITS) {
                let (Some(a), Some(b)) = (at(l - 1, i), at(l, j)) else {
                    continue;
                };
                let style = match kernel {
                    Some(k) if largest > 0.0 && k.get(i, j).is_finite() => {
                        let v = k.get(i, j);
                        let m = f64::from(v.abs() / largest);
                        let c = if v >= 0.0 { t.train } else { t.test };
                        c.mix(0.35 + 0.65 * m).stroke_width(t.upx(0.5 + 4.5 * m))
                    }
                    _ => t.grid.stroke_width(t.upx(1.0)),
                };
                root.draw(&PathElement::new(vec![px(a), px(b)], style))
                    .map_err(err)?;
            }
        }
    }
    let ring = ShapeStyle::from(t.foreground).stroke_width(t.upx(1.5));
    for n in &nodes {
        let fill = if highlight == Some((n.layer, n.unit)) {
            t.curve
        } else {
            t.background
        };
        let rr = n.r.round() as i32;
        root.draw(&Circle::new(px(n), rr, fill.filled()))
            .map_err(err)?;
        root.draw(&Circle::new(px(n), rr, ring)).map_err(err)?;
    }
    for (l, &n) in sizes.iter().enumerate() {
        let x = margin + (w - 2.0 * margin) * l as f64 / (cols - 1.0);
        let name = match l {
            0 => names[0],
            _ if l + 1 == sizes.len() => names[2],
            _ => names[1],
        };
        let label = if n > DRAWN_UNITS {
            format!("{name} (+{})", n - DRAWN_UNITS)
        } else {
            name.to_string()
        };
        let at = (x, bottom + t.px(6.0));
        draw::text(
            &root,
            t,
            &label,
            at,
            t.font_size,
            t.foreground,
            HPos::Center,
            VPos::Top,
        )?;
    }
    root.present().map_err(err)?;
    Ok(nodes)
}

/// Bands of the landscape's colour scale: equal steps of log-loss, so that band edges read as
/// contour lines.
const BANDS: f64 = 12.0;

/// Draws the loss over `(w, b)` as a banded heat map (low loss in the training colour, high
/// fading to the background, in equal steps of log-loss), the optimizer's `path` (a line
/// with the current point as a dot) and the `optimum` as a cross, with w across and b up.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn landscape<DB: DrawingBackend>(
    backend: DB,
    t: &Theme,
    grid: &LossGrid,
    path: &[(f32, f32)],
    optimum: Option<(f64, f64)>,
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&t.background).map_err(err)?;
    let spec = AxisSpec {
        x_fmt: draw::fmt_tick,
        y_fmt: draw::fmt_tick,
        log_y: false,
    };
    let b = Bounds {
        x: grid.w,
        y: grid.b,
    };
    let (v, xt, yt) = draw::layout_axes(&root, t, b, &spec, 0.0);
    let logs: Vec<f64> = grid
        .values
        .iter()
        .map(|&l| f64::from(l).max(1e-12).ln())
        .collect();
    let (lo, hi) = logs
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = (hi - lo).max(1e-9);
    let (cw, ch) = (v.width / grid.cols as f64, v.height / grid.rows as f64);
    let band = |l: f64| {
        if l.is_finite() {
            ((l - lo) / span * BANDS).floor().min(BANDS - 1.0)
        } else {
            BANDS - 1.0
        }
    };
    let corner = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    for r in 0..grid.rows {
        let row = &logs[r * grid.cols..(r + 1) * grid.cols];
        let y0 = v.top + ch * r as f64;
        // One rectangle per run of cells in the same band: a few per row, not one per cell.
        let mut start = 0;
        while start < grid.cols {
            let b = band(row[start]);
            let end = (start..grid.cols)
                .find(|&c| band(row[c]) != b)
                .unwrap_or(grid.cols);
            let strength = 0.85 * (1.0 - b / (BANDS - 1.0));
            let (x0, x1) = (v.left + cw * start as f64, v.left + cw * end as f64);
            let cell = Rectangle::new(
                [corner(x0, y0), corner(x1, y0 + ch)],
                t.train.mix(strength).filled(),
            );
            root.draw(&cell).map_err(err)?;
            start = end;
        }
    }
    draw::axes(&root, t, &v, &xt, &yt, &spec)?;
    let pts = || path.iter().map(|&(w, b)| (f64::from(w), f64::from(b)));
    draw::polyline(&root, t, &v, pts(), 2.0, t.curve, None)?;
    draw::circles(&root, t, &v, pts(), 1.8, t.curve.to_rgba())?;
    draw::circles(&root, t, &v, pts().next_back(), 5.0, t.curve.to_rgba())?;
    if let Some((ow, ob)) = optimum {
        let (cx, cy) = v.to_pixel(ow, ob);
        if v.contains(cx, cy) {
            let s = t.px(7.0);
            let style = ShapeStyle::from(t.test).stroke_width(t.upx(3.0));
            for (dx, dy) in [(s, s), (s, -s)] {
                let a = ((cx - dx).round() as i32, (cy - dy).round() as i32);
                let b = ((cx + dx).round() as i32, (cy + dy).round() as i32);
                root.draw(&PathElement::new(vec![a, b], style))
                    .map_err(err)?;
            }
        }
    }
    let (right, top) = (v.left + v.width, v.top);
    let tag = |s: &str, at, h, vp| draw::text(&root, t, s, at, t.font_size, t.foreground, h, vp);
    tag(
        "w",
        (right, top + v.height - t.px(4.0)),
        HPos::Right,
        VPos::Bottom,
    )?;
    tag(
        "b",
        (v.left + t.px(4.0), top + t.px(2.0)),
        HPos::Left,
        VPos::Top,
    )?;
    root.present().map_err(err)?;
    Ok(v)
}

/// Draws points (circles, none if empty) and a curve over them, with axes and a legend that
/// names only what is drawn (`points_label` for the points, `curve_label` for the curve).
/// `bounds` fixes the ranges; `None` fits them to the points and the curve.
///
/// # Errors
/// [`crate::Error::Io`] when the backend fails to draw.
pub fn curve<DB: DrawingBackend>(
    backend: DB,
    t: &Theme,
    points: &[(f32, f32)],
    curve: &[(f32, f32)],
    labels: (&str, &str),
    bounds: Option<Bounds>,
) -> Result<View> {
    let root = backend.into_drawing_area();
    root.fill(&t.background).map_err(err)?;
    let b = bounds
        .unwrap_or_else(|| Bounds::of(&[points, curve]))
        .sane();
    let spec = AxisSpec {
        x_fmt: draw::fmt_tick,
        y_fmt: draw::fmt_tick,
        log_y: false,
    };
    let (v, xt, yt) = draw::layout_axes(&root, t, b, &spec, 0.0);
    draw::axes(&root, t, &v, &xt, &yt, &spec)?;
    let pairs = |p: &[(f32, f32)]| -> Vec<(f64, f64)> {
        p.iter()
            .map(|&(x, y)| (f64::from(x), f64::from(y)))
            .collect()
    };
    draw::circles(&root, t, &v, pairs(points), 3.0, t.train.to_rgba())?;
    draw::polyline(&root, t, &v, pairs(curve), 2.5, t.curve, None)?;
    let mut items = Vec::new();
    if !points.is_empty() {
        items.push((Mark::Dot(t.train), labels.0));
    }
    items.push((Mark::Line(t.curve), labels.1));
    draw::legend(&root, t, &v, &items)?;
    root.present().map_err(err)?;
    Ok(v)
}
