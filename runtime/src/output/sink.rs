//! Where a run's output goes: one renderer over one writer. A reader that
//! went away (`| head`) ends the run quietly instead of failing it.

use super::{Output, OutputFormat};
use crate::error::{Result, RuntimeError};
use std::io::{self, Write};

/// A renderer that remembers whether its reader has gone away.
pub struct Sink<'a> {
    out: Box<dyn Output + 'a>,
    closed: bool,
}

impl<'a> Sink<'a> {
    /// A `format` renderer over `file`, or over stdout when there is none;
    /// text mode writes the runtime's own messages to stderr.
    pub fn new(format: OutputFormat, file: Option<std::fs::File>) -> Self {
        let writer: Box<dyn Write> = match file {
            Some(file) => Box::new(io::BufWriter::new(file)),
            None => Box::new(io::stdout().lock()),
        };
        Sink {
            out: format.writer(writer, io::stderr()),
            closed: false,
        }
    }

    /// Renders through `f`; a broken pipe marks the sink closed, other
    /// write errors fail the run.
    pub fn write(&mut self, f: impl FnOnce(&mut dyn Output) -> io::Result<()>) -> Result<()> {
        match f(self.out.as_mut()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.map_err(|e| RuntimeError::new(format!("cannot write output: {e}"))),
        }
    }

    /// Whether the reader went away (the run then stops as on `exit()`).
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}
