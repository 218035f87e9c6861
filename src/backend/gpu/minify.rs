//! Strips comments and needless whitespace from WGSL: the shaders are embedded in the page's
//! wasm, where their comments and indentation were a notable part of its size.
//!
//! Used by `build.rs` (through `#[path]`) and by the crate's tests. WGSL has no string literals,
//! so every `//` and `/*` starts a comment; block comments nest. A space is kept only between
//! two word characters (`let x`) or two operator characters (`= -1`, `> =`), where removing it
//! would join two tokens into one.

/// `source` without comments, indentation, blank lines and spaces that separate nothing.
pub fn minify(source: &str) -> String {
    let code = strip_comments(source);
    let mut out = String::with_capacity(code.len());
    for line in code.lines() {
        let line = squeeze(line);
        if !line.is_empty() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Replaces each comment by a space (a block comment separates tokens), keeping line ends.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
                out.push(' ');
            }
            ('/', Some('*')) => {
                chars.next();
                let mut depth = 1;
                while depth > 0 {
                    match (chars.next(), chars.peek()) {
                        (Some('/'), Some('*')) => {
                            chars.next();
                            depth += 1;
                        }
                        (Some('*'), Some('/')) => {
                            chars.next();
                            depth -= 1;
                        }
                        (Some('\n'), _) => out.push('\n'),
                        (Some(_), _) => {}
                        // An unterminated comment: the WGSL parser reports it.
                        (None, _) => break,
                    }
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// One line with its whitespace runs dropped, or made one space where tokens need it.
fn squeeze(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            if let Some(last) = out.chars().next_back() {
                if (is_word(last) && is_word(c)) || (is_operator(last) && is_operator(c)) {
                    out.push(' ');
                }
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Characters of identifiers, keywords and numbers (including `.` of `1.5`; WGSL identifiers
/// may be non-ASCII).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || !c.is_ascii()
}

/// Characters that can combine into a longer token (`--`, `&&`, `>=`, `>>=`, `//`, ...).
fn is_operator(c: char) -> bool {
    "+-*/%&|^<>=!~".contains(c)
}
