//! The library's errors. Each names the file (and line where there is one) and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Something in the content is wrong; `hint` says how to fix it.
    #[error("{location}: {message}\n  hint: {hint}")]
    Content {
        location: Location,
        message: String,
        hint: String,
    },

    /// Two files would be written to the same URL.
    #[error(
        "two pages have the URL {url}: {} and {}\n  hint: rename one of the files",
        first.display(),
        second.display()
    )]
    DuplicateUrl {
        url: String,
        first: PathBuf,
        second: PathBuf,
    },

    /// A theme template does not parse or does not render.
    #[error("template {name}: {message}\n  hint: {hint}")]
    Template {
        name: String,
        message: String,
        hint: String,
    },

    /// An error reading mail exports.
    #[error(transparent)]
    Mail(#[from] crate::signing::mail::MailError),

    /// The output directory can not be used.
    #[error("{}: {message}", path.display())]
    Output { path: PathBuf, message: String },
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn content(
        location: Location,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::Content {
            location,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// A place in a file: `path`, `path:line` or `path:line:column`, as editors understand it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    pub fn file(path: &Path) -> Self {
        Location {
            path: path.to_path_buf(),
            line: None,
            column: None,
        }
    }

    pub fn line(path: &Path, line: usize) -> Self {
        Location {
            path: path.to_path_buf(),
            line: Some(line),
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}
