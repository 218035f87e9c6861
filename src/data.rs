//! Datasets: the tutorial's generator and its non-linear relatives, custom points and CSV,
//! and Keras' `TimeseriesGenerator`.

use crate::error::{Error, Result};
use crate::rng::SeededRng;
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// The shape of the curve the points follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field, or [`Error::EmptyData`] /
    /// [`Error::NonFinite`] for bad custom points.
    pub fn validate(&self) -> Result<()> {
        finite("data.slope", self.slope, 1e6)?;
        finite("data.intercept", self.intercept, 1e6)?;
        finite("data.noise", self.noise, 1e3)?;
        if self.noise < 0.0 {
            return Err(Error::invalid(
                "data.noise",
                format!("{} (must be ≥ 0)", self.noise),
            ));
        }
        finite("data.x_min", self.x_min, 1e6)?;
        finite("data.x_max", self.x_max, 1e6)?;
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
        let n = match (self.kind, &self.points) {
            (DataKind::Custom, None) => {
                return Err(Error::EmptyData(
                    "data.kind is custom but data.points is missing".into(),
                ))
            }
            (DataKind::Custom, Some(p)) => {
                for (i, [x, y]) in p.iter().enumerate() {
                    for (col, v) in [x, y].into_iter().enumerate() {
                        if !v.is_finite() {
                            return Err(Error::NonFinite {
                                what: "data.points".into(),
                                row: i,
                                col,
                                value: v.to_string(),
                            });
                        }
                    }
                }
                p.len()
            }
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

/// Parses `x,y` lines (a header line and blank lines are skipped; `,`, `;`, tab or spaces
/// separate the two numbers).
///
/// # Errors
/// [`Error::Csv`] naming the line and what is wrong with it; [`Error::EmptyData`] when no
/// point is found.
pub fn parse_csv(text: &str) -> Result<Vec<[f64; 2]>> {
    let mut points = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split([',', ';', '\t', ' '])
            .filter(|f| !f.is_empty())
            .collect();
        let parsed: Vec<std::result::Result<f64, _>> =
            fields.iter().map(|f| f.parse::<f64>()).collect();
        if points.is_empty() && parsed.iter().any(|p| p.is_err()) && i == 0 {
            continue; // a header such as "x,y"
        }
        if fields.len() != 2 {
            return Err(Error::Csv {
                line: i + 1,
                message: format!("expected 2 values (x, y), found {}: '{line}'", fields.len()),
            });
        }
        let mut xy = [0.0; 2];
        for (k, (f, p)) in fields.iter().zip(parsed).enumerate() {
            let v = p.map_err(|_| Error::Csv {
                line: i + 1,
                message: format!("'{f}' is not a number"),
            })?;
            if !v.is_finite() {
                return Err(Error::Csv {
                    line: i + 1,
                    message: format!("'{f}' is not a finite number"),
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

/// Keras' `TimeseriesGenerator`: windows of past values paired with the value that follows.
///
/// Batch `i` holds the rows `start_index + length + batch_size·stride·i …` (step `stride`);
/// each sample is `data[row - length .. row]` taken every `sampling_rate`, its target
/// `targets[row]`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesGenerator {
    data: Tensor,
    targets: Tensor,
    length: usize,
    sampling_rate: usize,
    stride: usize,
    start_index: usize,
    end_index: usize,
    batch_size: usize,
}

impl TimeseriesGenerator {
    /// A generator over `data` `(n, features)` and `targets` `(n, k)`, with Keras' defaults
    /// `sampling_rate = 1`, `stride = 1`, `batch_size = 128`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the row counts differ, [`Error::InvalidParameter`] when
    /// `length` leaves no window.
    pub fn new(data: Tensor, targets: Tensor, length: usize) -> Result<Self> {
        if data.rows() != targets.rows() {
            return Err(Error::shapes(
                "TimeseriesGenerator (data vs targets rows)",
                data.shape(),
                targets.shape(),
            ));
        }
        if length == 0 || length >= data.rows() {
            return Err(Error::invalid(
                "length",
                format!("{length} (must be ≥ 1 and below the {} rows)", data.rows()),
            ));
        }
        let end_index = data.rows() - 1;
        Ok(TimeseriesGenerator {
            data,
            targets,
            length,
            sampling_rate: 1,
            stride: 1,
            start_index: length,
            end_index,
            batch_size: 128,
        })
    }

    /// Sets the period between values inside a window.
    pub fn sampling_rate(mut self, r: usize) -> Self {
        self.sampling_rate = r.max(1);
        self
    }

    /// Sets the period between successive windows.
    pub fn stride(mut self, s: usize) -> Self {
        self.stride = s.max(1);
        self
    }

    /// Sets the windows per batch.
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b.max(1);
        self
    }

    /// Number of batches (Keras' `len(generator)`).
    pub fn len(&self) -> usize {
        let span = self.batch_size * self.stride;
        (self.end_index + 1 - self.start_index).div_ceil(span)
    }

    /// Whether there is no batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Batch `index`: the windows (one `Tensor` of `(length / sampling_rate, features)` each)
    /// and their targets `(windows, k)`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `index` is out of range.
    pub fn get(&self, index: usize) -> Result<(Vec<Tensor>, Tensor)> {
        if index >= self.len() {
            return Err(Error::invalid(
                "index",
                format!("{index} (the generator has {} batches)", self.len()),
            ));
        }
        let span = self.batch_size * self.stride;
        let first = self.start_index + span * index;
        let last = (first + span).min(self.end_index + 1);
        let rows: Vec<usize> = (first..last).step_by(self.stride).collect();
        let samples = rows
            .iter()
            .map(|&r| {
                let idx: Vec<usize> = (r - self.length..r).step_by(self.sampling_rate).collect();
                let cols = self.data.cols();
                let v: Vec<f32> = idx
                    .iter()
                    .flat_map(|&i| self.data.as_slice()[i * cols..(i + 1) * cols].to_vec())
                    .collect();
                Tensor::from_vec(idx.len(), cols, v).expect("sized above")
            })
            .collect();
        let k = self.targets.cols();
        let t: Vec<f32> = rows
            .iter()
            .flat_map(|&r| self.targets.as_slice()[r * k..(r + 1) * k].to_vec())
            .collect();
        Ok((samples, Tensor::from_vec(rows.len(), k, t)?))
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
        assert!(matches!(c.validate(), Err(Error::NonFinite { .. })));
        c.points = Some(vec![]);
        assert!(c.validate().unwrap_err().to_string().contains("0 points"));
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
        assert!(parse_csv("0,nan\n").is_err());
    }

    #[test]
    fn timeseries_generator_matches_keras() {
        // The tutorial's install check: TimeseriesGenerator(y, y, length=3) over 0..5.
        let y = Tensor::column(&[0.0, 1.0, 2.0, 3.0, 4.0]);
        let g = TimeseriesGenerator::new(y.clone(), y, 3)
            .unwrap()
            .batch_size(1);
        assert_eq!(g.len(), 2);
        let (s, t) = g.get(0).unwrap();
        assert_eq!(s[0].as_slice(), &[0.0, 1.0, 2.0]);
        assert_eq!(t.as_slice(), &[3.0]);
        let (s, t) = g.get(1).unwrap();
        assert_eq!(s[0].as_slice(), &[1.0, 2.0, 3.0]);
        assert_eq!(t.as_slice(), &[4.0]);
        assert!(g.get(2).is_err());
        // Default batch size: everything in one batch; stride and sampling rate.
        let d = Tensor::column(&(0..10).map(|v| v as f32).collect::<Vec<_>>());
        let g = TimeseriesGenerator::new(d.clone(), d, 4)
            .unwrap()
            .sampling_rate(2)
            .stride(3)
            .batch_size(2);
        assert_eq!(g.len(), 1);
        let (s, t) = g.get(0).unwrap();
        assert_eq!(s[0].as_slice(), &[0.0, 2.0]);
        assert_eq!(s[1].as_slice(), &[3.0, 5.0]);
        assert_eq!(t.as_slice(), &[4.0, 7.0]);
    }
}
