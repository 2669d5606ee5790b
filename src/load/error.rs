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
            let caret_pad: String = self
                .source_line
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{pad} |\n{} | {}\n{pad} | {caret_pad}^\n",
                self.line, self.source_line
            ));
        }
        out
    }
}
