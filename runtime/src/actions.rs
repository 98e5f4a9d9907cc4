//! What each output call does once its record is decoded: one function per
//! [`Action`], dispatched by [`Event::perform`]. The session only polls,
//! drains and hands events here.

use crate::error::Result;
use crate::events::{Decoder, Event};
use crate::output::{Message, Sink};
use crate::snapshot::ScriptMap;
use tracelet_compiler::artifact::{Action, SourceLocation};
use tracelet_compiler::format::Format;
use tracelet_compiler::value::Value;
use tracelet_compiler::Artifact;

/// What an action may touch: the artifact, its loaded maps (through the
/// decoder), and the output.
pub struct ActionContext<'r, 'a> {
    pub artifact: &'a Artifact,
    pub decoder: &'r Decoder<'r>,
    pub sink: &'r mut Sink<'a>,
}

/// Whether the run goes on after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// `exit()`: stop tracing, run END, print the maps.
    Exit,
}

impl Event<'_> {
    /// Performs the event's action.
    pub fn perform(self, cx: &mut ActionContext) -> Result<Flow> {
        let args = self.args;
        match &self.spec.action {
            Action::Printf(format) => printf(cx, format, args),
            Action::Join { separator } => {
                let text = join_text(&args, separator);
                cx.sink.write(|o| o.message(Message::Join, &text))
            }
            Action::Time(fmt) => {
                let text = local_time(fmt);
                cx.sink.write(|o| o.time(&text))
            }
            Action::PrintValue => match args.first() {
                Some(v) => cx.sink.write(|o| o.value(v)),
                None => Ok(()),
            },
            Action::PrintMap { map, top, div } => print_map(cx, *map, *top, *div),
            Action::ClearMap { map } => {
                with_script_map(cx, *map, |cx, sm| cx.decoder.maps.clear(sm))
            }
            Action::ZeroMap { map } => with_script_map(cx, *map, |cx, sm| cx.decoder.maps.zero(sm)),
            Action::Exit => return Ok(Flow::Exit),
            Action::MapFull { location } => {
                map_full(location, args.first());
                Ok(())
            }
        }?;
        Ok(Flow::Continue)
    }
}

/// bpftrace's warning for an update of a full map, on stderr whatever the
/// output format.
fn map_full(at: &SourceLocation, status: Option<&Value>) {
    let status = match status {
        Some(Value::Int(v)) => *v,
        _ => 0,
    };
    eprintln!(
        "{}: WARNING: Map full; can't update element. Try increasing max_map_keys config \
         or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`\n\
         {}\n{}\nAdditional Info - helper: map_update_elem, retcode: {status}",
        at.position, at.line, at.underline
    );
}

/// `printf`: strings that filled their `str()` buffer get bpftrace's trailer.
fn printf(cx: &mut ActionContext, format: &Format, args: Vec<Value>) -> Result<()> {
    let max_strlen = cx.artifact.max_strlen as usize;
    let trailer = &cx.artifact.str_trunc_trailer;
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| mark_truncated(a, max_strlen, trailer))
        .collect();
    let text = format.render(&args);
    cx.sink.write(|o| o.printf(&text))
}

/// `print(@m, top, div)`: the map as it is now.
fn print_map(cx: &mut ActionContext, map: usize, top: usize, div: u64) -> Result<()> {
    with_script_map(cx, map, |cx, sm| {
        let m = cx.decoder.maps.read(sm, cx.decoder)?;
        cx.sink.write(|o| o.map(&m, top, div))
    })
}

/// Runs `f` on the artifact's map `index` if it is a script map.
fn with_script_map(
    cx: &mut ActionContext,
    index: usize,
    f: impl FnOnce(&mut ActionContext, &ScriptMap) -> Result<()>,
) -> Result<()> {
    let artifact = cx.artifact;
    match ScriptMap::new(&artifact.maps[index]) {
        Some(sm) => f(cx, &sm),
        None => Ok(()),
    }
}

/// bpftrace's heuristic: a string exactly filling a `str()` buffer was cut.
fn mark_truncated(v: Value, max_strlen: usize, trailer: &str) -> Value {
    match v {
        Value::Str(s) if s.len() + 1 == max_strlen => Value::Str(s + trailer),
        other => other,
    }
}

/// `join()`'s record: a count, then that many strings, joined by `separator`.
fn join_text(args: &[Value], separator: &str) -> String {
    let count = match args.first() {
        Some(Value::UInt(n)) => *n as usize,
        _ => 0,
    };
    let words: Vec<String> = args.iter().skip(1).take(count).map(Value::text).collect();
    words.join(separator)
}

/// The local time formatted with strftime.
fn local_time(fmt: &str) -> String {
    let Ok(cfmt) = std::ffi::CString::new(fmt) else {
        return String::new();
    };
    let mut buf = vec![0u8; 256];
    // SAFETY: time/localtime_r/strftime with valid pointers and buffer length.
    let n = unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            cfmt.as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelet_compiler::artifact::STR_TRUNC_TRAILER;

    #[test]
    fn join_takes_the_counted_strings() {
        let args = [
            Value::UInt(2),
            Value::Str("a".into()),
            Value::Str("b".into()),
            Value::Str("unused".into()),
        ];
        assert_eq!(join_text(&args, ", "), "a, b");
        assert_eq!(join_text(&[], " "), "");
    }

    #[test]
    fn a_string_filling_its_buffer_gets_the_trailer() {
        let cut = mark_truncated(Value::Str("abc".into()), 4, STR_TRUNC_TRAILER);
        assert_eq!(cut, Value::Str(format!("abc{STR_TRUNC_TRAILER}")));
        assert_eq!(
            mark_truncated(Value::Str("ab".into()), 4, STR_TRUNC_TRAILER),
            Value::Str("ab".into())
        );
    }

    #[test]
    fn local_time_formats_with_strftime() {
        assert_eq!(local_time("%%x"), "%x");
        assert_eq!(local_time("%Y").len(), 4);
        assert_eq!(local_time("a\0b"), "");
    }
}
