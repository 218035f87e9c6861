//! The playground's figures, drawn by one code for every surface.
//!
//! Every figure is a function generic over a [`plotters`] [`DrawingBackend`]: the page draws
//! onto a `<canvas>` through `plotters_canvas::CanvasBackend` (see `canvas`, wasm32 only), the
//! CLI into SVG through `SVGBackend` (see the `*_svg` functions, native only). Nothing here
//! knows of browsers. Each figure returns the [`View`] it drew, the mapping between data and
//! backend pixels, so that pointer code (which stays in JavaScript) can ask where a pixel is
//! in data and back.
//!
//! - [`scatter_fit`]: training points (circles), test points (triangles), the fitted curve;
//! - [`loss_curve`]: the training loss from a bounded [`LossHistory`] and the test cost;
//! - [`grid_panel`] and [`grid`]: the tutorial's 5 × 2 grid of the line as it improves;
//! - [`activation`]: an activation function and its derivative;
//! - [`network`] and [`landscape`]: the story's network diagram and loss landscape.
//!
//! Colours, font and pixel ratio come from a [`Theme`] (light and dark presets matching
//! `www/style.css`, or the page's CSS values).

mod draw;
mod figures;
mod history;
mod story;
mod theme;

#[cfg(target_arch = "wasm32")]
pub mod canvas;
#[cfg(not(target_arch = "wasm32"))]
mod svg;

pub use figures::{
    activation, fit_xs, grid, grid_bounds, grid_panel, grid_steps, loss_curve, scatter_fit,
    FIT_POINTS, GRID_EVERY, GRID_SHAPE,
};
pub use history::LossHistory;
pub use plotters::prelude::DrawingBackend;
pub use plotters::style::RGBColor;
pub use story::{curve, landscape, network, Node};
#[cfg(not(target_arch = "wasm32"))]
pub use svg::{
    activation_svg_string, grid_svg, grid_svg_string, loss_svg, loss_svg_string, scatter_fit_svg,
    scatter_fit_svg_string, GRID_SVG_SIZE,
};
pub use theme::{contrast, parse_hex, Labels, Theme, CSS_PROPERTIES};

/// What [`scatter_fit`] and [`grid_panel`] draw. Points with a non-finite coordinate are
/// skipped; the curve breaks where it is not finite and is drawn in x order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScatterData<'a> {
    /// Training points `(x, y)`, drawn as circles.
    pub train: &'a [(f32, f32)],
    /// Test points `(x, y)`, drawn as triangles (shape as well as colour tells them apart).
    pub test: &'a [(f32, f32)],
    /// The fitted curve `(x, ŷ)`.
    pub curve: &'a [(f32, f32)],
    /// A hover marker `(x, ŷ)`: a dashed vertical line at `x` and a dot at `ŷ` if finite
    /// ([`scatter_fit`] only).
    pub hover: Option<(f32, f32)>,
}

/// One panel of the 5 × 2 grid: the fitted line at a stage of training (the CLI's type).
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// The test cost at that stage.
    pub cost: f32,
    /// The stage number, from 1.
    pub k: usize,
    /// The model's predictions `(x, ŷ)` at that stage.
    pub fit: Vec<(f32, f32)>,
}

impl Panel {
    /// The panel's caption, `cost=0.0123 k=3`, as the tutorial prints it.
    pub fn caption(&self) -> String {
        format!("cost={:.4} k={}", self.cost, self.k)
    }
}

/// A data rectangle: the x and y ranges a figure shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// `(min, max)` of x.
    pub x: (f64, f64),
    /// `(min, max)` of y.
    pub y: (f64, f64),
}

impl Bounds {
    /// The finite extent of some point sets, padded a little (5 % in x, 8 % in y), y spanning
    /// at least 0.5 so that a flat line does not fill the plot; `-1..1` when nothing is finite.
    pub fn of(sets: &[&[(f32, f32)]]) -> Bounds {
        let mut x = (f64::INFINITY, f64::NEG_INFINITY);
        let mut y = x;
        for &(px, py) in sets.iter().flat_map(|s| s.iter()) {
            if px.is_finite() && py.is_finite() {
                x = (x.0.min(f64::from(px)), x.1.max(f64::from(px)));
                y = (y.0.min(f64::from(py)), y.1.max(f64::from(py)));
            }
        }
        if x.0 > x.1 {
            return Bounds {
                x: (-1.0, 1.0),
                y: (-1.0, 1.0),
            };
        }
        let x = widen(x, 1e-9, 1.0);
        let y = widen(y, 0.5, 0.25);
        let (px, py) = ((x.1 - x.0) * 0.05, (y.1 - y.0) * 0.08);
        Bounds {
            x: (x.0 - px, x.1 + px),
            y: (y.0 - py, y.1 + py),
        }
    }

    /// These bounds made drawable: ordered, finite and of non-zero span.
    pub fn sane(self) -> Bounds {
        Bounds {
            x: sane_range(self.x),
            y: sane_range(self.y),
        }
    }
}

/// `r` widened about its centre by `half` each way when it spans less than `min_span`, and
/// always by enough to survive rounding next to huge values.
fn widen(r: (f64, f64), min_span: f64, half: f64) -> (f64, f64) {
    let c = (r.0 + r.1) / 2.0;
    let floor = c.abs() * 1e-6;
    if r.1 - r.0 < min_span.max(floor) {
        let h = half.max(floor);
        (c - h, c + h)
    } else {
        r
    }
}

fn sane_range(r: (f64, f64)) -> (f64, f64) {
    let (a, b) = if r.0.is_finite() && r.1.is_finite() {
        (r.0.min(r.1), r.0.max(r.1))
    } else if r.0.is_finite() {
        (r.0, r.0)
    } else if r.1.is_finite() {
        (r.1, r.1)
    } else {
        (-1.0, 1.0)
    };
    let (a, b) = (a.clamp(-1e300, 1e300), b.clamp(-1e300, 1e300));
    widen((a, b), 1e-12, 0.5)
}

/// The data ↔ pixel mapping of a drawn figure: the data ranges and the plotting rectangle in
/// backend pixels (device pixels on a canvas; see [`View::in_css_pixels`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Data x at the left and right edges of the plotting rectangle.
    pub x: (f64, f64),
    /// Data y at the bottom and top edges (loss values on a log axis, not their logarithm).
    pub y: (f64, f64),
    /// Whether y is on a log-10 scale.
    pub log_y: bool,
    /// Left edge of the plotting rectangle, in pixels from the backend's left.
    pub left: f64,
    /// Top edge, in pixels from the backend's top.
    pub top: f64,
    /// Width of the plotting rectangle in pixels.
    pub width: f64,
    /// Height of the plotting rectangle in pixels.
    pub height: f64,
    /// The pixel ratio the figure was drawn at.
    pub pixel_ratio: f64,
}

impl View {
    fn ty(&self, y: f64) -> f64 {
        if self.log_y {
            y.log10()
        } else {
            y
        }
    }

    /// The pixel of data point `(x, y)` (NaN for y ≤ 0 on a log axis).
    pub fn to_pixel(&self, x: f64, y: f64) -> (f64, f64) {
        let (y0, y1) = (self.ty(self.y.0), self.ty(self.y.1));
        (
            self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width,
            self.top + (1.0 - (self.ty(y) - y0) / (y1 - y0)) * self.height,
        )
    }

    /// The data point at pixel `(px, py)`.
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        let (y0, y1) = (self.ty(self.y.0), self.ty(self.y.1));
        let ty = y0 + (1.0 - (py - self.top) / self.height) * (y1 - y0);
        (
            self.x.0 + (px - self.left) / self.width * (self.x.1 - self.x.0),
            if self.log_y { 10f64.powf(ty) } else { ty },
        )
    }

    /// Whether pixel `(px, py)` lies in the plotting rectangle.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= self.left
            && px <= self.left + self.width
            && py >= self.top
            && py <= self.top + self.height
    }

    /// The same view in CSS pixels (pixels divided by the pixel ratio), for pointer events.
    pub fn in_css_pixels(&self) -> View {
        let r = self.pixel_ratio;
        View {
            left: self.left / r,
            top: self.top / r,
            width: self.width / r,
            height: self.height / r,
            pixel_ratio: 1.0,
            ..*self
        }
    }

    /// The data ranges shown.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            x: self.x,
            y: self.y,
        }
    }

    /// This view moved by `(dx, dy)` pixels.
    fn shifted(self, (dx, dy): (i32, i32)) -> View {
        View {
            left: self.left + f64::from(dx),
            top: self.top + f64::from(dy),
            ..self
        }
    }
}

/// A plotters error as nnplay's.
fn err(e: impl std::fmt::Display) -> crate::error::Error {
    crate::error::Error::Io(format!("plot: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(log_y: bool) -> View {
        View {
            x: (-2.0, 3.0),
            y: if log_y { (1e-3, 10.0) } else { (-1.0, 4.0) },
            log_y,
            left: 40.0,
            top: 8.0,
            width: 500.0,
            height: 300.0,
            pixel_ratio: 2.0,
        }
    }

    #[test]
    fn view_round_trips() {
        for log_y in [false, true] {
            let v = view(log_y);
            // Corners map to the rectangle's corners.
            let (px, py) = v.to_pixel(v.x.0, v.y.0);
            assert!((px - 40.0).abs() < 1e-9 && (py - 308.0).abs() < 1e-9);
            let (px, py) = v.to_pixel(v.x.1, v.y.1);
            assert!((px - 540.0).abs() < 1e-9 && (py - 8.0).abs() < 1e-9);
            for &(x, y) in &[(0.0, 1.0), (-1.5, 0.01), (2.9, 3.5), (10.0, 9.0)] {
                let (px, py) = v.to_pixel(x, y);
                let (x2, y2) = v.to_data(px, py);
                assert!((x2 - x).abs() < 1e-9 && (y2 - y).abs() < 1e-9 * y.abs().max(1.0));
                let c = v.in_css_pixels();
                let (cx, cy) = c.to_pixel(x, y);
                assert!((cx * 2.0 - px).abs() < 1e-9 && (cy * 2.0 - py).abs() < 1e-9);
            }
        }
        assert!(view(true).to_pixel(0.0, -1.0).1.is_nan());
        assert!(view(false).contains(40.0, 308.0) && !view(false).contains(39.0, 100.0));
    }

    #[test]
    fn bounds_are_drawable() {
        let b = Bounds::of(&[&[(0.0, 1.0), (10.0, 6.0), (f32::NAN, 100.0)]]);
        assert!((b.x.0 + 0.5).abs() < 1e-9 && (b.x.1 - 10.5).abs() < 1e-9);
        assert!((b.y.0 - 0.6).abs() < 1e-9 && (b.y.1 - 6.4).abs() < 1e-9);
        // Flat, single, empty and huge sets.
        let flat = Bounds::of(&[&[(0.0, 2.0), (1.0, 2.0)]]);
        assert!(flat.y.1 - flat.y.0 >= 0.5 && flat.y.0 < 2.0 && flat.y.1 > 2.0);
        let one = Bounds::of(&[&[(3.0, 3.0)]]);
        assert!(one.x.0 < 3.0 && one.x.1 > 3.0);
        assert_eq!(Bounds::of(&[]).x, (-1.0, 1.0));
        let huge = Bounds::of(&[&[(1e30, 3e38), (1e30, 3e38)]]);
        assert!(huge.x.1 > huge.x.0 && huge.y.1 > huge.y.0);
        let s = Bounds {
            x: (f64::NAN, f64::INFINITY),
            y: (5.0, 5.0),
        }
        .sane();
        assert!(s.x.0 < s.x.1 && s.y.0 < 5.0 && s.y.1 > 5.0);
        let r = Bounds {
            x: (3.0, 1.0),
            y: (0.0, 1.0),
        }
        .sane();
        assert_eq!(r.x, (1.0, 3.0));
    }

    #[test]
    fn panel_caption() {
        let p = Panel {
            cost: 0.012_345,
            k: 3,
            fit: vec![],
        };
        assert_eq!(p.caption(), "cost=0.0123 k=3");
    }
}
