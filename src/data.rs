//! Datasets: the tutorial's generator and its non-linear relatives, custom points and CSV
//! (Keras' `TimeseriesGenerator` is in [`crate::timeseries`]).

use crate::error::{Error, Result};
use crate::rng::SeededRng;
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// The shape of the curve the points follow.
///
/// Read from its name only (a list or an object in its place is refused with a message that
/// says a name is expected, not serde's "expected value").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum DataKind {
    /// `y = slope·x + intercept` (the tutorial).
    Linear,
    /// `y = slope·x² + intercept`.
    Quadratic,
    /// `y = slope·sin(πx) + intercept`.
    Sine,
    /// `y = slope·[x > 0] + intercept`.
    Step,
    /// The given `points`.
    Custom,
}

impl DataKind {
    /// The valid names.
    pub const NAMES: [&'static str; 5] = ["linear", "quadratic", "sine", "step", "custom"];

    /// The `(slope, intercept)` that choosing this kind sets: the tutorial's 0.5 and 2 for
    /// `linear`, 1 and 0 for the curves (`None` for `custom`, whose points are given).
    pub fn preset(self) -> Option<(f64, f64)> {
        match self {
            DataKind::Linear => Some((0.5, 2.0)),
            DataKind::Custom => None,
            _ => Some((1.0, 0.0)),
        }
    }

    /// The kind of a config name (exactly as written in [`DataKind::NAMES`]).
    ///
    /// # Errors
    /// [`Error::UnknownName`] listing the valid names.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "linear" => Ok(DataKind::Linear),
            "quadratic" => Ok(DataKind::Quadratic),
            "sine" => Ok(DataKind::Sine),
            "step" => Ok(DataKind::Step),
            "custom" => Ok(DataKind::Custom),
            _ => Err(Error::unknown("data kind", name, &Self::NAMES)),
        }
    }

    /// `f(x)` before slope, intercept and noise.
    pub fn shape(self, x: f64) -> f64 {
        match self {
            DataKind::Linear | DataKind::Custom => x,
            DataKind::Quadratic => x * x,
            DataKind::Sine => libm::sin(std::f64::consts::PI * x),
            DataKind::Step => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

impl TryFrom<String> for DataKind {
    type Error = Error;

    fn try_from(name: String) -> Result<Self> {
        DataKind::from_name(&name)
    }
}

/// How the points are made (the config's `data` object).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// The curve.
    pub kind: DataKind,
    /// Number of points.
    pub n: usize,
    /// Multiplies the curve.
    pub slope: f64,
    /// Added to the curve.
    pub intercept: f64,
    /// Standard deviation of the Gaussian noise added to `y`.
    pub noise: f64,
    /// Smallest `x` (`x = linspace(x_min, x_max, n)`).
    pub x_min: f64,
    /// Largest `x`.
    pub x_max: f64,
    /// Shuffle the points before splitting (as the tutorial does).
    pub shuffle: bool,
    /// The first `round(train_fraction · n)` points train, the rest test.
    pub train_fraction: f64,
    /// For `custom`: the points `[[x, y], …]`.
    pub points: Option<Vec<[f64; 2]>>,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            kind: DataKind::Linear,
            n: 200,
            slope: 0.5,
            intercept: 2.0,
            noise: 0.05,
            x_min: -1.0,
            x_max: 1.0,
            shuffle: true,
            train_fraction: 0.8,
            points: None,
        }
    }
}

pub use crate::limits::MAX_POINTS;
use crate::limits::{MAX_DATA_MAGNITUDE, MAX_NOISE};

/// Train and test splits, each `(n, 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Training inputs.
    pub x_train: Tensor,
    /// Training targets.
    pub y_train: Tensor,
    /// Test inputs.
    pub x_test: Tensor,
    /// Test targets.
    pub y_test: Tensor,
}

/// The largest `f32`, as messages write it.
const F32_MAX_TEXT: &str = "3.4e38";

/// A number as JSON and JavaScript write it (`1e39`, `0.5`, `NaN`), for messages.
pub(crate) fn show_number(v: f64) -> String {
    match serde_json::Number::from_f64(v) {
        Some(n) => n.to_string().replace("e+", "e"),
        None => v.to_string(),
    }
}

/// `v` as the `f32` every dataset holds, or why it is not one: `None` when it fits.
///
/// A finite `f64` beyond `f32::MAX` becomes infinite in `f32`, so it is refused here rather
/// than failing later inside training.
pub(crate) fn f32_problem(v: f64) -> Option<String> {
    if !v.is_finite() {
        Some(format!("{} is not a finite number", show_number(v)))
    } else if !(v as f32).is_finite() {
        Some(format!(
            "{} does not fit a 32-bit float (largest ≈ {F32_MAX_TEXT})",
            show_number(v)
        ))
    } else {
        None
    }
}

fn finite(name: &str, v: f64, limit: f64) -> Result<()> {
    if !v.is_finite() || v.abs() > limit {
        return Err(Error::invalid(
            name,
            format!("{v} (must be a finite number of magnitude ≤ {limit})"),
        ));
    }
    Ok(())
}

impl DataConfig {
    /// Checks every field.
    ///
    /// The bounds on `slope`, `intercept` (10⁶), `noise` (10³) and `x_min`/`x_max` (10⁶) keep
    /// every generated value within about 10¹⁸ (`slope · x²` at most 10⁶ · 10¹²), far inside
    /// `f32`, so no generator can produce a value that overflows the dataset's floats.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field (for a custom point, its index and
    /// coordinate, e.g. `data.points[3]: y = 1e39 does not fit a 32-bit float`), or
    /// [`Error::EmptyData`] when custom points are missing.
    pub fn validate(&self) -> Result<()> {
        finite("data.slope", self.slope, MAX_DATA_MAGNITUDE)?;
        finite("data.intercept", self.intercept, MAX_DATA_MAGNITUDE)?;
        finite("data.noise", self.noise, MAX_NOISE)?;
        if self.noise < 0.0 {
            return Err(Error::invalid(
                "data.noise",
                format!("{} (must be ≥ 0)", self.noise),
            ));
        }
        finite("data.x_min", self.x_min, MAX_DATA_MAGNITUDE)?;
        finite("data.x_max", self.x_max, MAX_DATA_MAGNITUDE)?;
        if self.x_min >= self.x_max {
            return Err(Error::invalid(
                "data.x_min",
                format!("{} must be below x_max {}", self.x_min, self.x_max),
            ));
        }
        if !(self.train_fraction > 0.0 && self.train_fraction < 1.0) {
            return Err(Error::invalid(
                "data.train_fraction",
                format!("{} (must be > 0 and < 1)", self.train_fraction),
            ));
        }
        // Points are checked whenever present, also under another kind (a config keeps them
        // when its kind changes, and they count again when it changes back).
        if let Some(p) = &self.points {
            let min = if self.kind == DataKind::Custom { 2 } else { 0 };
            if !(min..=MAX_POINTS).contains(&p.len()) {
                return Err(Error::invalid(
                    "data.points",
                    format!("{} points (need between 2 and {MAX_POINTS})", p.len()),
                ));
            }
            for (i, [x, y]) in p.iter().enumerate() {
                for (name, v) in [("x", *x), ("y", *y)] {
                    if let Some(problem) = f32_problem(v) {
                        return Err(Error::invalid(
                            format!("data.points[{i}]"),
                            format!("{name} = {problem}"),
                        ));
                    }
                }
            }
        }
        let n = match (self.kind, &self.points) {
            (DataKind::Custom, None) => {
                return Err(Error::EmptyData(
                    "data.kind is custom but data.points is missing".into(),
                ))
            }
            (DataKind::Custom, Some(p)) => p.len(),
            _ => self.n,
        };
        if !(2..=MAX_POINTS).contains(&n) {
            return Err(Error::invalid(
                "data.n",
                format!("{n} points (need between 2 and {MAX_POINTS})"),
            ));
        }
        let train = self.train_count(n);
        if train == 0 || train >= n {
            return Err(Error::invalid(
                "data.train_fraction",
                format!(
                    "{} of {n} points leaves an empty train or test split",
                    self.train_fraction
                ),
            ));
        }
        Ok(())
    }

    /// How many of `n` points train: `round(train_fraction · n)` (the rest test). The one
    /// split rule, shared by the generator, the memory estimate and the generated Keras code.
    pub fn train_count(&self, n: usize) -> usize {
        (self.train_fraction * n as f64).round() as usize
    }

    /// Makes the points with the stream of `seed` and splits them.
    ///
    /// # Errors
    /// As [`DataConfig::validate`].
    pub fn generate(&self, seed: u64) -> Result<Dataset> {
        self.validate()?;
        let mut rng = SeededRng::new(seed);
        let mut points: Vec<(f64, f64)> = match (&self.points, self.kind) {
            (Some(p), DataKind::Custom) => p.iter().map(|[x, y]| (*x, *y)).collect(),
            _ => {
                let n = self.n;
                let step = (self.x_max - self.x_min) / (n - 1) as f64;
                let mut xs: Vec<f64> = (0..n).map(|i| self.x_min + step * i as f64).collect();
                xs[n - 1] = self.x_max;
                if self.shuffle {
                    rng.shuffle(&mut xs);
                }
                xs.into_iter()
                    .map(|x| {
                        let clean = self.slope * self.kind.shape(x) + self.intercept;
                        (x, clean + self.noise * rng.normal())
                    })
                    .collect()
            }
        };
        if self.kind == DataKind::Custom && self.shuffle {
            rng.shuffle(&mut points);
        }
        let train = self.train_count(points.len());
        let col = |pts: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| {
            Tensor::column(&pts.iter().map(|p| f(p) as f32).collect::<Vec<_>>())
        };
        let (tr, te) = points.split_at(train);
        Ok(Dataset {
            x_train: col(tr, |p| p.0),
            y_train: col(tr, |p| p.1),
            x_test: col(te, |p| p.0),
            y_test: col(te, |p| p.1),
        })
    }
}

/// Parses `x,y` lines (blank lines, `#` comments and a header line are skipped; `,`, `;`, tab
/// or spaces separate the two numbers). The header is the first line with content, when none
/// of its fields is a number. Every value must fit the `f32` the dataset will hold.
///
/// # Errors
/// [`Error::Csv`] naming the line and what is wrong with it (for a value, which of `x` and
/// `y`); [`Error::EmptyData`] when no point is found; [`Error::Csv`] on the first line past
/// [`MAX_POINTS`] points.
pub fn parse_csv(text: &str) -> Result<Vec<[f64; 2]>> {
    let mut points = Vec::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if points.len() == MAX_POINTS {
            return Err(Error::Csv {
                line: i + 1,
                message: format!("more than {MAX_POINTS} points (the most a dataset may have)"),
            });
        }
        let fields: Vec<&str> = line
            .split([',', ';', '\t', ' '])
            .filter(|f| !f.is_empty())
            .collect();
        let parsed: Vec<std::result::Result<f64, _>> =
            fields.iter().map(|f| f.parse::<f64>()).collect();
        // The first line with content is a header (such as "x,y") when none of its fields is
        // a number; a line with one number and a typo is a data line, and its error is shown.
        let header = first && parsed.iter().all(|p| p.is_err());
        first = false;
        if header {
            continue;
        }
        if fields.len() != 2 {
            return Err(Error::Csv {
                line: i + 1,
                message: format!(
                    "expected 2 values (x, y), found {}: '{}'",
                    fields.len(),
                    clip(line)
                ),
            });
        }
        let mut xy = [0.0; 2];
        for (k, (f, p)) in fields.iter().zip(parsed).enumerate() {
            let v = p.map_err(|_| Error::Csv {
                line: i + 1,
                message: format!("'{}' is not a number", clip(f)),
            })?;
            if let Some(problem) = f32_problem(v) {
                let name = if k == 0 { "x" } else { "y" };
                return Err(Error::Csv {
                    line: i + 1,
                    message: format!("{name} = {problem}"),
                });
            }
            xy[k] = v;
        }
        points.push(xy);
    }
    if points.is_empty() {
        return Err(Error::EmptyData("the CSV has no points".into()));
    }
    Ok(points)
}

/// At most the first 60 characters of `text`, so that one bad line of a pasted megabyte
/// does not become a megabyte of message.
fn clip(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_data_has_the_right_split_and_line() {
        let d = DataConfig::default().generate(42).unwrap();
        assert_eq!(d.x_train.shape(), (160, 1));
        assert_eq!(d.x_test.shape(), (40, 1));
        let (x, y) = (d.x_train.as_slice(), d.y_train.as_slice());
        let resid: f32 = x
            .iter()
            .zip(y)
            .map(|(x, y)| (y - (0.5 * x + 2.0)).powi(2))
            .sum::<f32>()
            / 160.0;
        assert!(
            (resid.sqrt() - 0.05).abs() < 0.01,
            "noise std {}",
            resid.sqrt()
        );
        // shuffled: not in increasing order
        assert!(x.windows(2).any(|w| w[0] > w[1]));
        assert_eq!(d, DataConfig::default().generate(42).unwrap());
        assert_ne!(d, DataConfig::default().generate(43).unwrap());
    }

    #[test]
    fn bad_data_configs_are_named() {
        let mut c = DataConfig {
            noise: -1.0,
            ..DataConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("data.noise"));
        c.noise = 0.1;
        c.train_fraction = 1.0;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("train_fraction"));
        c.train_fraction = 0.8;
        c.kind = DataKind::Custom;
        assert!(matches!(c.validate(), Err(Error::EmptyData(_))));
        c.points = Some(vec![[0.0, f64::NAN], [1.0, 1.0]]);
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid data.points[0]: y = NaN is not a finite number"
        );
        c.points = Some(vec![]);
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid data.points: 0 points (need between 2 and 100000)"
        );
        c.points = Some(vec![[0.0, 0.0]; MAX_POINTS + 1]);
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("100001 points"));
    }

    #[test]
    fn points_are_checked_as_the_f32_they_become() {
        let mut points = vec![[0.0, 1.0]; 5];
        points[3] = [2.0, 1e39];
        let c = DataConfig {
            kind: DataKind::Custom,
            points: Some(points.clone()),
            ..DataConfig::default()
        };
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid data.points[3]: y = 1e39 does not fit a 32-bit float (largest ≈ 3.4e38)"
        );
        points[3] = [-4e38, 0.0];
        let c = DataConfig {
            points: Some(points.clone()),
            ..c
        };
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid data.points[3]: x = -4e38 does not fit a 32-bit float (largest ≈ 3.4e38)"
        );
        // The largest f32 itself fits, and so does a value that rounds down to it.
        points[3] = [f64::from(f32::MAX), -f64::from(f32::MAX)];
        let c = DataConfig {
            points: Some(points.clone()),
            ..c
        };
        let d = c.generate(1).unwrap();
        let all: Vec<f32> = [&d.x_train, &d.y_train, &d.x_test, &d.y_test]
            .iter()
            .flat_map(|t| t.as_slice().to_vec())
            .collect();
        assert!(all.contains(&f32::MAX) && all.contains(&-f32::MAX));
        // Points kept under another kind are checked too.
        let c = DataConfig {
            kind: DataKind::Linear,
            ..c
        };
        c.validate().unwrap();
        let c = DataConfig {
            points: Some(vec![[0.0, 1.0], [f64::INFINITY, 0.0]]),
            ..c
        };
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid data.points[1]: x = inf is not a finite number"
        );
        // And so does the config route: 1e39 in JSON names the point.
        let e = crate::Config::from_json(
            r#"{"data": {"kind": "custom", "points": [[0, 0], [1, 1e39], [2, 2]]}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("data.points[1]: y = 1e39 does not fit a 32-bit float"),
            "{e}"
        );
    }

    #[test]
    fn generator_parameters_are_bounded_so_that_values_fit_f32() {
        for (field, json) in [
            ("data.slope", r#"{"data": {"slope": 1e39}}"#),
            ("data.intercept", r#"{"data": {"intercept": -2e6}}"#),
            ("data.noise", r#"{"data": {"noise": 1e4}}"#),
            ("data.x_min", r#"{"data": {"x_min": -1e7}}"#),
            ("data.x_max", r#"{"data": {"x_max": 1e300}}"#),
        ] {
            let e = crate::Config::from_json(json).unwrap_err().to_string();
            assert!(e.contains(field) && e.contains("magnitude"), "{json}: {e}");
        }
        // The most extreme parameters allowed, on the curve that grows fastest, stay finite.
        for kind in [DataKind::Quadratic, DataKind::Linear] {
            let c = DataConfig {
                kind,
                slope: -1e6,
                intercept: -1e6,
                noise: 1e3,
                x_min: -1e6,
                x_max: 1e6,
                n: 1001,
                ..DataConfig::default()
            };
            let d = c.generate(7).unwrap();
            for t in [&d.x_train, &d.y_train, &d.x_test, &d.y_test] {
                t.check_finite("generated").unwrap();
            }
            let big = d
                .y_train
                .as_slice()
                .iter()
                .fold(0f32, |m, v| m.max(v.abs()));
            assert!(big > 1e11, "{kind:?}: {big}");
        }
    }

    #[test]
    fn csv_parses_and_names_bad_lines() {
        let p = parse_csv("x,y\n0,1\n1;2\n\n2\t3.5\n").unwrap();
        assert_eq!(p, vec![[0.0, 1.0], [1.0, 2.0], [2.0, 3.5]]);
        let e = parse_csv("0,1\n1,abc\n").unwrap_err().to_string();
        assert_eq!(e, "CSV line 2: 'abc' is not a number");
        let e = parse_csv("0,1,2\n").unwrap_err().to_string();
        assert!(e.starts_with("CSV line 1: expected 2 values"));
        assert!(matches!(parse_csv("x,y\n"), Err(Error::EmptyData(_))));
        assert_eq!(
            parse_csv("0,nan\n").unwrap_err().to_string(),
            "CSV line 1: y = NaN is not a finite number"
        );
        assert_eq!(
            parse_csv("x,y\n0,1\n1,2\n1e39,3\n")
                .unwrap_err()
                .to_string(),
            "CSV line 4: x = 1e39 does not fit a 32-bit float (largest ≈ 3.4e38)"
        );
        assert_eq!(
            parse_csv("0,1\n1,-3.5e38\n").unwrap_err().to_string(),
            "CSV line 2: y = -3.5e38 does not fit a 32-bit float (largest ≈ 3.4e38)"
        );
        assert_eq!(parse_csv("0,3.4e38\n").unwrap(), vec![[0.0, 3.4e38]]);
        // A first line with a number is data, typo and all; a header may follow comments.
        assert_eq!(
            parse_csv("1,abc\n2,3\n").unwrap_err().to_string(),
            "CSV line 1: 'abc' is not a number"
        );
        assert_eq!(
            parse_csv("# points\n\ntime;value\n2;3\n").unwrap(),
            vec![[2.0, 3.0]]
        );
        assert_eq!(
            parse_csv("x,y\n1,2\nx,y\n").unwrap_err().to_string(),
            "CSV line 3: 'x' is not a number"
        );
    }

    #[test]
    fn csv_refuses_absurd_sizes_with_short_messages() {
        let many: String = (0..=MAX_POINTS).map(|i| format!("{i},1\n")).collect();
        assert_eq!(
            parse_csv(&many).unwrap_err().to_string(),
            "CSV line 100001: more than 100000 points (the most a dataset may have)"
        );
        let exactly: String = (0..MAX_POINTS).map(|i| format!("{i},1\n")).collect();
        assert_eq!(parse_csv(&exactly).unwrap().len(), MAX_POINTS);
        // A bad line of a megabyte is quoted in at most 60 characters.
        let long = format!("0,1\n1,{}\n", "9".repeat(1 << 20) + "x");
        let e = parse_csv(&long).unwrap_err().to_string();
        assert!(e.len() < 120 && e.contains('…'), "{e}");
        let wide = format!("0,1\n{}\n", "1,".repeat(1 << 19));
        let e = parse_csv(&wide).unwrap_err().to_string();
        assert!(e.len() < 160 && e.contains("found 524288"), "{e}");
    }
}
