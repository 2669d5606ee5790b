//! The one way text leaves the process. [`Output`] owns the run's
//! [`Redactor`]: every line for the console, every report file, every
//! snapshot file, the CI log's annotations and the step summary, and the
//! failure messages libtest prints pass through it, so a caller cannot
//! forget to hide a secret or to neutralise server text. Console lines
//! (errors, warnings, notes) are scrubbed and made inert (control, bidi
//! and invisible characters escaped); console blocks are scrubbed. Report
//! files, annotations and the step summary are rendered from the record
//! scrubbed and made inert as data, once, and written as they are. `tests/integration/layout.rs` allows printing and
//! file writes nowhere else.

use std::fmt::Display;
use std::path::Path;
use std::sync::Arc;

use crate::check::snapshot::Write;
use crate::pipeline::SnapshotWriter;
use crate::run::target::{Event, Observer};
use crate::secret::Redactor;
use crate::text::inert;

/// Where text goes, through the redactor.
#[derive(Debug, Clone, Default)]
pub struct Output {
    redactor: Redactor,
}

impl Output {
    /// An output that hides what `redactor` knows (and learns later: the
    /// redactor is shared with the session code that registers secrets).
    pub fn new(redactor: Redactor) -> Self {
        Self { redactor }
    }

    /// The redactor, for the code that registers secrets.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A text with every known secret hidden (for libtest's failure
    /// message, which libtest prints).
    pub fn scrub(&self, text: &str) -> String {
        self.redactor.scrub(text)
    }

    fn line(&self, text: &str) -> String {
        inert(&self.redactor.scrub(text))
    }

    /// `error: …` on stderr.
    pub fn error(&self, message: impl Display) {
        eprintln!("error: {}", self.line(&message.to_string()));
    }

    /// `warning: …` on stderr.
    pub fn warning(&self, message: impl Display) {
        eprintln!("warning: {}", self.line(&message.to_string()));
    }

    /// `note: …` on stderr.
    pub fn note(&self, message: impl Display) {
        eprintln!("note: {}", self.line(&message.to_string()));
    }

    /// One line on stderr, as it is worded (it carries its own prefix).
    pub fn say(&self, message: impl Display) {
        eprintln!("{}", self.line(&message.to_string()));
    }

    /// A rendered block (escaped by its renderer) on stderr.
    pub fn block(&self, text: &str) {
        eprint!("{}", self.redactor.scrub(text));
    }

    /// A rendered block on stdout (the coverage matrix, an explanation,
    /// workflow commands).
    pub fn stdout(&self, text: &str) {
        print!("{}", self.redactor.scrub(text));
    }

    /// The target's observer: a line for each request still waiting (after
    /// 2 s, then every 10 s: the case, method and path, seconds so far and
    /// the timeout) and for each wait on `Retry-After`.
    pub fn observer(&self) -> Observer {
        let out = self.clone();
        Observer::new(move |event| out.note(event_line(&event)))
    }

    /// clap's own message for a bad command line (it quotes what was typed).
    pub fn clap_error(&self, e: &clap::Error) {
        let text = e.render().to_string();
        if e.use_stderr() {
            eprint!("{}", self.redactor.scrub(&text));
        } else {
            print!("{}", self.redactor.scrub(&text));
        }
    }

    /// Workflow commands rendered from the scrubbed record, on stdout as
    /// they are (a text pass could only break them).
    pub fn rendered_stdout(&self, text: &str) {
        print!("{text}");
    }

    /// Writes a report file (creating its folder); the error names the
    /// flag. Reports are rendered from the record scrubbed as data
    /// ([`crate::record::RunRecord::scrubbed`]): a text pass here could
    /// only break them (a password that spells `true` or `testsuite`).
    pub fn report(&self, flag: &str, path: &Path, text: &str) -> Result<(), String> {
        write_file(path, text).map_err(|e| format!("{flag} {}: {e}", path.display()))
    }

    /// Appends to the step summary file (rendered from the scrubbed record).
    pub fn append(&self, what: &str, path: &Path, text: &str) -> Result<(), String> {
        use std::io::Write as _;
        regular_or_absent(path).map_err(|e| format!("{what} {}: {e}", path.display()))?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| format!("{what} {}: cannot append: {e}", path.display()))
    }

    /// The writer the pipeline hands snapshot files to. Their contents
    /// were hidden as data before the comparison (the pipeline), so the
    /// stored and the new body compare alike; a text pass here could only
    /// break the JSON.
    pub fn snapshot_writer(&self) -> SnapshotWriter {
        Arc::new(|w: &Write| {
            create_parent(&w.path)?;
            std::fs::write(&w.path, &w.text)
                .map_err(|e| format!("cannot write {}: {e}", w.path.display()))
        })
    }
}

fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// A report goes to a regular file or a new one: a FIFO, a device or a
/// folder given by mistake would hang the run (a FIFO with no reader) or
/// clobber something that is not a report.
pub(super) fn regular_or_absent(path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(
            "exists and is not a regular file (a folder, FIFO or device): give a file path"
                .to_owned(),
        ),
        _ => Ok(()),
    }
}

/// A file another library creates (libtest's `--logfile`): a regular file
/// or none yet, in a folder that exists.
pub(super) fn creatable(path: &Path) -> Result<(), String> {
    regular_or_absent(path)?;
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(format!("its folder {} does not exist", dir.display())),
        _ => Ok(()),
    }
}

/// Writes a file, creating its folder.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    regular_or_absent(path)?;
    create_parent(path)?;
    std::fs::write(path, text).map_err(|e| format!("cannot write: {e}"))
}

/// `30`, `0.5`: whole seconds without a fraction.
fn seconds_text(d: std::time::Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{}", d.as_secs_f64())
    }
}

/// One line for an [`Event`].
fn event_line(event: &Event) -> String {
    match event {
        Event::StillWaiting {
            case,
            request,
            seconds,
            timeout,
        } => format!(
            "{case}: still waiting for {request} ({seconds} s so far, timeout {} s)",
            seconds_text(*timeout)
        ),
        Event::RetryAfter {
            case,
            request,
            status,
            header,
            delay,
            used,
            budget,
        } => format!(
            "{case}: {request} answered {status} with Retry-After: {header}: waiting {:.1} s \
             before sending it again ({:.1} s of --max-wait {} s used)",
            delay.as_secs_f64(),
            used.as_secs_f64(),
            budget.as_secs()
        ),
    }
}
