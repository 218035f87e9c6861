//! Keras 3's `model.summary()` table.

use crate::layers::Dense;

/// Keras' name of the `index`-th Dense layer of a model: `dense`, `dense_1`, `dense_2`, …
pub fn layer_name(index: usize) -> String {
    match index {
        0 => "dense".into(),
        i => format!("dense_{i}"),
    }
}

/// Keras 3's summary table for a stack of Dense layers.
pub fn summary_table(layers: &[Dense]) -> String {
    let rows: Vec<(String, String, usize)> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                format!("{} (Dense)", layer_name(i)),
                format!("(None, {})", l.units),
                l.param_count(l.input_dim.unwrap_or(1)),
            )
        })
        .collect();
    let total: usize = rows.iter().map(|r| r.2).sum();
    let (w1, w2, w3) = (33, 24, 15);
    let line = |l: char, m: char, r: char, f: char| {
        format!(
            "{l}{}{m}{}{m}{}{r}\n",
            f.to_string().repeat(w1),
            f.to_string().repeat(w2),
            f.to_string().repeat(w3)
        )
    };
    let mut s = String::from("Model: \"sequential\"\n");
    s += &line('┏', '┳', '┓', '━');
    s += &format!(
        "┃ {:<a$}┃ {:<b$}┃ {:>c$} ┃\n",
        "Layer (type)",
        "Output Shape",
        "Param #",
        a = w1 - 1,
        b = w2 - 1,
        c = w3 - 2
    );
    s += &line('┡', '╇', '┩', '━');
    for (i, (name, shape, params)) in rows.iter().enumerate() {
        s += &format!(
            "│ {:<a$}│ {:<b$}│ {:>c$} │\n",
            name,
            shape,
            params,
            a = w1 - 1,
            b = w2 - 1,
            c = w3 - 2
        );
        if i + 1 < rows.len() {
            s += &line('├', '┼', '┤', '─');
        }
    }
    s += &line('└', '┴', '┘', '─');
    let bytes = |n: usize| {
        let b = (n * 4) as f64;
        if b < 1024.0 {
            format!("{b:.2} B")
        } else if b < 1024.0 * 1024.0 {
            format!("{:.2} KB", b / 1024.0)
        } else {
            format!("{:.2} MB", b / (1024.0 * 1024.0))
        }
    };
    s += &format!(" Total params: {total} ({})\n", bytes(total));
    s += &format!(" Trainable params: {total} ({})\n", bytes(total));
    s += " Non-trainable params: 0 (0.00 B)\n";
    s
}
