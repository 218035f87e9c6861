//! The story's numbers, each against an independent reference: the landscape against the MSE
//! computed point by point, the optimum against the vanishing gradient of that MSE, the
//! engine's gradients against the MSE formula and finite differences, a hidden neuron's
//! output against the model's own `predict`.
#![cfg(not(target_arch = "wasm32"))]

use nnplay::plot::{self, Theme};
use nnplay::story::{
    landscape_window, neuron, Learner, LossGrid, Moments, Network, Stack, DRAWN_UNITS,
};
use nnplay::{Activation, Config, Loss, Optimizer, Tensor};
use plotters::prelude::SVGBackend;

/// The tutorial's points: 160 training points of y = 0.5x + 2 + noise.
fn tutorial_points() -> (Vec<f32>, Vec<f32>) {
    let d = Config::default().dataset().unwrap();
    (d.x_train.into_vec(), d.y_train.into_vec())
}

/// The MSE of `w·x + b` in f64, point by point.
fn direct_mse(xs: &[f32], ys: &[f32], w: f64, b: f64) -> f64 {
    let sum: f64 = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| (w * f64::from(x) + b - f64::from(y)).powi(2))
        .sum();
    sum / xs.len() as f64
}

#[test]
fn landscape_matches_the_mse_point_by_point() {
    let (xs, ys) = tutorial_points();
    let grid = LossGrid::mse(&xs, &ys, (-2.0, 3.0), (-1.0, 4.0), 17, 11).unwrap();
    assert_eq!(grid.values.len(), 17 * 11);
    for r in 0..11 {
        let b = 4.0 - 5.0 * (r as f64 + 0.5) / 11.0;
        for c in 0..17 {
            let w = -2.0 + 5.0 * (c as f64 + 0.5) / 17.0;
            let want = direct_mse(&xs, &ys, w, b);
            let got = f64::from(grid.values[r * 17 + c]);
            assert!(
                (got - want).abs() <= 1e-6 * want.max(1.0),
                "({w}, {b}): {got} vs {want}"
            );
            // And against the engine's own loss definition, in f32.
            let pred: Vec<f32> = xs
                .iter()
                .map(|&x| (w as f32).mul_add(x, b as f32))
                .collect();
            let keras = f64::from(Loss::Mse.mean(&pred, &ys));
            assert!(
                (got - keras).abs() <= 1e-4 * keras.max(1.0),
                "{got} vs {keras}"
            );
        }
    }
}

#[test]
fn landscape_refuses_bad_input() {
    let (xs, ys) = tutorial_points();
    assert!(LossGrid::mse(&xs, &ys[1..], (0.0, 1.0), (0.0, 1.0), 4, 4).is_err());
    assert!(LossGrid::mse(&[], &[], (0.0, 1.0), (0.0, 1.0), 4, 4).is_err());
    assert!(LossGrid::mse(&xs, &ys, (1.0, 0.0), (0.0, 1.0), 4, 4).is_err());
    assert!(LossGrid::mse(&xs, &ys, (0.0, f64::NAN), (0.0, 1.0), 4, 4).is_err());
    assert!(LossGrid::mse(&xs, &ys, (0.0, 1.0), (0.0, 1.0), 0, 4).is_err());
    assert!(LossGrid::mse(&[f32::NAN], &[1.0], (0.0, 1.0), (0.0, 1.0), 4, 4).is_err());
}

#[test]
fn optimum_is_least_squares() {
    // Exact points: the optimum is the line itself.
    let xs: Vec<f32> = (0..21).map(|i| -1.0 + i as f32 * 0.1).collect();
    let ys: Vec<f32> = xs.iter().map(|&x| 0.5 * x + 2.0).collect();
    let (w, b) = Moments::of(&xs, &ys).unwrap().least_squares().unwrap();
    assert!((w - 0.5).abs() < 1e-6 && (b - 2.0).abs() < 1e-6, "{w} {b}");
    // Noisy points: both partial derivatives of the point-by-point MSE vanish there, and
    // every nearby (w, b) is worse.
    let (xs, ys) = tutorial_points();
    let m = Moments::of(&xs, &ys).unwrap();
    let (w, b) = m.least_squares().unwrap();
    let h = 1e-5;
    let dw = (direct_mse(&xs, &ys, w + h, b) - direct_mse(&xs, &ys, w - h, b)) / (2.0 * h);
    let db = (direct_mse(&xs, &ys, w, b + h) - direct_mse(&xs, &ys, w, b - h)) / (2.0 * h);
    assert!(
        dw.abs() < 1e-6 && db.abs() < 1e-6,
        "gradient at the optimum: {dw} {db}"
    );
    let best = direct_mse(&xs, &ys, w, b);
    for k in 0..16 {
        let a = k as f64 * std::f64::consts::PI / 8.0;
        assert!(direct_mse(&xs, &ys, w + 0.01 * a.cos(), b + 0.01 * a.sin()) > best);
    }
    assert!((m.mse(w, b) - best).abs() < 1e-9);
    // All x equal: no unique optimum.
    assert!(Moments::of(&[1.0, 1.0], &[0.0, 2.0])
        .unwrap()
        .least_squares()
        .is_none());
    // The window shows the optimum and the start.
    let ((w0, w1), (b0, b1)) = landscape_window(&m, (-1.2, 0.0));
    assert!(
        w0 < -1.2 && w1 > w && b0 < 0.0 && b1 > b,
        "{w0} {w1} {b0} {b1}"
    );
}

#[test]
fn sgd_step_numbers_are_the_engines_and_the_formulas() {
    let (xs, ys) = tutorial_points();
    let (w0, b0) = Learner::initial_weights(42).unwrap();
    let lr = 0.1;
    let mut l = Learner::new(&xs, &ys, Optimizer::sgd(lr), w0, b0).unwrap();
    for step in 1..=3u64 {
        let (w, b) = l.weights();
        let s = l.step().unwrap();
        assert_eq!(s.step, step);
        assert_eq!(s.before, (w, b));
        let (wd, bd) = (f64::from(w), f64::from(b));
        // Loss: what train_on_batch returns, the MSE before the update.
        let mse = direct_mse(&xs, &ys, wd, bd);
        assert!(
            (f64::from(s.loss) - mse).abs() < 1e-5 * mse.max(1.0),
            "{} vs {mse}",
            s.loss
        );
        // Gradients: the MSE formula, mean(2(ŷ − y)·x) and mean(2(ŷ − y)).
        let n = xs.len() as f64;
        let (mut gw, mut gb) = (0.0, 0.0);
        for (&x, &y) in xs.iter().zip(&ys) {
            let e = wd * f64::from(x) + bd - f64::from(y);
            gw += 2.0 * e * f64::from(x) / n;
            gb += 2.0 * e / n;
        }
        assert!(
            (f64::from(s.grad.0) - gw).abs() < 1e-5,
            "{} vs {gw}",
            s.grad.0
        );
        assert!(
            (f64::from(s.grad.1) - gb).abs() < 1e-5,
            "{} vs {gb}",
            s.grad.1
        );
        // And finite differences of the loss.
        let h = 1e-4;
        let m = l.moments();
        let fw = (m.mse(wd + h, bd) - m.mse(wd - h, bd)) / (2.0 * h);
        let fb = (m.mse(wd, bd + h) - m.mse(wd, bd - h)) / (2.0 * h);
        assert!(
            (f64::from(s.grad.0) - fw).abs() < 1e-4,
            "{} vs {fw}",
            s.grad.0
        );
        assert!(
            (f64::from(s.grad.1) - fb).abs() < 1e-4,
            "{} vs {fb}",
            s.grad.1
        );
        // The update: w ← w − lr·∂L/∂w, as the engine holds it.
        let want_w = w - lr as f32 * s.grad.0;
        let want_b = b - lr as f32 * s.grad.1;
        assert!((s.after.0 - want_w).abs() < 1e-6 && (s.after.1 - want_b).abs() < 1e-6);
        assert_eq!(l.get_weights().unwrap(), s.after);
        assert_eq!(l.weights(), s.after);
        // The prediction for the first point.
        let (x1, y1, y_hat) = s.sample;
        assert_eq!((x1, y1), (xs[0], ys[0]));
        assert!((y_hat - (w * x1 + b)).abs() < 1e-6);
        assert!(s.slots.is_empty());
    }
    assert_eq!(l.path().len(), 4);
    assert_eq!(l.steps(), 3);
}

#[test]
fn adam_state_is_its_moments() {
    let (xs, ys) = tutorial_points();
    let mut l = Learner::new(&xs, &ys, Optimizer::adam(0.1), 0.3, 0.0).unwrap();
    let s = l.step().unwrap();
    let names: Vec<&str> = s.slots.iter().map(|s| s.0).collect();
    assert_eq!(names, ["m", "v"]);
    // After one step from zero: m = (1 − β₁)·g, v = (1 − β₂)·g².
    let (gw, gb) = s.grad;
    let (m, v) = (&s.slots[0], &s.slots[1]);
    assert!((m.1 - 0.1 * gw).abs() < 1e-6 && (m.2 - 0.1 * gb).abs() < 1e-6);
    assert!((v.1 - 0.001 * gw * gw).abs() < 1e-6 && (v.2 - 0.001 * gb * gb).abs() < 1e-6);
    // Adam's first step moves each weight by about the learning rate, against its gradient.
    assert!(
        (s.after.0 - (0.3 - 0.1 * gw.signum())).abs() < 1e-3,
        "{:?}",
        s.after
    );
}

#[test]
fn a_large_learning_rate_overshoots() {
    let (xs, ys) = tutorial_points();
    let m = Moments::of(&xs, &ys).unwrap();
    let run = |lr: f64| {
        let mut l = Learner::new(&xs, &ys, Optimizer::sgd(lr), -1.0, 0.0).unwrap();
        (0..40)
            .map(|_| l.step().unwrap().loss)
            .collect::<Vec<f32>>()
    };
    let small = run(0.1);
    assert!(
        small.windows(2).all(|p| p[1] <= p[0]),
        "a small rate goes downhill"
    );
    let large = run(1.05);
    assert!(
        large[39] > large[0],
        "past 1 every jump lands higher: {large:?}"
    );
    let (w, b) = m.least_squares().unwrap();
    let mut l = Learner::new(&xs, &ys, Optimizer::sgd(0.3), -1.0, 0.0).unwrap();
    for _ in 0..300 {
        l.step().unwrap();
    }
    let (lw, lb) = l.weights();
    assert!((f64::from(lw) - w).abs() < 1e-2 && (f64::from(lb) - b).abs() < 1e-3);
}

#[test]
fn the_path_is_bounded() {
    let (xs, ys) = tutorial_points();
    let mut l = Learner::new(&xs, &ys, Optimizer::sgd(0.01), 0.0, 0.0).unwrap();
    for _ in 0..3000 {
        l.step().unwrap();
    }
    assert!(l.path().len() <= nnplay::story::PATH_CAPACITY);
    assert_eq!(l.path()[0], (0.0, 0.0));
    let now = l.get_weights().unwrap();
    assert_eq!(*l.path().last().unwrap(), now);
}

#[test]
fn neuron_is_activation_of_a_line() {
    let xs = [-1.0, 0.0, 2.0];
    assert_eq!(
        neuron(2.0, 1.0, Activation::Linear, &xs),
        vec![-1.0, 1.0, 5.0]
    );
    assert_eq!(neuron(2.0, 1.0, Activation::Relu, &xs), vec![0.0, 1.0, 5.0]);
    let t = neuron(1.0, 0.0, Activation::Tanh, &xs);
    assert!((t[2] - 2f32.tanh()).abs() < 1e-6);
}

#[test]
fn a_neuron_output_is_what_the_model_computes() {
    let config = Config::from_json(
        r#"{"model":{"layers":[{"units":3,"activation":"tanh"},{"units":2,"activation":"relu"},{"units":1}]}}"#,
    )
    .unwrap();
    let mut model = config.build_model().unwrap();
    model.compile("mse", Optimizer::sgd(0.01)).unwrap();
    let weights = model.get_weights().unwrap();
    let mut net = Network::of(&config).unwrap();
    assert_eq!(net.sizes, vec![1, 3, 2, 1]);
    assert!(net.unit_output(0, 0, &[0.0]).is_err(), "no weights yet");
    let flat: Vec<f32> = weights.iter().flat_map(|t| t.as_slice().to_vec()).collect();
    assert!(net.set_flat_weights(&flat[1..]).is_err());
    net.set_flat_weights(&flat).unwrap();
    let xs = [-1.0, -0.3, 0.0, 0.7, 1.0];
    let out = net.unit_output(2, 0, &xs).unwrap();
    let want = model
        .predict(&Tensor::column(&xs), None)
        .unwrap()
        .into_vec();
    for (a, b) in out.iter().zip(&want) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    // The first hidden neuron: tanh(w·x + b) with its own kernel and bias.
    let h = net.unit_output(0, 1, &xs).unwrap();
    let (k, b) = (weights[0].get(0, 1), weights[1].get(0, 1));
    for (x, v) in xs.iter().zip(&h) {
        assert!((v - (k * x + b).tanh()).abs() < 1e-6);
    }
    assert!(net.unit_output(1, 2, &xs).is_err() && net.unit_output(3, 0, &xs).is_err());
    assert_eq!(net.kernels().len(), 3);
}

#[test]
fn linear_stacks_stay_straight_and_tanh_bends() {
    let (xs, _) = nnplay::story::sine_points().unwrap();
    let mut lin = Stack::new(Activation::Linear, 3).unwrap();
    let mut bent = Stack::new(Activation::Tanh, 3).unwrap();
    let (l_lin, l_bent) = (lin.train(1500).unwrap(), bent.train(1500).unwrap());
    assert!(l_bent < 0.5 * l_lin, "tanh {l_bent} vs linear {l_lin}");
    // The linear stack's answer is a straight line: equal steps in x, equal steps in ŷ.
    let grid: Vec<f32> = (0..11).map(|i| -1.0 + i as f32 * 0.2).collect();
    let p = lin.predict(&grid).unwrap();
    for w in p.windows(3) {
        assert!((w[2] - 2.0 * w[1] + w[0]).abs() < 1e-4, "{p:?}");
    }
    let q = bent.predict(&grid).unwrap();
    assert!(q
        .windows(3)
        .any(|w| (w[2] - 2.0 * w[1] + w[0]).abs() > 1e-2));
    assert!(xs.len() >= 50);
}

#[test]
fn figures_draw() {
    let theme = Theme::light();
    let (xs, ys) = tutorial_points();
    let grid = LossGrid::mse(&xs, &ys, (-1.0, 2.0), (0.0, 4.0), 20, 10).unwrap();
    let mut svg = String::new();
    let path = [(-0.5, 0.0), (0.0, 1.0), (0.4, 1.9)];
    let v = plot::landscape(
        SVGBackend::with_string(&mut svg, (400, 300)),
        &theme,
        &grid,
        &path,
        Some((0.5, 2.0)),
    )
    .unwrap();
    assert_eq!(v.x, (-1.0, 2.0));
    // One rectangle per run of cells in one band: at least one per row, fewer than cells.
    let rects = svg.matches("<rect").count();
    assert!((10..200).contains(&rects), "{rects} rectangles");
    let mut svg = String::new();
    let k1 = Tensor::from_vec(1, 20, (0..20).map(|i| i as f32 - 10.0).collect()).unwrap();
    let k2 = Tensor::from_vec(20, 1, vec![0.5; 20]).unwrap();
    let nodes = plot::network(
        SVGBackend::with_string(&mut svg, (500, 300)),
        &theme,
        &[1, 20, 1],
        &[&k1, &k2],
        ["input", "hidden", "output"],
        Some((1, 2)),
    )
    .unwrap();
    assert_eq!(nodes.len(), 2 + DRAWN_UNITS);
    assert!(svg.contains("hidden (+8)"));
    assert!(nodes
        .iter()
        .all(|n| n.x > 0.0 && n.x < 500.0 && n.y > 0.0 && n.y < 300.0));
    let mut svg = String::new();
    plot::curve(
        SVGBackend::with_string(&mut svg, (300, 200)),
        &theme,
        &[],
        &[(0.0, 0.0), (1.0, 1.0)],
        ("points", "its output"),
        None,
    )
    .unwrap();
    assert!(svg.contains("its output") && !svg.contains(">points<"));
}
