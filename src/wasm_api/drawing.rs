//! Drawing onto the page's canvases: `Plotter`, `PlotView`, `LossHistory` and their helpers.

use super::js;
use crate::plot::{
    self, Bounds, Labels, LossHistory as CoreLossHistory, ScatterData, Theme, View, CSS_PROPERTIES,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// Four numbers `[xMin, xMax, yMin, yMax]` as [`Bounds`].
pub(super) fn bounds_from(v: Option<Vec<f64>>) -> Result<Option<Bounds>, JsError> {
    match v {
        None => Ok(None),
        Some(v) if v.len() == 4 => Ok(Some(Bounds {
            x: (v[0], v[1]),
            y: (v[2], v[3]),
        })),
        Some(v) => Err(JsError::new(&format!(
            "invalid bounds: expected [xMin, xMax, yMin, yMax], got {} numbers",
            v.len()
        ))),
    }
}

/// The training points, test points and curve of a scatter figure, each from its x and y
/// arrays (checked to have equal lengths).
fn scatter_points(
    train: (&[f32], &[f32]),
    test: (&[f32], &[f32]),
    curve: (&[f32], &[f32]),
) -> Result<[Vec<(f32, f32)>; 3], JsError> {
    Ok([
        zip_points(train.0, train.1, "training points")?,
        zip_points(test.0, test.1, "test points")?,
        zip_points(curve.0, curve.1, "curve")?,
    ])
}

/// Pairs `(xs[i], ys[i])`; the arrays must be of the same length.
pub(super) fn zip_points(xs: &[f32], ys: &[f32], what: &str) -> Result<Vec<(f32, f32)>, JsError> {
    if xs.len() != ys.len() {
        return Err(JsError::new(&format!(
            "invalid {what}: {} x values but {} y values",
            xs.len(),
            ys.len()
        )));
    }
    Ok(xs.iter().copied().zip(ys.iter().copied()).collect())
}

/// The x values a fitted curve is drawn through: the core's number of them, evenly spaced from
/// `lo` to `hi` (the page, the element and the story all draw their curves through these).
#[wasm_bindgen(js_name = fitXs)]
pub fn fit_xs(lo: f64, hi: f64) -> Vec<f32> {
    plot::fit_xs(lo, hi)
}

/// The tutorial log's text of a loss `train_on_batch` returned (`train cost: …`), as the CLI
/// prints it: NumPy's float32 text.
#[wasm_bindgen(js_name = trainCostText)]
pub fn train_cost_text(loss: f32) -> String {
    crate::text::train_cost(loss)
}

/// The tutorial log's text of `evaluate`'s test cost (`test cost: …`), as the CLI prints it:
/// Python's float text of the float32.
#[wasm_bindgen(js_name = testCostText)]
pub fn test_cost_text(cost: f32) -> String {
    crate::text::test_cost(cost)
}

/// The tutorial log's text of a kernel of `rows` × `cols` values (`weights: [[…]]`), as the
/// CLI prints it (NumPy's layout, summarised past 1000 values).
#[wasm_bindgen(js_name = weightsText)]
pub fn weights_text(rows: usize, cols: usize, values: Vec<f32>) -> Result<String, JsError> {
    let t = crate::tensor::Tensor::from_vec(rows, cols, values).map_err(super::js)?;
    Ok(crate::text::matrix(&t))
}

/// The tutorial log's text of a bias (`biases: […]`), as the CLI prints it.
#[wasm_bindgen(js_name = biasesText)]
pub fn biases_text(values: &[f32]) -> String {
    crate::text::vector(values)
}

/// The data ranges, padded a little, that show some points: `[xMin, xMax, yMin, yMax]` (the
/// page keeps them while the fitted curve moves).
#[wasm_bindgen(js_name = dataBounds)]
pub fn data_bounds(
    train_xs: &[f32],
    train_ys: &[f32],
    test_xs: &[f32],
    test_ys: &[f32],
) -> Result<Vec<f64>, JsError> {
    let train = zip_points(train_xs, train_ys, "training points")?;
    let test = zip_points(test_xs, test_ys, "test points")?;
    let b = Bounds::of(&[&train, &test]).sane();
    Ok(vec![b.x.0, b.x.1, b.y.0, b.y.1])
}

/// The CSS custom properties a [`Plotter`] reads its colours from, in the order to pass them.
#[wasm_bindgen(js_name = plotCssProperties)]
pub fn plot_css_properties() -> Vec<String> {
    CSS_PROPERTIES.iter().map(|s| s.to_string()).collect()
}

/// Where a figure was drawn: the mapping between its data and CSS pixels from the canvas's
/// top-left corner, for pointer events.
#[wasm_bindgen]
pub struct PlotView {
    inner: View,
}

impl PlotView {
    /// A drawn figure's view, in CSS pixels.
    pub(super) fn from_view(v: View) -> PlotView {
        PlotView {
            inner: v.in_css_pixels(),
        }
    }
}

#[wasm_bindgen]
impl PlotView {
    /// The data point `[x, y]` at CSS pixel `(px, py)`.
    #[wasm_bindgen(js_name = toData)]
    pub fn to_data(&self, px: f64, py: f64) -> Vec<f64> {
        let (x, y) = self.inner.to_data(px, py);
        vec![x, y]
    }

    /// The CSS pixel `[px, py]` of data point `(x, y)`.
    #[wasm_bindgen(js_name = toPixel)]
    pub fn to_pixel(&self, x: f64, y: f64) -> Vec<f64> {
        let (px, py) = self.inner.to_pixel(x, y);
        vec![px, py]
    }

    /// Whether CSS pixel `(px, py)` lies in the plotting rectangle.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        self.inner.contains(px, py)
    }

    /// The plotting rectangle `[left, top, width, height]` in CSS pixels.
    #[wasm_bindgen(getter)]
    pub fn rect(&self) -> Vec<f64> {
        let v = &self.inner;
        vec![v.left, v.top, v.width, v.height]
    }

    /// The data ranges shown: `[xMin, xMax, yMin, yMax]`.
    #[wasm_bindgen(getter)]
    pub fn bounds(&self) -> Vec<f64> {
        let v = &self.inner;
        vec![v.x.0, v.x.1, v.y.0, v.y.1]
    }

    /// Whether y is on a log-10 scale.
    #[wasm_bindgen(getter, js_name = logY)]
    pub fn log_y(&self) -> bool {
        self.inner.log_y
    }
}

/// A bounded, downsampled loss history (see `nnplay::plot::LossHistory`): pushing a million
/// steps keeps as little as pushing a thousand, so drawing it costs the same.
#[wasm_bindgen]
pub struct LossHistory {
    inner: CoreLossHistory,
}

impl Default for LossHistory {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl LossHistory {
    /// An empty history.
    #[wasm_bindgen(constructor)]
    pub fn new() -> LossHistory {
        LossHistory {
            inner: CoreLossHistory::new(),
        }
    }

    /// Records the losses of the next `losses.length` steps.
    pub fn extend(&mut self, losses: &[f32]) {
        self.inner.extend(losses);
    }

    /// Steps recorded so far.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len().min(u32::MAX as usize) as u32
    }

    /// The last loss recorded (`undefined` when none).
    #[wasm_bindgen(getter)]
    pub fn last(&self) -> Option<f32> {
        self.inner.last()
    }

    /// Forgets every step.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}

/// Draws the page's figures onto canvases with one [`Theme`]: colours from the page's CSS
/// custom properties (rebuild it when the colour scheme changes) and translated legend words.
/// Each canvas's backing store follows its CSS size × `devicePixelRatio`.
#[wasm_bindgen]
pub struct Plotter {
    theme: Theme,
}

#[wasm_bindgen]
impl Plotter {
    /// A plotter with the light (or `dark`) preset colours; `setColour` then applies the
    /// page's CSS values.
    #[wasm_bindgen(constructor)]
    pub fn new(dark: bool) -> Plotter {
        Plotter {
            theme: if dark { Theme::dark() } else { Theme::light() },
        }
    }

    /// Sets a colour by CSS custom property name (see `plotCssProperties`) from `#rgb` or
    /// `#rrggbb`.
    #[wasm_bindgen(js_name = setColour)]
    pub fn set_colour(&mut self, name: &str, value: &str) -> Result<(), JsError> {
        self.theme.set(name, value).map_err(js)
    }

    /// The legend words: training points and loss, test points and cost, fitted curve.
    #[wasm_bindgen(js_name = setLabels)]
    pub fn set_labels(&mut self, train: String, test: String, fit: String) {
        self.theme.labels = Labels { train, test, fit };
    }

    /// The font family (a CSS list) and size in CSS pixels of the figures' text.
    #[wasm_bindgen(js_name = setFont)]
    pub fn set_font(&mut self, family: String, size: f64) -> Result<(), JsError> {
        if !(size.is_finite() && size > 0.0 && size <= 200.0) {
            return Err(JsError::new(&format!(
                "invalid font size: {size} (expected 0 < size ≤ 200 CSS pixels)"
            )));
        }
        self.theme.font_family = family;
        self.theme.font_size = size;
        Ok(())
    }

    pub(super) fn surface(
        &self,
        canvas: &HtmlCanvasElement,
    ) -> Result<(CanvasBackend, Theme), JsError> {
        let (backend, ratio) = plot::canvas::backend(canvas)
            .ok_or_else(|| JsError::new("plot: the canvas has no 2D context"))?;
        Ok((backend, self.theme.clone().with_pixel_ratio(ratio)))
    }

    /// Draws the training points (circles), the test points (triangles), the fitted curve
    /// `(curveXs, curveYs)` and, when `hoverX` is given, the hover marker at
    /// `(hoverX, hoverY)`. `bounds` (`[xMin, xMax, yMin, yMax]`) fixes the ranges; without
    /// it they fit the points. Returns the figure's view in CSS pixels.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawScatter)]
    pub fn draw_scatter(
        &self,
        canvas: &HtmlCanvasElement,
        train_xs: &[f32],
        train_ys: &[f32],
        test_xs: &[f32],
        test_ys: &[f32],
        curve_xs: &[f32],
        curve_ys: &[f32],
        hover_x: Option<f32>,
        hover_y: Option<f32>,
        bounds: Option<Vec<f64>>,
    ) -> Result<PlotView, JsError> {
        let [train, test, curve] = scatter_points(
            (train_xs, train_ys),
            (test_xs, test_ys),
            (curve_xs, curve_ys),
        )?;
        let data = ScatterData {
            train: &train,
            test: &test,
            curve: &curve,
            hover: hover_x.map(|x| (x, hover_y.unwrap_or(f32::NAN))),
        };
        let bounds = bounds_from(bounds)?;
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::scatter_fit(backend, &theme, &data, bounds).map_err(js)?;
        Ok(PlotView::from_view(v))
    }

    /// Draws the training loss of `history` as a line and the test cost at `testSteps`
    /// (`testCosts`, triangles), on a log-10 y axis if `logScale`. Returns the view.
    #[wasm_bindgen(js_name = drawLoss)]
    pub fn draw_loss(
        &self,
        canvas: &HtmlCanvasElement,
        history: &LossHistory,
        log_scale: bool,
        test_steps: &[u32],
        test_costs: &[f32],
    ) -> Result<PlotView, JsError> {
        if test_steps.len() != test_costs.len() {
            return Err(JsError::new(&format!(
                "invalid test points: {} steps but {} costs",
                test_steps.len(),
                test_costs.len()
            )));
        }
        let test: Vec<(usize, f32)> = test_steps
            .iter()
            .zip(test_costs)
            .map(|(&s, &c)| (s as usize, c))
            .collect();
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::loss_curve(backend, &theme, &history.inner, log_scale, &test).map_err(js)?;
        Ok(PlotView::from_view(v))
    }

    /// Draws one panel of the 5 × 2 grid: the points, the fitted curve (none when empty) and
    /// `caption` above it (none when empty); small canvases get a frame instead of axes.
    /// Pass the same `bounds` to every panel so that they compare. Returns the view.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawPanel)]
    pub fn draw_panel(
        &self,
        canvas: &HtmlCanvasElement,
        train_xs: &[f32],
        train_ys: &[f32],
        test_xs: &[f32],
        test_ys: &[f32],
        curve_xs: &[f32],
        curve_ys: &[f32],
        caption: &str,
        bounds: Option<Vec<f64>>,
    ) -> Result<PlotView, JsError> {
        let [train, test, curve] = scatter_points(
            (train_xs, train_ys),
            (test_xs, test_ys),
            (curve_xs, curve_ys),
        )?;
        let data = ScatterData {
            train: &train,
            test: &test,
            curve: &curve,
            hover: None,
        };
        let bounds = bounds_from(bounds)?;
        let (backend, theme) = self.surface(canvas)?;
        let v = plot::grid_panel(backend, &theme, &data, caption, bounds).map_err(js)?;
        Ok(PlotView::from_view(v))
    }
}
