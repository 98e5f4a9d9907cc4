#!/usr/bin/env python3
"""Generate docs/compatibility.md from one bt_runtime.py result.

    python3 tools/compat_report.py RESULT.json > docs/compatibility.md

RESULT.json is what ../shared/conformance/bt_runtime.py --json writes (bpftrace's
runtime test suite run against tracelet). Every failing test is given a cause by
the first rule of RULES that matches it; each cause names the open issue that
covers it. Python 3 standard library only.
"""

import collections
import datetime
import json
import os
import re
import sys

# ---------------------------------------------------------------------------
# Failure causes: an ordered list, first match wins.
#
# Each rule is (cause, issue, conditions). All conditions must match (re.search).
# Condition keys:
#   msg     tracelet's first diagnostic line ("× ..." with wrapped lines joined)
#   at      the source line the diagnostic points at, with ⟪ inserted at the
#           reported column (e.g. "config ⟪= { ... }")
#   cmd     the test's command, tracelet's path shortened to "tracelet"
#   reason  the runner's reason (exit code, unmet TEXT/REGEX/FILE, TIMEOUT)
#   out     tracelet's output tail
#   suite, name
# A negated condition is written with a leading "!" in the key ("!msg").
# "{0}" in a cause is replaced by the first group captured by a condition.
# issue: an open issue number, "suite" (the issue that owns the test's suite,
# see SUITE_ISSUE) or None (no tracelet issue: bpftrace-specific or the runner).
# ---------------------------------------------------------------------------
ATTACH = r"expected `\{` after the attach points"
RULES = [
    # -- program structure / declarations before the first probe ------------
    ("top-level `config = { … }` block", 7, {"msg": ATTACH, "at": r"\bconfig\s*⟪"}),
    ("macro definitions `macro name(…) { … }`", 7, {"msg": ATTACH, "at": r"\bmacro\s+⟪"}),
    ("map declarations `let @m = hash(N)`", 7, {"msg": ATTACH, "at": r"\blet\s*⟪@"}),
    ("`import \"file\"` of bpftrace's stdlib scripts", 7, {"msg": ATTACH, "at": r"\bimport\s*⟪"}),
    ("C `struct`/`union` definitions in the script", 6,
     {"msg": ATTACH, "at": r"\b(struct|union|typedef)\s*⟪"}),
    ("C `enum` definitions in the script", 6, {"at": r"\benum\s*(\w+\s*)?(⟪|\{[^}⟪]*⟪)"}),
    ("`#include` / `#define` (preprocessor)", 6, {"msg": r"unexpected `#`"}),
    ("`--include FILE` (C headers) on the command line", 6, {"msg": r"cannot read --include"}),
    ("uprobe source-line attach points `uprobe:BIN@file.c:LINE`", 14,
     {"msg": ATTACH, "at": r"uprobe:\S*⟪@"}),
    ("usdt probes (quoted probe name)", 14, {"msg": ATTACH, "at": r"^usdt:"}),
    # -- statements and expressions of the v0.26 language -------------------
    ("block expressions `{ …; expr }`", 7, {"msg": r"unexpected `\{`, expected an expression"}),
    ("`let $x[: type]` variable declarations", 7, {"msg": r"missing `;` between statements",
                                                  "at": r"\blet\s*⟪"}),
    ("`return` with a value", 7, {"msg": r"missing `;` between statements", "at": r"\breturn\s*⟪"}),
    ("the discard `_ = expr`", 7, {"at": r"\b_\s*⟪="}),
    ("`if` without parentheses around the condition", 7,
     {"msg": r"expected `\(`", "at": r"\bif\s*⟪"}),
    ("`for ($kv : @map)` map iteration", 7, {"msg": r"unexpected `\)`, expected `\[`",
                                            "at": r"for\s*\(\$\w+\s*:\s*@\w*⟪"}),
    ("duration literals (`100ms`, `1s`), e.g. in `tseries()`", 7,
     {"msg": r"unexpected `\d+(ns|us|ms|s|m|h|d)`"}),
    ("interval periods with a unit suffix (`i:500ms`)", 7,
     {"msg": r"`i(nterval)?:\d+\w+` has the wrong number of parts"}),
    ("the elvis operator `a ?: b`", 7, {"at": r"\?⟪:"}),
    ("tuple element access `$t.0` / `@t.0`", 7,
     {"msg": r"field access needs a builtin", "at": r"[$@]\w*\.(\d+\.)*⟪\d"}),
    ("positional parameters where a constant is needed (`lhist(0, $1, …)`, `unroll($1)`, "
     "`i:ms:$1`, `strncmp(…, $1)`, `kaddr(str($1))`)", 7,
     {"msg": r"expected an integer literal|expects an integer literal|is not a positive integer"
             r"|expects a string literal", "at": r"\$\d"}),
    ("positional parameters in attach points (`$1 { … }`, `BEG$1`)", 7,
     {"msg": r"unknown probe type `\w*\$\d"}),
    ("positional parameter used as a string (`str($1 + 1)`, `$1` with named args)", 7,
     {"msg": r"\$\d is `(?!-p`)[^`]*`, not a number"}),
    ("`getopt()` named program options", 7, {"msg": r"unknown function `getopt`"}),
    ("`getopt()` named program options", 7, {"cmd": r"--aa=", "reason": r"WILL_FAIL"}),
    ("string variables/tuples re-assigned with a longer string", 7,
     {"msg": r"has type .*string\[\d+\].*cannot be assigned"}),
    ("ternary branches of different string sizes / void branches", 7,
     {"msg": r"the branches of `\?:` have different types"}),
    ("map keys: `@[(a, b)]` and `@[a, b]` as one key type", 11,
     {"msg": r"is used with key .* elsewhere"}),
    ("`unroll` error text: bpftrace reports `unroll maximum/minimum value`", 7,
     {"msg": r"unroll count must be between"}),
    ("config keys / env variables: `BPFTRACE_MAX_STRLEN` above 4096", 7,
     {"msg": r"BPFTRACE_MAX_STRLEN=\d+ is out of range"}),
    ("very long strings: a probe's values exceed tracelet's 32 KiB of scratch memory", 10,
     {"msg": r"bytes for its values, more than the \d+ bytes"}),
    ("warnings are miette diagnostics, not bpftrace's `WARNING: …` lines", 7,
     {"reason": r"WARNING: No matches"}),
    ("`stack_mode` raw/perf frames of `ustack` as map keys print differently", 11,
     {"name": r"stack_mode config"}),
    ("ustack frames from the ELF symbol table lack `+offset`", 11,
     {"name": r"ustack_elf_symtable|func_uprobe_elf"}),
    # -- C data: types, pointers, arrays, bool, records ---------------------
    ("`bool` type, `true`/`false`", 6, {"msg": r"unknown (builtin `(true|false)`|type `bool`)"}),
    ("records / named tuples `(a=1, b=2)`", 6,
     {"msg": r"unexpected `=`, expected `,` or `\)`", "at": r"\(\s*\w+\s*⟪="}),
    ("int array types in casts (`(int8[8])x`, `(bool[2])`)", 6,
     {"msg": r"unexpected `\[`", "at": r"\((u?int\d+|bool)\s*⟪\["}),
    ("indexing pointer fields of tracepoint args (`args.argv[0]`)", 6,
     {"msg": r"unexpected `\[`", "at": r"args\.\w+⟪\["}),
    ("tuple indexing `$t[i]`", 6, {"msg": r"unexpected `\[`", "suite": r"^tuples$"}),
    ("indexing a string `$s[i]`", 6, {"msg": r"unexpected `\[`", "suite": r"^strcontains$"}),
    ("pointer indexing `$p[i]`", 6, {"msg": r"unexpected `\[`"}),
    ("pointer dereference `*p`", 6, {"msg": r"unexpected `\*\*?`, expected an expression"}),
    ("address-of `&$var`", 6, {"msg": r"unexpected `&`|unexpected `\)`, expected an expression",
                               "at": r"&"}),
    ("`sizeof` / `offsetof`", 6, {"msg": r"unknown function `(sizeof|offsetof)`"}),
    ("`sizeof` / `offsetof`", 6, {"at": r"sizeof\(struct\s*⟪"}),
    ("`uptr()` / `kptr()` address-space annotations", 6, {"msg": r"unknown function `(u|k)ptr`"}),
    ("pointer casts `(T *)` and pointer arithmetic", 6, {"msg": r"casts to `[^`]*\*` are not supported"}),
    ("BTF types: `curtask` and tracepoint pointer fields (`curtask.parent`, `args.rqtp.tv_sec`)", 6,
     {"msg": r"field access needs a builtin|curtask has no fields", "at": r"(curtask|args)(\.\w+)+\.⟪"}),
    ("BTF types: `curtask` and tracepoint pointer fields (`curtask.parent`, `args.rqtp.tv_sec`)", 6,
     {"msg": r"curtask has no fields"}),
    ("struct pointer casts `((struct Foo *)arg0).a` (DWARF/BTF types)", 6,
     {"msg": r"field access needs a builtin", "at": r"\(struct \w+ \*\)"}),
    ("uprobe `args` from DWARF debug info", 6,
     {"msg": r"`args` (is only available in tracepoint probes|can only be used with a field)",
      "cmd": r"uprobe:"}),
    ("uprobe `args` from DWARF debug info", 6,
     {"msg": r"field access needs a builtin", "at": r"args\.", "cmd": r"uprobe:"}),
    ("`-lv` listing of uprobe arguments from DWARF", 6,
     {"cmd": r"tracelet -lv '?uprobe:", "reason": r"unmet TEXT"}),
    ("`-lv 'struct NAME'` listing of BTF struct definitions", 6,
     {"msg": r"unknown probe type `struct "}),
    ("`probe` builtin: v0.26 names BEGIN/END probes `begin`/`end`", 7,
     {"reason": r"\^begin-end"}),
    ("BEGIN output printed before the attach marker (bpftrace runs BEGIN after it)", 7,
     {"out": r"\S__BPFTRACE_NOTIFY_PROBES_ATTACHED", "cmd": r"(?i)\bbegin\s*\{"}),
    ("bpftrace-specific: the test expects the tracer's own process name `bpftrace`", None,
     {"cmd": r"\bcomm\b", "out": r"\btracelet\b", "reason": r"bpftrace|unmet JSON"}),
    ("v0.26 integer typing: unsigned 64-bit literals and `~x` print as unsigned", 6,
     {"reason": r"unmet TEXT '[^']*18446744073709551\d+"}),
    ("`bool` type: comparisons and `strcontains()` print `true`/`false`", 6,
     {"reason": r"unmet TEXT '\(?(true|false)"}),
    ("BTF types of the kernel (`struct task_struct`, `qspinlock`, BTF enums)", 6,
     {"msg": r"struct (task_struct|timer_list) is not defined|unknown type `(qspinlock|BTF_\w+)`"}),
    ("BTF types of tracepoint pointer fields (`args.rqtp.tv_sec`, `args.argv[0]`)", 6,
     {"msg": r"cannot dereference a `void \*`|str\(\) expects a pointer or a string, found void"}),
    ("BTF `args` of raw tracepoints", 6, {"msg": r"`args` is only available in tracepoint probes, not in rawtracepoint"}),
    ("uprobe struct types from DWARF (`(struct Foo *)arg0` without a definition)", 6,
     {"msg": r"struct Foo is not defined", "cmd": r"uprobe_test"}),
    ("`float` members in C definitions", 6, {"msg": r"unknown type `float`"}),
    ("casts of integers to bool arrays (`(bool[2])x`)", 6, {"msg": r"cannot cast \w+ to bool\["}),
    ("runtime array bounds warning (`WARNING: Array access out of bounds`)", 6,
     {"reason": r"Array access out of bounds"}),
    ("tuple/struct packing as bpftrace sizes them (`sizeof` of tuples with narrow ints)", 6,
     {"suite": r"tuples", "name": r"sizing"}),
    ("`==`/`!=` on tuples, tuple indexing `$t[1+1]`", 6,
     {"msg": r"cannot be applied to \(|cannot index \("}),
    ("enum values printed symbolically (`%s` of an enum, enum map keys and values)", 6,
     {"name": r"enum_symboli[sz]|symbolize (enum|int cast to enum)"}),
    ("v0.26 integer typing: a variable assigned `1` is 1 byte (`sizeof($x)`), tuples packed", 6,
     {"name": r"^sizeof$|^complex tuple 4$"}),
    ("map declarations: the full-map and unused-map warnings in bpftrace's `WARNING:` form "
     "(full-map warning added after this run)", 7,
     {"suite": r"^map$", "reason": r"WARNING: (Map full|Unused map)"}),
    ("aggregations as block-expression values (`@ = { …; avg($a) }`)", 7,
     {"msg": r"is an aggregation and can only be assigned to a map"}),
    ("`if` as an expression (nested ternary `if` blocks)", 7, {"msg": r"unexpected `if`, expected an expression"}),
    ("macros returning the format of `printf`", 7, {"msg": r"printf's format must be a string literal"}),
    ("`delete()` return value", 11, {"msg": r"this expression has no value to assign", "at": r"delete\("}),
    ("positional parameter string arithmetic (`str($1 + 1)`)", 7,
     {"msg": r"operator `\+` cannot be applied to string"}),
    ("bpftrace's `HINT:` line for `--help` of program options (tracelet: miette help)", None,
     {"reason": r"HINT: expected program options"}),
    ("`-lv` listing of raw tracepoint arguments from BTF", 6, {"cmd": r"-lv \"rawtracepoint"}),
    # -- probe types and attach behaviour ------------------------------------
    ("rawtracepoint probes (`rawtracepoint:`, `rt:`)", 14, {"msg": r"unknown probe type `(rawtracepoint|rt)`"}),
    ("`{0}` probes", 14, {"msg": r"unknown probe type `(\w+)`"}),
    ("`-p PID`", 14, {"msg": r"cannot read -p\b|unknown probe type `-p`|\$1 is `-p`"
                              r"|unexpected argument '(-p|--pid)' found"}),
    ("uprobes by `-p PID`: wildcard binary `uprobe:*:fn` and the target's mount namespace", 14,
     {"msg": r"cannot find the binary `(\*|/tmp/bpftrace-unshare)|`uprobe:\*` has the wrong number"}),
    ("uprobe binary paths without `./` (`uprobe:testprogs/x:fn` lexes `/` as division)", 14,
     {"msg": r"unexpected `:`, expected `/`", "at": r"u(ret)?probe:\w[\w/.-]*⟪:"}),
    ("uprobe wildcards in the binary path (`uprobe:./testprogs/uprobe*:*`)", 14,
     {"msg": r"cannot find the binary `[^`]*\*"}),
    ("uprobe binaries: `\"…\"`-quoted function names and zip-archive members", 14,
     {"msg": r"cannot find the binary `\"|function `\"[^`]*\"` not found"}),
    ("uprobe address/offset/symbol-size checks (bpftrace refuses, tracelet attaches)", 14,
     {"reason": r"TIMEOUT.*(Could not resolve address|Could not determine boundary)"}),
    ("uprobe offsets past the function end (bpftrace's own error text)", 14,
     {"msg": r"cannot attach uprobe:.*\+\d+"}),
    ("uprobes in a library mapped without exec permission", 14,
     {"cmd": r"libsimple\.so", "reason": r"TIMEOUT"}),
    ("`missing_probes` rule: an attach point that does not exist (error text/warn)", 14,
     {"msg": r"tracepoint `[^`]*` not found|function `\w+` not found in"}),
    ("listing (`-l`) of kprobes, fentry, rawtracepoint, software and hardware events", 14,
     {"cmd": r"tracelet -l\b[^|]*(\| grep (fentry|hardware|rawtracepoint|software)|'kprobe\*'"
             r"|\"\*do_nanosleep\*\")"}),
    ("listing (`-l`) with a wildcarded probe type (`*:BIN:*`, `*ware:*`)", 14,
     {"cmd": r"tracelet -l '\*:|tracelet -l \"\*ware"}),
    ("uprobe/uretprobe firing order for one function", 14,
     {"reason": r"\(first\)\+ second"}),
    ("test programs the runner did not build (stripped / split-DWARF variants)", None,
     {"msg": r"cannot find the binary `\./testprogs/(external_debug|uprobe_\w*-stripped)"}),
    # -- standard library and command line -----------------------------------
    ("`__builtin_*` aliases of builtins", 11, {"msg": r"unknown builtin `__builtin_\w+`"}),
    ("builtin `{0}`", 11, {"msg": r"unknown builtin `(\w+)`"}),
    ("builtins with a mode argument: `{0}(mode)`", 11,
     {"msg": r"(\w+) is a builtin variable, not a function"}),
    ("function `{0}()`", 11, {"msg": r"unknown function `(\w+)`"}),
    ("`%r`/`%rx`/`%rh` buffer conversions", 11, {"msg": r"unknown conversion `%r`"}),
    ("`%gr` (GFP flags) conversion", 11, {"msg": r"floating point is not supported", "at": r"%g"}),
    ("`ustack(build_id)` stack mode", 11, {"msg": r"unknown stack mode build_id"}),
    ("`delete(@m, key)` two-argument form and its return value", 11,
     {"msg": r"delete\(\) takes 1 argument"}),
    ("`delete(@m, key)` two-argument form and its return value", 11,
     {"msg": r"a condition must be an integer, found void", "at": r"delete\("}),
    ("`exit(code)`", 11, {"msg": r"exit\(\) takes 0 arguments"}),
    ("`--cmd` (long form of `-c`)", 11, {"msg": r"cpid cannot be used without child command",
                                        "cmd": r"--cmd"}),
    ("`--unsafe` (and the unsafe functions it enables: `system`, …)", 11,
     {"msg": r"cannot read --unsafe|unexpected argument '--unsafe' found"}),
    ("`--usdt-file-activation`", 14, {"msg": r"unexpected argument '--usdt-file-activation'"}),
    ("`--include FILE` (C headers) on the command line", 6, {"msg": r"unexpected argument '--include'"}),
    ("`--debuginfo` search paths for stripped binaries", 6, {"msg": r"unexpected argument '--debuginfo'"}),
    ("`--mode` (bench, test)", 7, {"msg": r"unexpected argument '--mode'"}),
    ("CLI flag `{0}`", 11, {"msg": r"cannot read (-[-\w]+): No such file"}),
    ("CLI flag `{0}`", 11, {"msg": r"unexpected argument '(-[-\w]+)' found"}),
    ("`-l FILE`: a script file's probes / a missing file", 11,
     {"msg": r"unknown probe type `[\w.]+\.bt`"}),
    ("`-l FILE`: a script file's probes / a missing file", 11,
     {"cmd": r"tracelet -l runtime/scripts/"}),
    ("`-h` usage text in bpftrace's layout", 11, {"reason": r"unmet TEXT 'USAGE:'"}),
    ("`--version` in bpftrace's form", 11, {"reason": r"\^bpftrace v"}),
    ("`-v` without `-l` (verbose mode)", 11, {"out": r"required arguments were not provided:\s+-l"}),
    ("`-o FILE` long form `--output`", 11, {"cmd": r"--output "}),
    ("`stats()` output in v0.26's `{ .count = …, .average = …, .total = … }` form", 11,
     {"reason": r"\.count = "}),
    ("tuple map keys print without parentheses (`@[1, hello]`)", 11,
     {"reason": r"unmet TEXT '@\w*\[\d+, (\w+|\(\d+)"}),
    ("`ustack`/`ustack(N)` in a uprobe: stack walk and `ustack_stack_mode` config/env", 11,
     {"cmd": r"uprobe_loop:uprobeFunction1 .*ustack"}),
    ("division by zero: bpftrace's result 1 and warning", 7, {"reason": r"Divide or modulo by 0"}),
    ("`Unreachable statement` warning", 7, {"reason": r"Unreachable statement"}),
    ("octal positional parameters (`0775`)", 11, {"reason": r"got: 123 775"}),
    ("`BPFTRACE_MAX_STRLEN=5`: `str()` keeps one character fewer than bpftrace "
     "(and `BPFTRACE_STR_TRUNC_TRAILER`)", 7,
     {"name": r"^str_truncated"}),
    ("v0.26 JSON shapes (`attached_probes` with `count`)", 7,
     {"suite": r"^json-output$", "reason": r"attached_probes"}),
    ("hist()/lhist() map header printed as `@: ` (trailing space; v0.26 prints `@:`)", 11,
     {"reason": r"unmet FILE 'runtime/outputs/l?hist", "out": r"^@\w*(\[[^\]]*\])?: $"}),
    ("`probe` builtin: v0.26 names BEGIN/END probes `begin`/`end`", 7,
     {"reason": r"\^begin-end"}),
    # -- tracer identity and bpftrace-format messages -------------------------
    ("bpftrace-specific: the test expects the tracer's own process name `bpftrace`", None,
     {"reason": r"bpftrace'|comm: bpftrace|'bpftrace\"|\"bpftrace\"", "!cmd": r"tracelet -lv"}),
    ("the `Attached N probes` banner of v0.26 (tracelet prints `Attaching N probes...`)", 7,
     {"reason": r"unmet TEXT 'Attached \d+ probes?'"}),
    ("BEGIN output printed before the attach marker (bpftrace runs BEGIN after it)", 7,
     {"out": r"\S__BPFTRACE_NOTIFY_PROBES_ATTACHED|^(?!Attaching \d+ probes?\.\.\.$|Attached \d+ probes?$).+\n"
             r"__BPFTRACE_NOTIFY_PROBES_ATTACHED", "cmd": r"(?i)\bbegin\s*\{"}),
    ("BEGIN output printed before the attach marker (bpftrace runs BEGIN after it)", 7,
     {"reason": r"unmet (FILE|JSON)", "out": r"\A\s*\Z", "cmd": r"(?i)\bbegin\s*\{"}),
    ("error text differs from bpftrace's `ERROR: …` message (tracelet rejects the program too)",
     "suite", {"reason": r"ERROR|error:|fatal error|Offset outside", "msg": r"."}),
    ("error text differs from bpftrace's `ERROR: …` message (tracelet rejects the program too)",
     "suite", {"reason": r"ERROR", "out": r"^error: "}),
]

# The issue that owns each suite (from the issues' "Tests and measurement" lists).
SUITE_ISSUE = {
    **dict.fromkeys("array pointers struct complex_types btf intptrcast bool record addrspace "
                    "dwarf".split(), 6),
    **dict.fromkeys("for macro config map variable basic other regression precedence "
                    "interop languages".split(), 7),
    **dict.fromkeys("call builtin json-output file-output intcast signed_ints tuples "
                    "strcontains stdlib selftest".split(), 11),
    **dict.fromkeys("probe usdt watchpoint uprobe pid_namespace signals dwunwind".split(), 14),
}

ISSUES = {
    6: "Kernel and C data: BTF types, C definitions, pointers, structs, arrays",
    7: "The bpftrace v0.26 language: loops, blocks, macros, config, declarations",
    8: "An interactive REPL",
    9: "stdlib-scripts: tools and flame graphs",
    10: "No lost events, start in milliseconds, tight BPF code",
    11: "bpftrace v0.26.1's whole standard library and command line",
    12: "OpenMetrics and OTLP",
    13: "A second engine: cranelift",
    14: "Every probe type, and kprobes/fentry tested for real in a VM",
}

OTHER = "other (no rule matched)"
COMMAND = ("python3 /work/shared/conformance/bt_runtime.py --mirror /work/.mirror/bpftrace+bpftrace/repo "
           "--bin target/release/tracelet --tag v0.26.1 --no-verify-ir --info-bin /usr/bin/bpftrace "
           "--json /tmp/tl.json")


def first_error(out):
    """tracelet's first diagnostic line, wrapped continuation lines joined."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*× (.*)", line)
        if m:
            msg = m.group(1).strip()
            for nxt in lines[i + 1:]:
                c = re.match(r"\s*│ (.*)", nxt)
                if not c:
                    break
                msg += " " + c.group(1).strip()
            return msg
    for line in lines:
        if re.match(r"(error|Error|ERROR)\b", line.strip()):
            return line.strip()
    return ""


def error_site(out):
    """The source line a miette diagnostic points at, with ⟪ at the column."""
    m = re.search(r"╭─\[[^\]]*?:(\d+):(\d+)\]", out)
    if not m:
        return ""
    line, col = int(m.group(1)), int(m.group(2))
    s = re.search(r"^\s*%d │ (.*)$" % line, out, re.M)
    if not s:
        return ""
    text = s.group(1)
    return text[:col - 1] + "⟪" + text[col - 1:]


def fields(t):
    out = t.get("output_tail") or ""
    cmd = t.get("command") or ""
    cmd = re.sub(r"\S*/tracelet\b", "tracelet", cmd)
    return {"msg": first_error(out), "at": error_site(out), "cmd": cmd,
            "reason": t.get("reason") or "", "out": out, "suite": t["suite"], "name": t["name"]}


def classify(t):
    f = fields(t)
    for cause, issue, conds in RULES:
        groups = []
        ok = True
        for key, rx in conds.items():
            neg = key.startswith("!")
            k = key.lstrip("!")
            m = re.search(rx, f[k], re.M)
            if neg:
                if m:
                    ok = False
                    break
                continue
            if not m:
                ok = False
                break
            groups.extend(g for g in m.groups() if g is not None)
        if ok:
            if "{0}" in cause and groups:
                cause = cause.replace("{0}", groups[0])
            if issue == "suite":
                issue = SUITE_ISSUE.get(t["suite"])
            return cause, issue, f
    return OTHER, None, f


def md(s):
    return s.replace("|", "\\|")


def issue_ref(issue):
    return "#%d" % issue if issue else "— (not a tracelet issue)"


def raw_line(f):
    line = f["msg"] or f["reason"]
    return line[:160]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s RESULT.json > docs/compatibility.md\n" % argv[0])
        return 2
    path = argv[1]
    with open(path) as fh:
        data = json.load(fh)
    tests = data["tests"]
    summary = data.get("summary") or collections.Counter(t["status"] for t in tests)
    total = len(tests)
    mtime = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)

    suites = collections.OrderedDict()
    for t in sorted(tests, key=lambda t: t["suite"]):
        suites.setdefault(t["suite"], []).append(t)

    failed = [t for t in tests if t["status"] == "FAIL"]
    assigned = {}
    for t in failed:
        assigned[(t["suite"], t["name"], t.get("command"))] = classify(t)

    w = sys.stdout.write
    w("# Compatibility with bpftrace v0.26.1's runtime tests\n\n")
    w("<!-- generated by tools/compat_report.py from %s; do not edit by hand -->\n\n"
      % os.path.basename(path))
    w("bpftrace's own data-driven runtime test suite (`tests/runtime/` at tag %s, commit `%s`) "
      "was run against tracelet with the conformance runner "
      "(`../shared/conformance/bt_runtime.py`, see its README):\n\n" %
      (data.get("tag", "?"), (data.get("commit") or "?")[:12]))
    w("```sh\n%s\n```\n\n" % COMMAND)
    w("| | |\n|---|---|\n")
    w("| bpftrace tag | %s (`%s`) |\n" % (data.get("tag", "?"), data.get("commit", "?")))
    w("| tracelet binary | `%s` |\n" % data.get("binary", "?"))
    w("| kernel | %s |\n" % data.get("kernel", "?"))
    if data.get("environment"):
        w("| environment | %s |\n" % md(data["environment"]))
    commit = data.get("tracelet_commit")
    m = re.search(r"-([0-9a-f]{7,40})\.json$", os.path.basename(path))
    if not commit and m:
        commit = m.group(1)
    if commit:
        w("| tracelet commit | `%s` |\n" % commit)
    w("| result file | `%s`, written %s |\n" % (os.path.basename(path), mtime.strftime("%Y-%m-%d %H:%M UTC")))
    w("\n**%d passed, %d failed, %d skipped of %d tests.** SKIP means the runner decided "
      "before running that this machine cannot run the test (no kprobes, no fentry, no "
      "hardware PMU, a failed REQUIRES or REQUIRES_FEATURE), or the failure was a missing "
      "kernel capability.\n\n" % (summary.get("PASS", 0), summary.get("FAIL", 0),
                                  summary.get("SKIP", 0), total))
    w("To regenerate: build tracelet (`cargo build --release`), run the command above, then\n\n")
    w("```sh\npython3 tools/compat_report.py /tmp/tl.json > docs/compatibility.md\n```\n\n")
    w("Causes are assigned by the ordered rule table `RULES` at the top of "
      "`tools/compat_report.py` (regular expressions over tracelet's first diagnostic line, "
      "the source position it points at, the test's command and the runner's reason); "
      "the first rule that matches names the cause of a failure, and each cause names the "
      "open issue that covers it. Where a test fails for several reasons, the cause named is "
      "the first one tracelet stops at.\n\n")

    # -- per-suite table --------------------------------------------------------
    w("## Results per suite\n\n")
    w("| suite | pass | fail | skip | total | issue |\n|---|---:|---:|---:|---:|---|\n")
    for name, ts in suites.items():
        c = collections.Counter(t["status"] for t in ts)
        iss = SUITE_ISSUE.get(name)
        w("| %s | %d | %d | %d | %d | %s |\n" % (name, c["PASS"], c["FAIL"], c["SKIP"], len(ts),
                                               "#%d" % iss if iss else ""))
    w("| **all** | **%d** | **%d** | **%d** | **%d** | |\n\n" %
      (summary.get("PASS", 0), summary.get("FAIL", 0), summary.get("SKIP", 0), total))

    # -- causes -----------------------------------------------------------------
    by_cause = collections.OrderedDict()
    for t in failed:
        cause, issue, f = assigned[(t["suite"], t["name"], t.get("command"))]
        by_cause.setdefault((cause, issue), []).append((t, f))
    w("## Failure causes\n\n")
    n_other = sum(len(v) for (c, _), v in by_cause.items() if c == OTHER)
    w("%d failing tests, %d causes; %d (%.1f %%) matched no rule.\n\n" %
      (len(failed), len(by_cause) - (1 if n_other else 0), n_other,
       100.0 * n_other / max(1, len(failed))))
    per_issue = collections.Counter()
    for (c, iss), v in by_cause.items():
        per_issue[iss] += len(v)
    w("| issue | failing tests |\n|---|---:|\n")
    for iss, n in sorted(per_issue.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        title = ISSUES.get(iss, "")
        w("| %s | %d |\n" % ("#%d %s" % (iss, title) if iss else "— (bpftrace-specific, runner, unmatched)", n))
    w("\n| cause | tests | issue | suites |\n|---|---:|---|---|\n")
    for (cause, iss), v in sorted(by_cause.items(), key=lambda kv: (-len(kv[1]), kv[0][0])):
        sc = collections.Counter(t["suite"] for t, _ in v)
        w("| %s | %d | %s | %s |\n" % (md(cause), len(v), issue_ref(iss),
                                        ", ".join("%s %d" % kv for kv in sorted(sc.items()))))
    w("\n")
    if n_other:
        w("### Unmatched failures\n\n")
        w("| suite | test | first error line / runner's reason |\n|---|---|---|\n")
        for (cause, iss), v in by_cause.items():
            if cause != OTHER:
                continue
            for t, f in v:
                w("| %s | %s | `%s` |\n" % (t["suite"], md(t["name"]), md(raw_line(f)).replace("`", "'")))
        w("\n")

    # -- per suite --------------------------------------------------------------
    w("## Failing tests per suite\n\n")
    for name, ts in suites.items():
        fs = [t for t in ts if t["status"] == "FAIL"]
        c = collections.Counter(t["status"] for t in ts)
        w("### %s\n\n%d passed, %d failed, %d skipped.\n\n" % (name, c["PASS"], c["FAIL"], c["SKIP"]))
        if not fs:
            continue
        w("| test | cause | issue |\n|---|---|---|\n")
        for t in sorted(fs, key=lambda t: t["name"]):
            cause, iss, f = assigned[(t["suite"], t["name"], t.get("command"))]
            if cause == OTHER:
                cause = "%s: `%s`" % (OTHER, raw_line(f).replace("`", "'"))
            w("| %s | %s | %s |\n" % (md(t["name"]), md(cause), issue_ref(iss)))
        w("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
