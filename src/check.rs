//! `oproep check`: everything the build validates, and what a build can not see.
//! (Being written: this stub only runs the build's own checks.)

use std::time::Duration;

use serde::Serialize;

use crate::BuildOptions;
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub build: BuildOptions,
    /// Also request every external link.
    pub external: bool,
    /// How long one external request may take.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: where, how bad, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {severity}: {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found, errors first.
pub fn check_site(options: &CheckOptions) -> Vec<Problem> {
    match crate::render_site(&options.build) {
        Ok(_) => Vec::new(),
        Err(err) => vec![problem_from_error(&err)],
    }
}

/// A build error as a problem.
pub fn problem_from_error(err: &Error) -> Problem {
    match err {
        Error::Content {
            location,
            message,
            hint,
        } => Problem {
            severity: Severity::Error,
            file: location.path.display().to_string(),
            line: location.line,
            column: location.column,
            message: message.clone(),
            hint: hint.clone(),
        },
        other => Problem {
            severity: Severity::Error,
            file: String::new(),
            line: None,
            column: None,
            message: other.to_string(),
            hint: String::new(),
        },
    }
}
