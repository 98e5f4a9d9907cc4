//! The abstract syntax tree. Every node carries the byte span it came from.

use crate::diagnostic::Span;

/// A whole script: its config block, map declarations, macros, then probes in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// C `struct`/`union`/`enum`/`typedef` definitions, parsed by [`crate::ctypes`].
    pub c_definitions: Vec<CDefinition>,
    pub config: Vec<ConfigEntry>,
    pub map_decls: Vec<MapDecl>,
    /// Macro definitions; expanded away by [`crate::macros::expand`].
    pub macros: Vec<Macro>,
    pub probes: Vec<Probe>,
    /// Where each macro expansion came from, indexed by `Span::origin - 1`.
    pub expansions: Vec<Expansion>,
}

/// A C definition as written, for [`crate::ctypes::parse_definitions`].
#[derive(Clone, Debug, PartialEq)]
pub struct CDefinition {
    pub text: String,
    pub span: Span,
}

/// `macro name(params) { statements; value }`
#[derive(Clone, Debug, PartialEq)]
pub struct Macro {
    pub name: Ident,
    pub params: Vec<MacroParam>,
    /// A [`ExprKind::Block`]: the macro's statements and optional value.
    pub body: Expr,
    pub span: Span,
}

/// A macro parameter: how the argument is passed.
#[derive(Clone, Debug, PartialEq)]
pub enum MacroParam {
    /// `$x`: a variable of the caller, by reference.
    Var(Ident),
    /// `@x`: a map of the caller.
    Map(Ident),
    /// `x`: any expression, inserted wherever `x` is used.
    Expr(Ident),
}

impl MacroParam {
    pub fn ident(&self) -> &Ident {
        match self {
            MacroParam::Var(i) | MacroParam::Map(i) | MacroParam::Expr(i) => i,
        }
    }
}

/// One expansion of a macro: its name and the call it replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    pub name: String,
    /// The call site, itself possibly inside another expansion.
    pub call: Span,
}

/// `let @name = kind(max_entries);`
#[derive(Clone, Debug, PartialEq)]
pub struct MapDecl {
    /// `@name`.
    pub name: Ident,
    /// The map kind as written: `hash`, `lruhash`, `percpuhash`, `percpulruhash`.
    pub kind: Ident,
    pub max_entries: u64,
    /// Where `max_entries` is written.
    pub max_entries_span: Span,
    pub span: Span,
}

/// `key = value` in `config = { … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigEntry {
    pub key: Ident,
    pub value: ConfigValue,
    /// The value as written.
    pub value_span: Span,
    pub span: Span,
}

/// A config value: `1`, `"GPL"` or a bare word such as `raw` or `true`.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    Int(u64),
    Str(String),
    Word(String),
}

/// `ATTACH[, ATTACH…] [/predicate/] { statements }`
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub attach_points: Vec<AttachPoint>,
    pub predicate: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

/// One attach point as written, e.g. `tracepoint:sched:sched_switch` or `BEGIN`.
/// Its provider-specific parsing belongs to `probes/`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachPoint {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect: a call, `@x++`, …
    Expr(Expr),
    /// `@m[k] = e` or `@m[k] op= e` (`op` is `Some` for compound assignment).
    AssignMap {
        map: MapRef,
        op: Option<BinaryOp>,
        value: Expr,
    },
    /// `$v = e` or `$v op= e`.
    AssignVar {
        var: Ident,
        op: Option<BinaryOp>,
        value: Expr,
    },
    /// `if (c) { } else …`; an `else if` is an else block holding one `If`.
    If {
        cond: Expr,
        then: Block,
        otherwise: Option<Block>,
    },
    /// `unroll(N) { }`
    Unroll { count: Expr, body: Block },
    /// `while (c) { }`
    While { cond: Expr, body: Block },
    /// `for ($i : start..end) { }`: `$i` takes each value from `start` up to `end` (excluded).
    ForRange {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// `for ($kv : @map) { }`: `$kv` is each element's `(key, value)`.
    ForMap {
        var: Ident,
        map: MapRef,
        body: Block,
    },
    /// `break`: leave the innermost loop.
    Break,
    /// `continue`: start the innermost loop's next iteration.
    Continue,
    /// `return`
    Return,
    /// `let $x;`, `let $x: type;`, `let $x = e;`: a variable of the enclosing block.
    Let {
        var: Ident,
        ty: Option<DeclType>,
        value: Option<Expr>,
    },
    /// `_ = e`: evaluates `e`, drops its value.
    Discard(Expr),
}

/// The type written in `let $x: type`.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclType {
    /// `uint8`, `string`, `string[16]`, `struct task_struct *` as written.
    Named(Ident),
    /// `typeof(e)`: the type of `e`, which is not evaluated.
    TypeOf(Box<Expr>),
}

/// A name with its span: `$x` keeps its `$`, builtins and functions are bare.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `@name` or `@name[k1, k2…]`; the anonymous map is named `@`.
#[derive(Clone, Debug, PartialEq)]
pub struct MapRef {
    pub name: String,
    pub keys: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Integer literal, already decoded (decimal, hex, octal, `_` separators).
    Int(u64),
    /// String literal with escapes decoded.
    Str(Vec<u8>),
    /// A bare identifier: a builtin such as `pid`, `comm`, `args`, `kstack`.
    Ident(String),
    /// `$name`
    Var(String),
    /// `@m` or `@m[k…]`
    Map(MapRef),
    /// `name(args…)`
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    /// `c ? a : b`; `then` is `None` for `c ?: b`, whose value is `c` unless zero.
    Ternary {
        cond: Box<Expr>,
        then: Option<Box<Expr>>,
        otherwise: Box<Expr>,
    },
    /// `(uint8)e`; `ty` is the type name as written.
    Cast {
        ty: Ident,
        expr: Box<Expr>,
    },
    /// `e.field` or `e->field` (`arrow` says which).
    Field {
        expr: Box<Expr>,
        field: Ident,
        arrow: bool,
    },
    /// `++x`, `x++`, `--x`, `x--` on a variable or map element.
    IncDec {
        target: Box<Expr>,
        increment: bool,
        prefix: bool,
    },
    /// `e[i]`: an element of an array, or of the memory a pointer points to.
    Index {
        expr: Box<Expr>,
        index: Box<Expr>,
    },
    /// `sizeof(type)` or `sizeof(e)` (`e` is not evaluated).
    SizeOf(SizeOfArg),
    /// `offsetof(struct Foo, a.b)`
    OffsetOf {
        ty: Ident,
        path: Vec<Ident>,
    },
    /// `(a, b, …)` with at least two elements.
    Tuple(Vec<Expr>),
    /// `{ stmts; value }`: runs the statements in a scope of their own; its
    /// value is a last expression without `;` (none: the block is void).
    Block {
        stmts: Vec<Stmt>,
        value: Option<Box<Expr>>,
    },
}

/// What `sizeof` measures.
#[derive(Clone, Debug, PartialEq)]
pub enum SizeOfArg {
    /// A type name as written (`struct Foo`, `int32 *`).
    Type(Ident),
    /// An expression; a bare word may also name a type (`sizeof(int32)`).
    Expr(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Short-circuit `&&`.
    And,
    /// Short-circuit `||`.
    Or,
}

impl BinaryOp {
    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Shl => "<<",
            Shr => ">>",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "&&",
            Or => "||",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-e`
    Neg,
    /// `!e`
    Not,
    /// `~e`
    BitNot,
    /// `*e`: the value a pointer points to.
    Deref,
}
