//! C data end to end: struct definitions in the script, pointer casts,
//! member access, arrays and struct values read through a uprobe of a tiny
//! C program built at test time, and pointer arithmetic in BEGIN.

mod common;

const PROGRAM: &str = r#"
struct Foo { int m; int n; char name[8]; int arr[3]; };
__attribute__((noinline)) int func(struct Foo *f) { return f->m; }
int main(void) {
    struct Foo f = { 2, 3, "abc", { 5, 6, 7 } };
    return func(&f) == 2 ? 0 : 1;
}
"#;

#[test]
fn structs_read_through_a_uprobe_print_as_bpftrace_does() {
    require_bpf!();
    let bin = common::build_c("cdata", PROGRAM);
    let bin = bin.to_str().unwrap();
    let script = format!(
        "struct Foo {{ int m; int n; char name[8]; int arr[3]; }}
         uprobe:{bin}:func {{ $p = (struct Foo *)arg0; @s = *$p; @a = $p->arr;
           printf(\"%d %s %d %d\\n\", $p->n, $p.name, $p.arr[2], sizeof(*$p)); exit(); }}"
    );
    let out = common::run(&["-q", "-c", bin, "-e", &script]);
    out.assert_ok();
    assert_eq!(
        out.stdout_clean(),
        "3 abc 7 28\n\n\n@a: [5,6,7]\n@s: { .m = 2, .n = 3, .name = abc, .arr = [5,6,7] }\n"
    );
    let out = common::run(&["-q", "-f", "json", "-c", bin, "-e", &script]);
    out.assert_ok();
    assert!(
        out.stdout
            .contains(r#"{"m": 2, "n": 3, "name": "abc", "arr": [5,6,7]}"#),
        "{}",
        out.stdout
    );
}

#[test]
fn pointer_arithmetic_sizeof_offsetof_and_enums() {
    require_bpf!();
    let out = common::run_q(
        "enum E { A, B = 5, C } struct S { int a; char b[28]; struct { short x; } in; }
         BEGIN { $p = (struct S *)1024; @p = $p + 2; @q = (int16 *)0x32; @q++;
           printf(\"%d %d %d %d\\n\", sizeof(struct S), offsetof(struct S, in.x), C, $p - 1);
           print(((int8[8])0x0807060504030201)); exit(); }",
    );
    out.assert_ok();
    assert_eq!(
        out.stdout_clean(),
        "36 32 6 988\n[1,2,3,4,5,6,7,8]\n\n\n@p: 0x448\n@q: 0x34\n"
    );
}
