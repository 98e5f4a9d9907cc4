use super::*;

fn parsed(src: &str) -> String {
    let mut types = CTypes::default();
    match parse_definitions(&mut types, src, 0) {
        Ok(()) => types.describe(),
        Err(d) => format!("error at {}..{}: {}", d.span.start, d.span.end, d.message),
    }
}

#[test]
fn structs_unions_and_nesting() {
    insta::assert_snapshot!(parsed(
        "struct Foo { int m; int n; }
         struct Bar { struct { int m[1] } y; union { char c; long l; } u; struct Foo *next; char name[16]; }
         union U { unsigned char b; unsigned long long w; };"
    ));
}

#[test]
fn anonymous_members_are_reachable() {
    let mut types = CTypes::default();
    parse_definitions(
        &mut types,
        "struct S { int a; union { int b; short c; }; };",
        0,
    )
    .unwrap();
    let s = types.record(RecordKind::Struct, "S").unwrap();
    assert_eq!(s.member("c").map(|m| m.offset), Some(4));
    assert_eq!(s.member_names(), vec!["a", "b", "c"]);
}

#[test]
fn attributes_bitfields_arrays_and_pointers() {
    insta::assert_snapshot!(parsed(
        "struct foo { unsigned long long x_0:1; unsigned long long x_1:1; unsigned long long x_2:2; }
         struct bar { int x; char y; int z; } __attribute__((packed))
         struct bar2 { int x; char y; int z; } /**/ __attribute__ /**/ ((packed)) __attribute__((aligned(8)))
         struct B { int y[2][2]; int *z[4]; int32_t **pp; struct later *l; };"
    ));
}

#[test]
fn enums_and_typedefs() {
    insta::assert_snapshot!(parsed(
        "enum Color { RED, GREEN = 5, BLUE, MASK = 1 << 4 | 1 };
         typedef unsigned int myint;
         typedef struct { myint a; } pair_t;
         struct P { pair_t p; enum Color c; };"
    ));
}

#[test]
fn errors_point_at_the_token() {
    insta::assert_snapshot!(parsed("struct A { int x; } struct B { unknown_t y; }"));
    insta::assert_snapshot!(parsed("struct A { int x : 40; }"));
    insta::assert_snapshot!(parsed("struct A { int x[-1]; }"));
    insta::assert_snapshot!(parsed("enum E { A = B };"));
    insta::assert_snapshot!(parsed("struct A { int x; "));
}

#[test]
fn type_names_resolve() {
    let mut types = CTypes::default();
    parse_definitions(&mut types, "struct Foo { int a; }", 0).unwrap();
    let t = |s: &str| {
        types
            .resolve(s, Span::new(0, s.len()))
            .map(|t| t.to_string())
            .unwrap_or_else(|d| d.message)
    };
    assert_eq!(t("struct Foo *"), "struct Foo *");
    assert_eq!(t("int8[8]"), "int8[8]");
    assert_eq!(t("uint16*"), "uint16 *");
    assert_eq!(t("int32 **"), "int32 * *");
    assert_eq!(t("unsigned long"), "uint64");
    assert_eq!(t("struct Nope"), "struct Nope");
    assert_eq!(t("foo_t"), "unknown type `foo_t`");
}
