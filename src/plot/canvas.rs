//! The page's drawing surface (wasm32 only): a `<canvas>` as a plotters backend at the
//! device pixel ratio, so figures stay sharp on high-DPI screens.
//!
//! ```ignore
//! let (backend, ratio) = plot::canvas::backend(&canvas).ok_or(…)?;
//! let theme = theme.clone().with_pixel_ratio(ratio);
//! let view = plot::scatter_fit(backend, &theme, &data, bounds)?.in_css_pixels();
//! ```

use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

/// Sizes `canvas`'s backing store to its CSS size × `window.devicePixelRatio` (resizing only
/// when that changed, since a resize clears it) and wraps it as a backend. Returns the
/// backend and the pixel ratio to give [`super::Theme::with_pixel_ratio`]; `None` when the
/// canvas has no 2D context.
pub fn backend(canvas: &HtmlCanvasElement) -> Option<(CanvasBackend, f64)> {
    let ratio = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(1.0);
    let rect = canvas.get_bounding_client_rect();
    // A hidden canvas measures 0 × 0; keep one pixel so drawing still succeeds.
    let w = ((rect.width() * ratio).round() as u32).max(1);
    let h = ((rect.height() * ratio).round() as u32).max(1);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    CanvasBackend::with_canvas_object(canvas.clone()).map(|b| (b, ratio))
}

/// [`backend`] for the canvas with id `id`; `None` if there is no such canvas.
pub fn backend_by_id(id: &str) -> Option<(CanvasBackend, f64)> {
    let canvas = web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<HtmlCanvasElement>()
        .ok()?;
    backend(&canvas)
}
