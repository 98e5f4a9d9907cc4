//! The literals `true` and `false`.

use crate::sema::lower::Lowered;
use crate::types::Type;

super::variable!(
    True,
    "true",
    "true: the bool literal, e.g. $found = true",
    |cx, _call| { Ok(Lowered::Reg(cx.constant(1, Type::Bool), Type::Bool)) }
);

super::variable!(
    False,
    "false",
    "false: the bool literal, e.g. if (!false) { }",
    |cx, _call| { Ok(Lowered::Reg(cx.constant(0, Type::Bool), Type::Bool)) }
);
