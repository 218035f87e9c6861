//! The tutorial's log as Python and NumPy print it, for the CLI and the page alike (the page
//! calls these through the wasm boundary): `train cost: 4.8589406` (the float32 that
//! `train_on_batch` returns), `test cost: 0.010073459707200527` (`evaluate`'s Python float),
//! `weights: [[0.34353918]]` and `biases: [1.9984639]` (NumPy arrays of float32).
//!
//! Numbers are the shortest digits that read back as the same value, laid out as Python's
//! `repr` does: positional from 1e-4 up to 1e16, else scientific with a two-digit exponent
//! (`1e-05`, `1.5e+16`). Arrays of more than [`SUMMARY_THRESHOLD`] elements are summarised as
//! NumPy does, [`EDGE_ITEMS`] rows and columns at each end around `...`.

use crate::tensor::Tensor;

/// Arrays with more elements than this are summarised (NumPy's `threshold`).
pub const SUMMARY_THRESHOLD: usize = 1000;

/// How many rows and columns a summarised array keeps at each end (NumPy's `edgeitems`).
pub const EDGE_ITEMS: usize = 3;

/// Python's `repr` of a float: `0.010073459707200527`, `1e-05`, `2.0`, `nan`, `-inf`.
pub fn py_float(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v.is_nan(), v > 0.0);
    }
    layout(&format!("{v:e}"), None)
}

/// NumPy's text of a float32 scalar (`print(np.float32(v))`): `4.8589406`, `1e-05`, `2.0`.
/// NumPy decides the layout on the value (positional for 1e-4 ≤ |v| < 1e16, so the float32
/// nearest 0.0001, just under it, prints as `1e-04`), Python on the digits' exponent.
pub fn np_float32(v: f32) -> String {
    if !v.is_finite() {
        return non_finite(v.is_nan(), v > 0.0);
    }
    let a = f64::from(v).abs();
    layout(
        &format!("{v:e}"),
        Some(a == 0.0 || (1e-4..1e16).contains(&a)),
    )
}

/// The text after `train cost: `: the loss `train_on_batch` returned, a float32.
pub fn train_cost(loss: f32) -> String {
    np_float32(loss)
}

/// The text after `test cost: `: `evaluate`'s result, a Python float (the float32 widened).
pub fn test_cost(cost: f32) -> String {
    py_float(f64::from(cost))
}

/// A kernel as NumPy prints it: `[[0.34353918]]`, rows on lines of their own (`[[a b]\n [c d]]`).
/// Each element takes its own shortest digits: NumPy would also pad the elements of a larger
/// array to one width, which this text does not.
pub fn matrix(t: &Tensor) -> String {
    let (rows, cols) = (t.rows(), t.cols());
    let values = t.as_slice();
    let summarise = rows * cols > SUMMARY_THRESHOLD;
    let row = |r: usize| vector_of(&values[r * cols..(r + 1) * cols], summarise);
    let lines: Vec<String> = pick(rows, summarise)
        .map(|r| r.map_or_else(|| "...".to_string(), row))
        .collect();
    format!("[{}]", lines.join("\n "))
}

/// A bias (or any array, printed flat) as NumPy prints it: `[1.9984639]`, `[a b c ... x y z]`.
pub fn vector(values: &[f32]) -> String {
    vector_of(values, values.len() > SUMMARY_THRESHOLD)
}

fn vector_of(values: &[f32], summarise: bool) -> String {
    let items: Vec<String> = pick(values.len(), summarise)
        .map(|i| i.map_or_else(|| "...".to_string(), |i| np_float32(values[i])))
        .collect();
    format!("[{}]", items.join(" "))
}

/// The indices shown of `n`: all, or the edges around a gap (`None`).
fn pick(n: usize, summarise: bool) -> impl Iterator<Item = Option<usize>> {
    let cut = summarise && n > 2 * EDGE_ITEMS;
    let head = if cut { EDGE_ITEMS } else { n };
    let tail = if cut { n - EDGE_ITEMS } else { n };
    (0..head)
        .map(Some)
        .chain(cut.then_some(None))
        .chain((tail..n).map(Some))
}

fn non_finite(nan: bool, positive: bool) -> String {
    match (nan, positive) {
        (true, _) => "nan".into(),
        (false, true) => "inf".into(),
        (false, false) => "-inf".into(),
    }
}

/// Python's layout of the shortest digits, from Rust's `{:e}` text (`-4.8589406e0`):
/// positional when `positional` says so, or by default for a decimal exponent in -4..16.
fn layout(sci: &str, positional: Option<bool>) -> String {
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` writes an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` writes an integer exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if positional.unwrap_or((-4..16).contains(&exp)) {
        let body = if exp >= 0 {
            let point = exp as usize + 1;
            if digits.len() > point {
                format!("{}.{}", &digits[..point], &digits[point..])
            } else {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_prints_them() {
        // (value, Python's repr) — checked with Python 3.11.
        let cases: [(f64, &str); 14] = [
            (0.010073459707200527, "0.010073459707200527"),
            (2.0, "2.0"),
            (100.0, "100.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e16, "1.5e+16"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123.456, "123.456"),
            (-2.5e-7, "-2.5e-07"),
            (1.2345e100, "1.2345e+100"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, want) in cases {
            assert_eq!(py_float(v), want, "{v}");
        }
        assert_eq!(py_float(f64::NAN), "nan");
    }

    #[test]
    fn float32_values_take_their_shortest_digits() {
        assert_eq!(np_float32(4.858_940_6), "4.8589406");
        assert_eq!(np_float32(0.233_651_06), "0.23365106");
        assert_eq!(np_float32(1e-5), "1e-05");
        assert_eq!(np_float32(1.0), "1.0");
        assert_eq!(np_float32(0.0001), "1e-04");
        assert_eq!(np_float32(1e16), "1e+16");
        assert_eq!(np_float32(123_456.79), "123456.79");
        assert_eq!(train_cost(0.042_590_443), "0.042590443");
        assert_eq!(test_cost(0.010_073_46), "0.010073459707200527");
    }

    #[test]
    fn arrays_as_numpy_prints_them_summarised_past_a_thousand() {
        let t = Tensor::from_vec(1, 1, vec![0.343_539_18]).unwrap();
        assert_eq!(matrix(&t), "[[0.34353918]]");
        assert_eq!(vector(&[1.998_463_9]), "[1.9984639]");
        let t = Tensor::from_vec(2, 2, vec![1.0, 0.5, -2.0, 1e-5]).unwrap();
        assert_eq!(matrix(&t), "[[1.0 0.5]\n [-2.0 1e-05]]");
        let big = Tensor::from_vec(40, 30, (0..1200).map(|i| i as f32).collect()).unwrap();
        let text = matrix(&big);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7, "{text}");
        assert_eq!(lines[0], "[[0.0 1.0 2.0 ... 27.0 28.0 29.0]");
        assert_eq!(lines[3], " ...");
        assert_eq!(
            lines[6],
            " [1170.0 1171.0 1172.0 ... 1197.0 1198.0 1199.0]]"
        );
        let v: Vec<f32> = (0..1001).map(|i| i as f32).collect();
        assert_eq!(vector(&v), "[0.0 1.0 2.0 ... 998.0 999.0 1000.0]");
        // A thousand elements or fewer: all of them.
        assert_eq!(vector(&v[..1000]).split(' ').count(), 1000);
    }
}
