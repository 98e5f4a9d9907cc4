//! Errors of a run: what went wrong, and which probe it concerns.

use std::fmt;

#[derive(Debug)]
pub struct RuntimeError {
    pub message: String,
    /// The probe (as named in the artifact) the error concerns, if any.
    pub probe: Option<String>,
    pub help: Option<String>,
}

impl RuntimeError {
    pub fn new(message: impl Into<String>) -> Self {
        RuntimeError {
            message: message.into(),
            probe: None,
            help: None,
        }
    }

    pub fn for_probe(probe: &str, message: impl Into<String>) -> Self {
        RuntimeError {
            message: message.into(),
            probe: Some(probe.to_string()),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

pub type Result<T> = std::result::Result<T, RuntimeError>;
