//! Colours, font and pixel ratio of the figures.

use crate::error::{Error, Result};
use plotters::style::RGBColor;

/// The words the figures write themselves (legends); the page passes its translations.
#[derive(Clone, Debug, PartialEq)]
pub struct Labels {
    /// The training points and the training loss.
    pub train: String,
    /// The test points and the test cost.
    pub test: String,
    /// The fitted curve.
    pub fit: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            train: "train".into(),
            test: "test".into(),
            fit: "fit".into(),
        }
    }
}

/// How the figures look: colours (Okabe–Ito, as `www/style.css`), font and pixel ratio.
///
/// Sizes (font, point radii, line widths, margins) are in CSS pixels and multiplied by
/// [`Theme::pixel_ratio`], so that a canvas sized `css × devicePixelRatio` stays sharp.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Figure background (`--plot-bg`).
    pub background: RGBColor,
    /// Legend and caption text (`--fg`).
    pub foreground: RGBColor,
    /// Tick labels and the plot frame (`--muted`).
    pub muted: RGBColor,
    /// Grid lines (`--plot-grid`).
    pub grid: RGBColor,
    /// Training points, circles (`--c-train`).
    pub train: RGBColor,
    /// Test points, triangles (`--c-test`).
    pub test: RGBColor,
    /// The fitted curve (`--c-fit`).
    pub curve: RGBColor,
    /// The training loss line (`--c-loss-train`, else `--c-train`).
    pub loss_train: RGBColor,
    /// The test cost markers (`--c-loss-test`, else `--c-test`).
    pub loss_test: RGBColor,
    /// CSS font family list, e.g. `system-ui, sans-serif`.
    pub font_family: String,
    /// Font size in CSS pixels.
    pub font_size: f64,
    /// Device pixels per CSS pixel (`window.devicePixelRatio` on the page, 1 for SVG).
    pub pixel_ratio: f64,
    /// Factor on font sizes handed to the backend: plotters' SVG backend writes
    /// `font-size = size / 1.24`, so the `*_svg` functions set 1.24 to get `font_size` pixels.
    pub text_scale: f64,
    /// Legend words.
    pub labels: Labels,
}

/// The CSS custom properties [`Theme::set`] understands, in the order the page should pass
/// them (the loss colours after the point colours they default to).
pub const CSS_PROPERTIES: [&str; 9] = [
    "--plot-bg",
    "--fg",
    "--muted",
    "--plot-grid",
    "--c-train",
    "--c-test",
    "--c-fit",
    "--c-loss-train",
    "--c-loss-test",
];

const fn hex(v: u32) -> RGBColor {
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

impl Theme {
    /// The light preset (`:root` of `www/style.css`).
    pub fn light() -> Self {
        Theme {
            background: hex(0xffffff),
            foreground: hex(0x1d2125),
            muted: hex(0x5b6570),
            grid: hex(0xe6e9ed),
            train: hex(0x0072b2),
            test: hex(0xd55e00),
            curve: hex(0x1d2125),
            loss_train: hex(0x0072b2),
            loss_test: hex(0xd55e00),
            font_family: "system-ui, sans-serif".into(),
            font_size: 12.0,
            pixel_ratio: 1.0,
            text_scale: 1.0,
            labels: Labels::default(),
        }
    }

    /// The dark preset (`prefers-color-scheme: dark` in `www/style.css`).
    pub fn dark() -> Self {
        Theme {
            background: hex(0x1d2125),
            foreground: hex(0xe8eaed),
            muted: hex(0xa3acb6),
            grid: hex(0x2c3238),
            train: hex(0x56b4e9),
            test: hex(0xe69f00),
            curve: hex(0xf0e442),
            loss_train: hex(0x56b4e9),
            loss_test: hex(0xe69f00),
            ..Theme::light()
        }
    }

    /// This theme at another pixel ratio (non-finite or non-positive ratios count as 1).
    pub fn with_pixel_ratio(mut self, ratio: f64) -> Self {
        self.pixel_ratio = if ratio.is_finite() && ratio > 0.0 {
            ratio.min(16.0)
        } else {
            1.0
        };
        self
    }

    /// Sets one colour from a hex string (`#rgb` or `#rrggbb`), by CSS custom property name
    /// (see [`CSS_PROPERTIES`], with or without the leading `--`) or by field name.
    /// `--c-train`/`--c-test` also set the loss colours, which `--c-loss-*` can then override.
    ///
    /// # Errors
    /// [`Error::UnknownName`] for another name, [`Error::InvalidParameter`] for a bad colour.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let c = parse_hex(value).ok_or_else(|| {
            Error::invalid(
                format!("colour {name}"),
                format!("'{value}' is not #rgb or #rrggbb"),
            )
        })?;
        match name.trim().trim_start_matches("--") {
            "plot-bg" | "background" => self.background = c,
            "fg" | "foreground" => self.foreground = c,
            "muted" => self.muted = c,
            "plot-grid" | "grid" => self.grid = c,
            "c-train" | "train" => {
                self.train = c;
                self.loss_train = c;
            }
            "c-test" | "test" => {
                self.test = c;
                self.loss_test = c;
            }
            "c-fit" | "curve" => self.curve = c,
            "c-loss-train" | "loss_train" => self.loss_train = c,
            "c-loss-test" | "loss_test" => self.loss_test = c,
            other => return Err(Error::unknown("theme colour", other, &CSS_PROPERTIES)),
        }
        Ok(())
    }

    /// A theme from `(name, hex)` pairs applied in order over `base` (see [`Theme::set`]).
    ///
    /// # Errors
    /// As [`Theme::set`].
    pub fn from_pairs(base: Theme, pairs: &[(&str, &str)]) -> Result<Self> {
        let mut t = base;
        for (name, value) in pairs {
            t.set(name, value)?;
        }
        Ok(t)
    }

    /// `css` CSS pixels in device pixels.
    pub(crate) fn px(&self, css: f64) -> f64 {
        css * self.pixel_ratio
    }

    /// A line width or radius in whole device pixels, at least 1.
    pub(crate) fn upx(&self, css: f64) -> u32 {
        self.px(css).round().max(1.0) as u32
    }
}

/// Parses `#rgb` or `#rrggbb` (the `#` optional, surrounding space ignored).
pub fn parse_hex(s: &str) -> Option<RGBColor> {
    let s = s.trim();
    let s = s.strip_prefix('#').unwrap_or(s);
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = u32::from_str_radix(s, 16).ok()?;
    match s.len() {
        6 => Some(hex(v)),
        3 => {
            let d = |n: u32| ((v >> n) & 0xf) as u8 * 17;
            Some(RGBColor(d(8), d(4), d(0)))
        }
        _ => None,
    }
}

/// WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white).
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    fn luminance(c: RGBColor) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.040_45 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
    }
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_strings() {
        assert_eq!(parse_hex("#0072b2"), Some(RGBColor(0, 114, 178)));
        assert_eq!(parse_hex(" 0072B2 "), Some(RGBColor(0, 114, 178)));
        assert_eq!(parse_hex("#fa0"), Some(RGBColor(255, 170, 0)));
        for bad in [
            "", "#", "#12", "#12345", "#1234567", "#gg0000", "#+12345", "red",
        ] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn set_by_css_name() {
        let mut t = Theme::light();
        t.set("--c-train", "#123456").unwrap();
        assert_eq!(t.train, RGBColor(0x12, 0x34, 0x56));
        assert_eq!(t.loss_train, t.train, "the loss follows the train colour");
        t.set("--c-loss-train", "#000").unwrap();
        assert_eq!(t.loss_train, RGBColor(0, 0, 0));
        assert_eq!(t.train, RGBColor(0x12, 0x34, 0x56));
        assert!(t.set("--nope", "#000").is_err());
        assert!(t.set("--fg", "rgb(0,0,0)").is_err());
        // The dark preset rebuilt from its CSS values is the dark preset.
        let d = Theme::dark();
        let css = [
            ("--plot-bg", "#1d2125"),
            ("--fg", "#e8eaed"),
            ("--muted", "#a3acb6"),
            ("--plot-grid", "#2c3238"),
            ("--c-train", "#56b4e9"),
            ("--c-test", "#e69f00"),
            ("--c-fit", "#f0e442"),
        ];
        assert_eq!(Theme::from_pairs(Theme::light(), &css).unwrap(), d);
    }

    #[test]
    fn presets_are_accessible() {
        for t in [Theme::light(), Theme::dark()] {
            // Text: WCAG AA (4.5:1); marks and lines: non-text contrast (3:1).
            assert!(contrast(t.foreground, t.background) >= 4.5);
            assert!(contrast(t.muted, t.background) >= 4.5);
            for c in [t.train, t.test, t.curve, t.loss_train, t.loss_test] {
                assert!(contrast(c, t.background) >= 3.0, "{c:?}");
            }
            assert_ne!(t.train, t.test);
        }
        assert!((contrast(RGBColor(0, 0, 0), RGBColor(255, 255, 255)) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn pixel_ratio_is_sane() {
        assert_eq!(Theme::light().with_pixel_ratio(f64::NAN).pixel_ratio, 1.0);
        assert_eq!(Theme::light().with_pixel_ratio(-2.0).pixel_ratio, 1.0);
        let t = Theme::light().with_pixel_ratio(2.0);
        assert_eq!(t.upx(2.5), 5);
        assert_eq!(Theme::light().with_pixel_ratio(0.1).upx(1.0), 1);
    }
}
