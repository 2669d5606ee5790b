//! [`LoadError`]: a problem in a file the user gave (a case, a baseline), at
//! `file:line:col`, rendered like a compiler's error with the source line
//! and a caret. Pure; no I/O.

/// A case file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct LoadError {
    /// The file, as the user named it (shipped ones as `cases/…`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong, with the field's name.
    pub message: String,
    /// The source line, for a compiler-style excerpt (empty when unknown).
    pub source_line: String,
}

impl LoadError {
    /// An error at byte `offset` of `text` (line and column are computed).
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        let source_line = text[line_start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        Self {
            file: file.to_owned(),
            line,
            col,
            message: message.into(),
            source_line,
        }
    }

    /// Renders the error like a compiler: message, location, source line, caret.
    pub fn render(&self) -> String {
        let mut out = format!(
            "error: {}\n  --> {}:{}:{}\n",
            self.message, self.file, self.line, self.col
        );
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            let (shown, caret_col) = excerpt(&self.source_line, self.col);
            let caret_pad: String = shown
                .chars()
                .take(caret_col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{pad} |\n{} | {shown}\n{pad} | {caret_pad}^\n",
                self.line
            ));
        }
        out
    }
}

/// The most characters of a source line an error shows.
pub const EXCERPT_CHARS: usize = 120;

/// A window of at most [`EXCERPT_CHARS`] characters of `line` around column
/// `col` (cut ends marked `…`), and the column within it.
fn excerpt(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= EXCERPT_CHARS {
        return (line.to_owned(), col);
    }
    let half = EXCERPT_CHARS / 2;
    let start = col
        .saturating_sub(1)
        .saturating_sub(half)
        .min(len - EXCERPT_CHARS);
    let mut shown: String = line.chars().skip(start).take(EXCERPT_CHARS).collect();
    let mut caret = col - start;
    if start > 0 {
        shown.insert(0, '…');
        caret += 1;
    }
    if start + EXCERPT_CHARS < len {
        shown.push('…');
    }
    (shown, caret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let (shown, caret) = excerpt(&line, 5001);
        assert!(shown.chars().count() <= EXCERPT_CHARS + 2, "{shown}");
        assert_eq!(shown.chars().nth(caret - 1), Some('X'));
        let (shown, caret) = excerpt("short = 1", 3);
        assert_eq!((shown.as_str(), caret), ("short = 1", 3));
        let text = format!("x = \"{}\"\nbad", "y".repeat(50_000_000 / 1000));
        let rendered = LoadError::at("f.toml", &text, 30, "msg").render();
        assert!(rendered.len() < 1000, "{}", rendered.len());
    }
}
