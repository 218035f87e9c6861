//! Drawing primitives shared by the figures, in backend pixels relative to a drawing area:
//! axes with ticks, clipped polylines, markers, legends and text.

use super::{err, Theme, View};
use crate::error::Result;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The figure's drawing area, in backend pixels from its top-left corner.
pub(crate) type Area<DB> = DrawingArea<DB, plotters::coord::Shift>;

/// Average advance of a character in ems: the figures measure no text (the canvas backend
/// would ask the DOM each time), and system-ui digits and Latin letters run about 0.6 em.
pub(crate) fn text_width(t: &Theme, s: &str, size_css: f64) -> f64 {
    let em = t.px(size_css);
    s.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * em
}

/// Writes `s` at `(x, y)` anchored at `(h, v)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn text<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    s: &str,
    (x, y): (f64, f64),
    size_css: f64,
    colour: RGBColor,
    h: HPos,
    v: VPos,
) -> Result<()> {
    let size = t.px(size_css) * t.text_scale;
    let style = TextStyle::from((FontFamily::Name(&t.font_family), size))
        .color(&colour)
        .pos(Pos::new(h, v));
    area.draw(&Text::new(s, (x.round() as i32, y.round() as i32), style))
        .map_err(err)
}

/// About `count` round tick values in `lo..=hi` (steps of 1, 2 or 5 × 10ⁿ).
pub(crate) fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return if lo.is_finite() { vec![lo] } else { vec![] };
    }
    let raw = span / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil();
    // Each tick from its index, not by adding steps, so rounding does not pile up.
    (0..=count * 3 + 2)
        .map(|i| (first + i as f64) * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .map(|v| if v.abs() < step * 1e-9 { 0.0 } else { v })
        .collect()
}

/// Ticks of a log-10 axis over `lo..=hi` (data values, both > 0): whole powers of ten when
/// there are at least two, else 1, 2 and 5 times them, else every digit.
pub(crate) fn log_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    let powers: Vec<f64> = ticks(a, b, count)
        .into_iter()
        .filter(|v| v.fract() == 0.0)
        .map(|v| 10f64.powf(v))
        .collect();
    if powers.len() >= 2 {
        return powers;
    }
    for mantissas in [
        &[1.0, 2.0, 5.0][..],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ] {
        let mut out = Vec::new();
        for e in (a.floor() as i32)..=(b.ceil() as i32) {
            for m in mantissas {
                let v = m * 10f64.powi(e);
                if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                    out.push(v);
                }
            }
        }
        if out.len() >= 2 {
            return out;
        }
    }
    vec![lo, hi]
}

/// A tick label: 4 significant digits, exponent form beyond 10⁴ or below 10⁻³.
pub(crate) fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e4).contains(&a) {
        return format!("{v:.0e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A step count: `900`, `1.5k`, `2M`.
pub(crate) fn fmt_step(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", fmt_tick(v / 1e6))
    } else if v >= 1e3 {
        format!("{}k", fmt_tick(v / 1e3))
    } else {
        fmt_tick(v)
    }
}

/// How a figure's axes are labelled.
pub(crate) struct AxisSpec {
    pub x_fmt: fn(f64) -> String,
    pub y_fmt: fn(f64) -> String,
    pub log_y: bool,
}

/// Lays out a plot with axes in `area` below `top_css` CSS pixels (a caption's room): the
/// left margin fits the widest y label. Returns the view and the x and y ticks.
pub(crate) fn layout_axes<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    b: super::Bounds,
    spec: &AxisSpec,
    top_css: f64,
) -> (View, Vec<f64>, Vec<f64>) {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let top = t.px(top_css + 10.0);
    let bottom = t.px(t.font_size + 14.0);
    let height = (h - top - bottom).max(1.0);
    let yt = if spec.log_y {
        log_ticks(
            b.y.0,
            b.y.1,
            (height / t.px(40.0)).floor().max(2.0) as usize,
        )
    } else {
        ticks(
            b.y.0,
            b.y.1,
            (height / t.px(40.0)).floor().max(2.0) as usize,
        )
    };
    let label_w = yt
        .iter()
        .map(|v| text_width(t, &(spec.y_fmt)(*v), t.font_size))
        .fold(0.0, f64::max);
    let left = label_w + t.px(14.0);
    let right = t.px(14.0);
    let width = (w - left - right).max(1.0);
    let xt = ticks(b.x.0, b.x.1, (width / t.px(70.0)).floor().max(2.0) as usize);
    let view = View {
        x: b.x,
        y: b.y,
        log_y: spec.log_y,
        left,
        top,
        width,
        height,
        pixel_ratio: t.pixel_ratio,
    };
    (view, xt, yt)
}

/// A plot with no axes: a thin margin all round, below `top_css` CSS pixels.
pub(crate) fn layout_bare<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    b: super::Bounds,
    top_css: f64,
) -> View {
    let (w, h) = area.dim_in_pixel();
    let m = t.px(4.0);
    let top = t.px(top_css) + m;
    View {
        x: b.x,
        y: b.y,
        log_y: false,
        left: m,
        top,
        width: (f64::from(w) - 2.0 * m).max(1.0),
        height: (f64::from(h) - top - m).max(1.0),
        pixel_ratio: t.pixel_ratio,
    }
}

/// Grid lines, tick labels and the frame.
pub(crate) fn axes<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    xt: &[f64],
    yt: &[f64],
    spec: &AxisSpec,
) -> Result<()> {
    let grid = ShapeStyle::from(t.grid).stroke_width(t.upx(1.0));
    let (l, r) = (v.left.round() as i32, (v.left + v.width).round() as i32);
    let (top, bot) = (v.top.round() as i32, (v.top + v.height).round() as i32);
    for &x in xt {
        let px = v.to_pixel(x, v.y.0).0;
        if !(px.is_finite() && v.contains(px, v.top)) {
            continue;
        }
        let p = px.round() as i32;
        area.draw(&PathElement::new(vec![(p, top), (p, bot)], grid))
            .map_err(err)?;
        let label = (spec.x_fmt)(x);
        let at = (px, f64::from(bot) + t.px(6.0));
        text(
            area,
            t,
            &label,
            at,
            t.font_size,
            t.muted,
            HPos::Center,
            VPos::Top,
        )?;
    }
    for &y in yt {
        let py = v.to_pixel(v.x.0, y).1;
        if !(py.is_finite() && v.contains(v.left, py)) {
            continue;
        }
        let p = py.round() as i32;
        area.draw(&PathElement::new(vec![(l, p), (r, p)], grid))
            .map_err(err)?;
        let label = (spec.y_fmt)(y);
        let at = (f64::from(l) - t.px(6.0), py);
        text(
            area,
            t,
            &label,
            at,
            t.font_size,
            t.muted,
            HPos::Right,
            VPos::Center,
        )?;
    }
    frame(area, t, v, t.muted)
}

/// The plotting rectangle's outline.
pub(crate) fn frame<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    colour: RGBColor,
) -> Result<()> {
    let (l, r) = (v.left.round() as i32, (v.left + v.width).round() as i32);
    let (top, bot) = (v.top.round() as i32, (v.top + v.height).round() as i32);
    let style = ShapeStyle::from(colour).stroke_width(t.upx(1.0));
    area.draw(&Rectangle::new([(l, top), (r, bot)], style))
        .map_err(err)
}

/// The data points that fall in the plotting rectangle, as pixels.
fn visible<'a>(
    v: &'a View,
    pts: impl IntoIterator<Item = (f64, f64)> + 'a,
) -> impl Iterator<Item = (f64, f64)> + 'a {
    pts.into_iter().filter_map(move |(x, y)| {
        let (px, py) = v.to_pixel(x, y);
        (px.is_finite() && py.is_finite() && v.contains(px, py)).then_some((px, py))
    })
}

/// Filled circles of radius `r_css` at the points inside the plot.
pub(crate) fn circles<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    pts: impl IntoIterator<Item = (f64, f64)>,
    r_css: f64,
    colour: RGBAColor,
) -> Result<()> {
    let r = t.upx(r_css);
    for (px, py) in visible(v, pts) {
        let c = (px.round() as i32, py.round() as i32);
        area.draw(&Circle::new(c, r, colour.filled()))
            .map_err(err)?;
    }
    Ok(())
}

/// Filled triangles (pointing up) of "radius" `r_css` at the points inside the plot.
pub(crate) fn triangles<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    pts: impl IntoIterator<Item = (f64, f64)>,
    r_css: f64,
    colour: RGBAColor,
) -> Result<()> {
    let r = t.px(r_css);
    for (px, py) in visible(v, pts) {
        area.draw(&triangle((px, py), r, colour)).map_err(err)?;
    }
    Ok(())
}

fn triangle((x, y): (f64, f64), r: f64, colour: RGBAColor) -> Polygon<(i32, i32)> {
    let p = |dx: f64, dy: f64| ((x + dx).round() as i32, (y + dy).round() as i32);
    Polygon::new(
        vec![p(0.0, -1.2 * r), p(1.1 * r, 0.8 * r), p(-1.1 * r, 0.8 * r)],
        colour.filled(),
    )
}

/// The part of segment `a`–`b` inside `[x0, x1] × [y0, y1]` (Cohen–Sutherland). Each cut
/// is measured from the other end, so a segment from a point 10⁴⁰ pixels away still ends
/// where it should: measured from the far point, the offset would vanish in rounding.
pub(crate) fn clip_segment(
    mut a: (f64, f64),
    mut b: (f64, f64),
    (x0, y0, x1, y1): (f64, f64, f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    const LEFT: u8 = 1;
    const RIGHT: u8 = 2;
    const TOP: u8 = 4;
    const BOTTOM: u8 = 8;
    if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
        return None;
    }
    let code = |p: (f64, f64)| {
        let mut c = 0;
        if p.0 < x0 {
            c |= LEFT;
        } else if p.0 > x1 {
            c |= RIGHT;
        }
        if p.1 < y0 {
            c |= TOP;
        } else if p.1 > y1 {
            c |= BOTTOM;
        }
        c
    };
    // Each pass puts one end on an edge line; four per end at most.
    for _ in 0..8 {
        let (ca, cb) = (code(a), code(b));
        if ca | cb == 0 {
            return Some((a, b));
        }
        if ca & cb != 0 {
            return None;
        }
        let (p, q, c) = if ca != 0 { (a, b, ca) } else { (b, a, cb) };
        let at_y = |y: f64| (q.0 + (p.0 - q.0) * ((y - q.1) / (p.1 - q.1)), y);
        let at_x = |x: f64| (x, q.1 + (p.1 - q.1) * ((x - q.0) / (p.0 - q.0)));
        let moved = if c & TOP != 0 {
            at_y(y0)
        } else if c & BOTTOM != 0 {
            at_y(y1)
        } else if c & LEFT != 0 {
            at_x(x0)
        } else {
            at_x(x1)
        };
        if ca != 0 {
            a = moved;
        } else {
            b = moved;
        }
    }
    None
}

/// The pieces of a data polyline inside the plot, in whole pixels: the line breaks at
/// non-finite points and where it leaves the rectangle, so huge values cannot overflow.
pub(crate) fn clipped_runs(
    v: &View,
    pts: impl IntoIterator<Item = (f64, f64)>,
) -> Vec<Vec<(i32, i32)>> {
    let rect = (v.left, v.top, v.left + v.width, v.top + v.height);
    let mut runs: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut run: Vec<(i32, i32)> = Vec::new();
    let mut prev: Option<(f64, f64)> = None;
    let round = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    let mut flush = |run: &mut Vec<(i32, i32)>| {
        if run.len() >= 2 {
            runs.push(std::mem::take(run));
        } else {
            run.clear();
        }
    };
    for (x, y) in pts {
        let p = v.to_pixel(x, y);
        if !(p.0.is_finite() && p.1.is_finite()) {
            flush(&mut run);
            prev = None;
            continue;
        }
        if let Some(a) = prev {
            match clip_segment(a, p, rect) {
                Some((s, e)) => {
                    let (s, e) = (round(s), round(e));
                    if run.last() != Some(&s) {
                        flush(&mut run);
                        run.push(s);
                    }
                    if run.last() != Some(&e) {
                        run.push(e);
                    }
                }
                None => flush(&mut run),
            }
        }
        prev = Some(p);
    }
    flush(&mut run);
    runs
}

/// A polyline through data points, clipped to the plot; dashed if `dash_css` is given.
pub(crate) fn polyline<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    pts: impl IntoIterator<Item = (f64, f64)>,
    width_css: f64,
    colour: RGBColor,
    dash_css: Option<f64>,
) -> Result<()> {
    let style = ShapeStyle::from(colour).stroke_width(t.upx(width_css));
    for run in clipped_runs(v, pts) {
        match dash_css {
            None => area.draw(&PathElement::new(run, style)).map_err(err)?,
            Some(d) => {
                let d = t.px(d).round().max(1.0) as i32;
                area.draw(&DashedPathElement::new(run, d, d, style))
                    .map_err(err)?
            }
        }
    }
    Ok(())
}

/// How a legend entry is marked.
#[derive(Clone, Copy)]
pub(crate) enum Mark {
    Dot(RGBColor),
    Triangle(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
}

/// A legend in the top-left corner of the plot, on a translucent background so points under
/// it do not hurt the text's contrast.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    v: &View,
    items: &[(Mark, &str)],
) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let x0 = v.left + t.px(8.0);
    let y = v.top + t.px(12.0);
    let widths: Vec<f64> = items
        .iter()
        .map(|(_, s)| text_width(t, s, t.font_size))
        .collect();
    let total: f64 = widths.iter().map(|w| w + t.px(26.0)).sum();
    let corner = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    let bg = Rectangle::new(
        [
            corner(x0 - t.px(4.0), y - t.px(9.0)),
            corner(x0 + total - t.px(4.0), y + t.px(9.0)),
        ],
        t.background.mix(0.85).filled(),
    );
    area.draw(&bg).map_err(err)?;
    let mut x = x0;
    for ((mark, label), w) in items.iter().zip(&widths) {
        let c = (x + t.px(7.0), y);
        match *mark {
            Mark::Dot(col) => circles_px(area, t, c, 4.0, col)?,
            Mark::Triangle(col) => area
                .draw(&triangle(c, t.px(4.5), col.to_rgba()))
                .map_err(err)?,
            Mark::Line(col) | Mark::Dashed(col) => {
                let dashed = matches!(mark, Mark::Dashed(_));
                let style = ShapeStyle::from(col).stroke_width(t.upx(2.5));
                let (a, b) = (corner(x, y), corner(x + t.px(14.0), y));
                if dashed {
                    let mid = corner(x + t.px(5.0), y);
                    let mid2 = corner(x + t.px(9.0), y);
                    area.draw(&PathElement::new(vec![a, mid], style))
                        .map_err(err)?;
                    area.draw(&PathElement::new(vec![mid2, b], style))
                        .map_err(err)?;
                } else {
                    area.draw(&PathElement::new(vec![a, b], style))
                        .map_err(err)?;
                }
            }
        }
        let at = (x + t.px(19.0), y);
        text(
            area,
            t,
            label,
            at,
            t.font_size,
            t.foreground,
            HPos::Left,
            VPos::Center,
        )?;
        x += w + t.px(26.0);
    }
    Ok(())
}

fn circles_px<DB: DrawingBackend>(
    area: &Area<DB>,
    t: &Theme,
    (x, y): (f64, f64),
    r_css: f64,
    colour: RGBColor,
) -> Result<()> {
    let c = (x.round() as i32, y.round() as i32);
    area.draw(&Circle::new(c, t.upx(r_css), colour.filled()))
        .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_values() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(-0.3, 0.3, 3), vec![-0.2, 0.0, 0.2]);
        assert_eq!(ticks(1.0, 1.0, 5), vec![1.0]);
        assert!(ticks(f64::NAN, 1.0, 5).is_empty());
        let t = ticks(-1e38, 3e38, 4);
        assert!(t.len() >= 2 && t.len() <= 10);
        let many = ticks(0.0, 1.0, 1000);
        assert!(many.len() <= 3002);
        assert_eq!(log_ticks(1e-3, 10.0, 5), vec![1e-3, 1e-2, 1e-1, 1.0, 10.0]);
        assert_eq!(log_ticks(0.15, 0.9, 5), vec![0.2, 0.5]);
        assert!(log_ticks(0.31, 0.39, 5).len() >= 2);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(fmt_tick(0.0), "0");
        assert_eq!(fmt_tick(2.5), "2.5");
        assert_eq!(fmt_tick(-0.2), "-0.2");
        assert_eq!(fmt_tick(1234.5678), "1235");
        assert_eq!(fmt_tick(0.012_345), "0.01235");
        assert_eq!(fmt_tick(20000.0), "2e4");
        assert_eq!(fmt_tick(1e-4), "1e-4");
        assert_eq!(fmt_step(1500.0), "1.5k");
        assert_eq!(fmt_step(2e6), "2M");
        assert_eq!(fmt_step(900.0), "900");
    }

    #[test]
    fn segments_clip() {
        let r = (0.0, 0.0, 10.0, 10.0);
        assert_eq!(
            clip_segment((-5.0, 5.0), (15.0, 5.0), r),
            Some(((0.0, 5.0), (10.0, 5.0)))
        );
        assert_eq!(clip_segment((-5.0, -5.0), (-1.0, 20.0), r), None);
        assert_eq!(
            clip_segment((2.0, 2.0), (3.0, 3.0), r),
            Some(((2.0, 2.0), (3.0, 3.0)))
        );
        let (a, b) = clip_segment((5.0, 5.0), (5.0, 1e40), r).unwrap();
        assert_eq!((a, b), ((5.0, 5.0), (5.0, 10.0)));
        assert_eq!(clip_segment((0.0, 0.0), (f64::INFINITY, 0.0), r), None);
        assert_eq!(
            clip_segment((-5.0, 5.0), (5.0, -5.0), r),
            Some(((0.0, 0.0), (0.0, 0.0)))
        );
        // From a point 10⁴⁰ pixels above: the visible part is nearly vertical at x = 9.
        let (a, b) = clip_segment((5.0, -1e40), (9.0, 5.0), r).unwrap();
        assert!((a.0 - 9.0).abs() < 1e-9 && a.1 == 0.0, "{a:?}");
        assert_eq!(b, (9.0, 5.0));
        // Both ends far out on opposite sides, crossing the middle.
        let (a, b) = clip_segment((5.0, -1e40), (5.0, 1e40), r).unwrap();
        assert_eq!((a, b), ((5.0, 0.0), (5.0, 10.0)));
    }
}
