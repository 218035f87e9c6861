//! The figures drawn to SVG: they render for normal, empty, single, non-finite, flat and huge
//! data, and what they draw (markers, curves, captions) is where their `View` says.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::plot::{self, Bounds, LossHistory, Panel, ScatterData, Theme, View};
use nnplay::Activation;

/// One SVG element: its tag and attributes.
struct El {
    tag: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl El {
    fn get(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.tag))
    }
    fn num(&self, name: &str) -> f64 {
        self.get(name).parse().unwrap()
    }
    fn points(&self) -> Vec<(f64, f64)> {
        self.get("points")
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }
}

/// The elements of an SVG document (plotters writes one per line, attributes quoted).
fn parse(svg: &str) -> Vec<El> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap();
        let body = &rest[..end];
        if body.starts_with('/') || body.starts_with('?') {
            continue;
        }
        let tag: String = body.chars().take_while(|c| c.is_alphanumeric()).collect();
        let mut attrs = Vec::new();
        let mut a = &body[tag.len()..];
        while let Some(eq) = a.find("=\"") {
            let name = a[..eq].trim().to_string();
            let v_end = a[eq + 2..].find('"').unwrap();
            attrs.push((name, a[eq + 2..eq + 2 + v_end].to_string()));
            a = &a[eq + 3 + v_end..];
        }
        let text = if tag == "text" {
            rest[end + 1..rest.find("</text>").unwrap()]
                .trim()
                .to_string()
        } else {
            String::new()
        };
        out.push(El { tag, attrs, text });
    }
    out
}

fn tags<'a>(els: &'a [El], tag: &str) -> Vec<&'a El> {
    els.iter().filter(|e| e.tag == tag).collect()
}

/// Elements of `tag` drawn in `colour` (fill or stroke).
fn in_colour<'a>(els: &'a [El], tag: &str, colour: plot::RGBColor) -> Vec<&'a El> {
    let hex = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
    els.iter()
        .filter(|e| e.tag == tag)
        .filter(|e| {
            e.attrs
                .iter()
                .any(|(n, v)| (n == "fill" || n == "stroke") && *v == hex)
        })
        .collect()
}

fn texts(els: &[El]) -> Vec<&str> {
    els.iter()
        .filter(|e| e.tag == "text")
        .map(|e| e.text.as_str())
        .collect()
}

/// Every coordinate the SVG draws lies on its canvas (no overflow from huge values).
fn all_on_canvas(els: &[El], (w, h): (u32, u32)) {
    let (w, h) = (f64::from(w), f64::from(h));
    let ok = |x: f64, y: f64| (-1.0..=w + 1.0).contains(&x) && (-1.0..=h + 1.0).contains(&y);
    for e in els {
        match e.tag.as_str() {
            "polyline" | "polygon" => {
                for (x, y) in e.points() {
                    assert!(ok(x, y), "<{}> at ({x}, {y})", e.tag);
                }
            }
            "circle" | "text" => {
                let (x, y) = if e.tag == "circle" {
                    (e.num("cx"), e.num("cy"))
                } else {
                    (e.num("x"), e.num("y"))
                };
                assert!(ok(x, y), "<{}> at ({x}, {y})", e.tag);
            }
            _ => {}
        }
    }
}

const SIZE: (u32, u32) = (640, 400);

fn line(n: usize, f: impl Fn(f32) -> f32) -> Vec<(f32, f32)> {
    (0..n)
        .map(|i| {
            let x = -3.0 + 6.0 * i as f32 / (n - 1).max(1) as f32;
            (x, f(x))
        })
        .collect()
}

fn scatter(data: &ScatterData, bounds: Option<Bounds>) -> (Vec<El>, View) {
    let (svg, v) = plot::scatter_fit_svg_string(&Theme::light(), SIZE, data, bounds).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let els = parse(&svg);
    all_on_canvas(&els, SIZE);
    (els, v)
}

#[test]
fn scatter_draws_every_point_where_the_view_says() {
    let t = Theme::light();
    let train = line(30, |x| 0.5 * x + 2.0 + (x * 7.0).sin() * 0.3);
    let test = line(10, |x| 0.5 * x + 2.1);
    let curve = line(50, |x| 0.5 * x + 2.0);
    let data = ScatterData {
        train: &train,
        test: &test,
        curve: &curve,
        hover: None,
    };
    let (els, v) = scatter(&data, None);
    // Markers: one per point, plus one in the legend.
    let dots = in_colour(&els, "circle", t.train);
    assert_eq!(dots.len(), train.len() + 1);
    assert_eq!(in_colour(&els, "polygon", t.test).len(), test.len() + 1);
    // Each training point's circle sits at the view's pixel for it.
    for (x, y) in &train {
        let (px, py) = v.to_pixel(f64::from(*x), f64::from(*y));
        assert!(
            dots.iter()
                .any(|c| (c.num("cx") - px).abs() <= 0.5 && (c.num("cy") - py).abs() <= 0.5),
            "no circle at ({px}, {py})"
        );
        assert!(v.contains(px, py));
    }
    // The curve: one polyline from the left to the right of the data, following y.
    let curves: Vec<_> = in_colour(&els, "polyline", t.curve)
        .into_iter()
        .filter(|p| p.points().len() > 2)
        .collect();
    assert_eq!(curves.len(), 1);
    let pts = curves[0].points();
    let (x0, y0) = v.to_data(pts[0].0, pts[0].1);
    assert!(
        (x0 + 3.0).abs() < 0.05 && (y0 - 0.5).abs() < 0.05,
        "{x0} {y0}"
    );
    // Axes: tick labels and the legend.
    let words = texts(&els);
    for w in ["train", "test", "fit", "0", "2"] {
        assert!(words.contains(&w), "{w} missing from {words:?}");
    }
    // The frame is the view's rectangle.
    let frame = in_colour(&els, "rect", t.muted);
    assert_eq!(frame.len(), 1);
    assert!((frame[0].num("x") - v.left).abs() <= 0.5);
    assert!((frame[0].num("width") - v.width).abs() <= 1.0);
}

#[test]
fn scatter_keeps_given_bounds_and_hides_points_outside() {
    let t = Theme::light();
    let train = [(0.0, 0.0), (1.0, 1.0), (50.0, 50.0)];
    let b = Bounds {
        x: (-1.0, 2.0),
        y: (-1.0, 2.0),
    };
    let data = ScatterData {
        train: &train,
        hover: Some((0.5, 0.5)),
        ..ScatterData::default()
    };
    let (els, v) = scatter(&data, Some(b));
    assert_eq!(v.bounds(), b);
    assert_eq!(in_colour(&els, "circle", t.train).len(), 2 + 1);
    // The hover dot is in the curve's colour, at the hover point.
    let hover = in_colour(&els, "circle", t.curve);
    assert_eq!(hover.len(), 1);
    let (px, py) = v.to_pixel(0.5, 0.5);
    assert!((hover[0].num("cx") - px).abs() <= 0.5 && (hover[0].num("cy") - py).abs() <= 0.5);
}

#[test]
fn scatter_survives_odd_data() {
    let t = Theme::light();
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    // (what, points, how many are drawn)
    type Case<'a> = (&'a str, &'a [(f32, f32)], usize);
    let cases: [Case; 7] = [
        ("empty", &[], 0),
        ("single", &[(1.0, 2.0)], 1),
        (
            "non-finite",
            &[(0.0, 1.0), (nan, 1.0), (1.0, inf), (2.0, -inf), (3.0, 2.0)],
            2,
        ),
        ("flat", &[(0.0, 5.0), (1.0, 5.0), (2.0, 5.0)], 3),
        ("same x", &[(1.0, 0.0), (1.0, 1.0)], 2),
        ("huge", &[(-3e38, 3e38), (3e38, -3e38), (0.0, 1e30)], 3),
        ("tiny", &[(0.0, 1e-30), (1e-30, 0.0)], 2),
    ];
    for (what, pts, drawn) in cases {
        let data = ScatterData {
            train: pts,
            test: pts,
            curve: pts,
            hover: Some((nan, nan)),
        };
        let (els, v) = scatter(&data, None);
        assert_eq!(
            in_colour(&els, "circle", t.train).len(),
            drawn + 1,
            "{what}"
        );
        assert_eq!(
            in_colour(&els, "polygon", t.test).len(),
            drawn + 1,
            "{what}"
        );
        assert!(v.x.1 > v.x.0 && v.y.1 > v.y.0, "{what}");
        assert!(v.width > 0.0 && v.height > 0.0, "{what}");
    }
    // A curve that shoots off the plot is clipped to it, not drawn to ±2³¹.
    let curve = [(0.0, 0.0), (1.0, 1e38), (2.0, 0.5)];
    let b = Bounds {
        x: (0.0, 2.0),
        y: (0.0, 1.0),
    };
    let data = ScatterData {
        curve: &curve,
        ..ScatterData::default()
    };
    let (els, v) = scatter(&data, Some(b));
    let runs = in_colour(&els, "polyline", t.curve);
    assert_eq!(runs.len(), 2 + 1, "two clipped pieces and the legend line");
    for p in runs.iter().flat_map(|r| r.points()) {
        assert!(v.contains(p.0, p.1) || p.1 < v.top + 40.0, "{p:?}");
    }
    // Degenerate bounds given by the caller are widened, not divided by.
    let flat = Bounds {
        x: (1.0, 1.0),
        y: (f64::NAN, f64::NAN),
    };
    let (_, v) = scatter(&ScatterData::default(), Some(flat));
    assert!(v.x.1 > v.x.0 && v.y.1 > v.y.0);
    assert!(v.to_pixel(1.0, 0.0).0.is_finite());
}

#[test]
fn sizes_follow_the_pixel_ratio() {
    let pts = [(0.0, 0.0), (1.0, 1.0)];
    let data = ScatterData {
        train: &pts,
        ..ScatterData::default()
    };
    let radius = |ratio: f64| {
        let t = Theme::light().with_pixel_ratio(ratio);
        let (svg, v) = plot::scatter_fit_svg_string(&t, (1280, 800), &data, None).unwrap();
        let els = parse(&svg);
        let r = in_colour(&els, "circle", t.train)[0].num("r");
        let font = tags(&els, "text")[0].num("font-size");
        (r, font, v)
    };
    let (r1, f1, v1) = radius(1.0);
    let (r2, f2, v2) = radius(2.0);
    assert_eq!((r1, r2), (3.0, 6.0));
    // The SVG functions compensate plotters' 1/1.24 font scaling: 12 px text is 12 px.
    assert!(
        (f1 - 12.0).abs() < 1e-9 && (f2 - 24.0).abs() < 1e-9,
        "{f1} {f2}"
    );
    assert!(v2.left > v1.left && v2.top > v1.top);
    assert_eq!(v2.pixel_ratio, 2.0);
    assert!((v2.in_css_pixels().left - v2.left / 2.0).abs() < 1e-9);
}

#[test]
fn loss_curve_is_bounded_and_skips_non_finite() {
    let t = Theme::light();
    let mut h = LossHistory::new();
    for i in 0..200_000 {
        let l = 10.0 / (1.0 + i as f32 / 100.0);
        h.push(if i == 5000 { f32::NAN } else { l });
    }
    let test = [
        (0, 9.0),
        (100_000, 0.02),
        (150_000, f32::NAN),
        (199_999, 0.0),
    ];
    for log in [false, true] {
        let (svg, v) = plot::loss_svg_string(&t, SIZE, &h, log, &test).unwrap();
        let els = parse(&svg);
        all_on_canvas(&els, SIZE);
        assert_eq!(v.log_y, log);
        let points: usize = in_colour(&els, "polyline", t.loss_train)
            .iter()
            .map(|p| p.points().len())
            .sum();
        assert!(points > 50, "the loss line is drawn ({points} points)");
        assert!(
            points <= 2 * h.capacity() + 2,
            "{points} points for 200k steps"
        );
        // Test cost markers: NaN skipped, and 0 too on a log axis; plus the legend's.
        let markers = in_colour(&els, "polygon", t.loss_test).len();
        assert_eq!(markers, if log { 2 } else { 3 } + 1, "log={log}");
        assert!(v.x.1 >= 199_999.0);
        let words = texts(&els);
        assert!(words.iter().any(|w| w.ends_with('k')), "{words:?}");
        if log {
            assert!(v.y.0 > 0.0);
            assert!(words.contains(&"1") && words.contains(&"0.1"), "{words:?}");
        } else {
            assert!(v.y.0 <= 0.0);
        }
    }
    // Empty, all-NaN, flat and huge histories still draw.
    let mut flat = LossHistory::new();
    flat.extend(&[0.5; 100]);
    let mut nan = LossHistory::new();
    nan.extend(&[f32::NAN; 10]);
    let mut huge = LossHistory::new();
    huge.extend(&[3e38, 1e-38, f32::INFINITY, 1.0]);
    for h in [LossHistory::new(), nan, flat, huge] {
        for log in [false, true] {
            let (svg, v) = plot::loss_svg_string(&t, SIZE, &h, log, &[]).unwrap();
            all_on_canvas(&parse(&svg), SIZE);
            assert!(v.y.1 > v.y.0 && v.x.1 > v.x.0);
        }
    }
}

fn panels(n: usize) -> Vec<Panel> {
    (0..n)
        .map(|k| Panel {
            cost: 1.0 / (k + 1) as f32,
            k: k + 1,
            // Predictions at unsorted inputs, as the CLI passes them.
            fit: vec![(2.0, 0.1 * k as f32), (-2.0, -0.1 * k as f32), (0.0, 0.0)],
        })
        .collect()
}

#[test]
fn grid_has_ten_captioned_panels() {
    let t = Theme::light();
    let points = line(40, |x| 0.5 * x + 2.0);
    let size = plot::GRID_SVG_SIZE;
    let svg = plot::grid_svg_string(&t, size, &points, &panels(10)).unwrap();
    let els = parse(&svg);
    all_on_canvas(&els, size);
    let words = texts(&els);
    for p in panels(10) {
        assert!(words.contains(&p.caption().as_str()), "{}", p.caption());
    }
    assert_eq!(in_colour(&els, "polygon", t.test).len(), 10 * points.len());
    let lines = in_colour(&els, "polyline", t.curve);
    assert_eq!(lines.len(), 10);
    // Each panel's line was sorted by x: drawn left to right.
    for l in &lines {
        let p = l.points();
        assert!(p.windows(2).all(|w| w[0].0 <= w[1].0));
    }
    // The views are the cells of a 5 × 2 grid, all on the same ranges.
    let mut s = String::new();
    let views = plot::grid(
        plotters::prelude::SVGBackend::with_string(&mut s, size),
        &t,
        &points,
        &panels(10),
    )
    .unwrap();
    assert_eq!(views.len(), 10);
    for (i, v) in views.iter().enumerate() {
        let (row, col) = (i / 2, i % 2);
        assert!(v.left > 500.0 * col as f64 && v.left + v.width <= 500.0 * (col + 1) as f64);
        assert!(v.top > 300.0 * row as f64 && v.top + v.height <= 300.0 * (row + 1) as f64);
        assert_eq!(v.bounds(), views[0].bounds());
    }
    // Fewer panels than cells, and none.
    for n in [0, 3] {
        let svg = plot::grid_svg_string(&t, size, &points, &panels(n)).unwrap();
        assert_eq!(in_colour(&parse(&svg), "polyline", t.curve).len(), n);
    }
}

#[test]
fn grid_svg_writes_the_file() {
    let dir = std::env::temp_dir().join(format!("nnplay-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("grid.svg");
    let path = path.to_str().unwrap();
    plot::grid_svg(path, &line(40, |x| x), &panels(10)).unwrap();
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.contains("cost=0.1000 k=10"));
    assert!(svg.starts_with("<svg") && svg.contains("width=\"1000\""));
    let bad = dir.join("no/such/dir.svg");
    assert!(plot::grid_svg(bad.to_str().unwrap(), &[], &[]).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn small_panels_have_a_frame_and_no_ticks() {
    let t = Theme::dark();
    let train = line(20, |x| x);
    let test = line(5, |x| x);
    let curve = line(2, |x| x);
    let data = ScatterData {
        train: &train,
        test: &test,
        curve: &curve,
        hover: None,
    };
    let draw = |size: (u32, u32), caption: &str| {
        let mut s = String::new();
        let b = plotters::prelude::SVGBackend::with_string(&mut s, size);
        let v = plot::grid_panel(b, &t, &data, caption, None).unwrap();
        (parse(&s), v)
    };
    let (els, v) = draw((150, 100), "");
    assert!(texts(&els).is_empty());
    assert_eq!(in_colour(&els, "circle", t.train).len(), 20);
    assert_eq!(in_colour(&els, "polygon", t.test).len(), 5);
    assert_eq!(in_colour(&els, "rect", t.grid).len(), 1);
    assert!(v.width > 130.0);
    // The dark background fills the panel.
    assert_eq!(in_colour(&els, "rect", t.background).len(), 1);
    let (els, v) = draw((400, 300), "step 200");
    let words = texts(&els);
    assert!(words.contains(&"step 200") && words.len() > 3, "{words:?}");
    assert!(v.top > 20.0, "room for the caption");
    // Nothing at all to draw.
    let mut s = String::new();
    let b = plotters::prelude::SVGBackend::with_string(&mut s, (1, 1));
    plot::grid_panel(b, &t, &ScatterData::default(), "x", None).unwrap();
}

#[test]
fn every_activation_draws_with_its_derivative() {
    let t = Theme::light();
    for (name, act) in Activation::ALL {
        let (svg, v) = plot::activation_svg_string(&t, SIZE, act, (-5.0, 5.0)).unwrap();
        let els = parse(&svg);
        all_on_canvas(&els, SIZE);
        let words = texts(&els);
        assert!(words.contains(&format!("{name}(x)").as_str()), "{words:?}");
        assert!(words.contains(&format!("{name}′(x)").as_str()));
        assert!(!in_colour(&els, "polyline", t.train).is_empty(), "{name}");
        // The dashed derivative comes in many short pieces.
        assert!(in_colour(&els, "polyline", t.test).len() > 5, "{name}");
        assert_eq!(v.x, (-5.0, 5.0));
        // relu's line passes through the origin where the view puts it.
        if act == Activation::Relu {
            let (px, py) = v.to_pixel(3.0, 3.0);
            let on = in_colour(&els, "polyline", t.train)
                .iter()
                .flat_map(|p| p.points())
                .any(|p| (p.0 - px).abs() <= 2.0 && (p.1 - py).abs() <= 2.0);
            assert!(on, "relu(3) = 3 not on the line");
        }
    }
    // An empty or reversed range still draws.
    for r in [(1.0, 1.0), (5.0, -5.0), (f32::NAN, 1.0)] {
        let (_, v) = plot::activation_svg_string(&t, SIZE, Activation::Tanh, r).unwrap();
        assert!(v.x.1 > v.x.0);
    }
}

#[test]
fn fit_xs_span_the_bounds_evenly() {
    let xs = plot::fit_xs(-1.5, 2.5);
    assert_eq!(xs.len(), plot::FIT_POINTS);
    assert_eq!((xs[0], xs[xs.len() - 1]), (-1.5, 2.5));
    let step = 4.0 / (plot::FIT_POINTS - 1) as f64;
    for (i, x) in xs.iter().enumerate() {
        assert_eq!(
            *x,
            (-1.5 + 4.0 * i as f64 / (plot::FIT_POINTS - 1) as f64) as f32
        );
        assert!(i == 0 || (f64::from(*x) - f64::from(xs[i - 1]) - step).abs() < 1e-6);
    }
}

#[test]
fn the_grid_keeps_a_panel_after_each_multiple_of_grid_every() {
    let steps = |n| plot::grid_steps(n).collect::<Vec<_>>();
    assert_eq!(
        steps(1000),
        (0..10).map(|k| k * plot::GRID_EVERY).collect::<Vec<_>>()
    );
    assert_eq!(steps(301), vec![0, 100, 200, 300]);
    assert_eq!(steps(1), vec![0]);
    assert!(steps(0).is_empty());
    assert_eq!(steps(1200).len(), 12);
}
