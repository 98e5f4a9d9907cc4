//! Facts about the current task and moment: `pid tid uid gid nsecs elapsed cpu
//! cgroup rand curtask comm probe`.

use crate::ir::{AluOp, Arg, Helper, Operand};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::Type;

/// A builtin variable computed by one helper call, then shifted and masked.
macro_rules! helper_variable {
    ($ty:ident, $name:literal, $doc:literal, $helper:expr, $shift:expr, $mask32:expr) => {
        super::variable!($ty, $name, $doc, |cx, _call| {
            Ok(helper_value(cx, $helper, $shift, $mask32))
        });
    };
}

fn helper_value(cx: &mut Lowerer, helper: Helper, shift: i64, mask32: bool) -> Lowered {
    let mut r = cx.call_helper(helper, vec![], Type::U64);
    if shift > 0 {
        r = cx.alu(AluOp::LShr, r, Operand::Imm(shift), Type::U64);
    }
    if mask32 {
        r = cx.alu(AluOp::And, r, Operand::Imm(0xffff_ffff), Type::U64);
    }
    Lowered::Reg(r, Type::U64)
}

helper_variable!(
    Pid,
    "pid",
    "pid: process id (tgid), e.g. /pid == 1234/",
    Helper::GetCurrentPidTgid,
    32,
    false
);
helper_variable!(
    Tid,
    "tid",
    "tid: thread id, e.g. @start[tid] = nsecs",
    Helper::GetCurrentPidTgid,
    0,
    true
);
helper_variable!(
    Uid,
    "uid",
    "uid: user id, e.g. /uid == 0/",
    Helper::GetCurrentUidGid,
    0,
    true
);
helper_variable!(
    Gid,
    "gid",
    "gid: group id, e.g. @[gid] = count()",
    Helper::GetCurrentUidGid,
    32,
    false
);
helper_variable!(
    Nsecs,
    "nsecs",
    "nsecs: monotonic nanoseconds, e.g. @start[tid] = nsecs",
    Helper::KtimeGetNs,
    0,
    false
);
helper_variable!(
    Cpu,
    "cpu",
    "cpu: the current CPU, e.g. @[cpu] = count()",
    Helper::GetSmpProcessorId,
    0,
    false
);
helper_variable!(
    Cgroup,
    "cgroup",
    "cgroup: cgroup v2 id of the task, e.g. @[cgroup] = count()",
    Helper::GetCurrentCgroupId,
    0,
    false
);
helper_variable!(
    Rand,
    "rand",
    "rand: a random 32-bit number, e.g. /rand % 100 == 0/",
    Helper::GetPrandomU32,
    0,
    false
);
helper_variable!(
    Curtask,
    "curtask",
    "curtask: address of the current task_struct, e.g. printf(\"%p\\n\", curtask)",
    Helper::GetCurrentTask,
    0,
    false
);

super::variable!(
    Elapsed,
    "elapsed",
    "elapsed: nanoseconds since the run started, e.g. printf(\"%d\\n\", elapsed / 1000000)",
    |cx, _call| {
        let now = cx.call_helper(Helper::KtimeGetNs, vec![], Type::U64);
        let key = cx.zeroed_slot(8);
        let start = cx.slot(8);
        let map = cx.start_map();
        cx.map_read(map, key, None, start, 0, 8);
        let s = cx.reg(Type::U64);
        cx.load_slot_to(s, start, 0, 8);
        let elapsed = cx.alu(AluOp::Sub, now, Operand::Reg(s), Type::U64);
        Ok(Lowered::Reg(elapsed, Type::U64))
    }
);

super::variable!(
    Comm,
    "comm",
    "comm: the current thread name (16 bytes), e.g. @[comm] = count()",
    |cx, _call| {
        let slot = cx.zeroed_slot(16);
        cx.call_void(
            Helper::GetCurrentComm,
            vec![Arg::SlotAddr(slot, 0), Arg::Imm(16)],
        );
        Ok(Lowered::Mem(slot, Type::Str { size: 16 }))
    }
);

super::variable!(
    Probe,
    "probe",
    "probe: the name of the probe that fired, e.g. @[probe] = count()",
    |cx, _call| {
        let name = cx.probe().name.clone();
        Ok(cx.string_literal(name.as_bytes()))
    }
);
