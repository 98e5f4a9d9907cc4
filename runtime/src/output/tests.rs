use super::*;
use tracelet_compiler::value::{Bucket, HistKind};

fn int(v: i64) -> Value {
    Value::Int(v)
}

fn uint(v: u64) -> Value {
    Value::UInt(v)
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn scalar(name: &str, v: Value) -> Map {
    Map {
        name: name.into(),
        entries: vec![(vec![], v)],
    }
}

fn keyed(name: &str, entries: Vec<(Vec<Value>, Value)>) -> Map {
    Map {
        name: name.into(),
        entries,
    }
}

/// A `hist()` with 2^k buckets per power of two, as the decoder builds it:
/// every bucket, empty ones included. `counts` maps values to counts.
fn log2_hist(k: u32, counts: &[(i64, u64)]) -> Hist {
    let n = 1i64 << k;
    let mut buckets = vec![Bucket {
        lo: None,
        hi: Some(0),
        count: 0,
    }];
    for v in 0..2 * n {
        buckets.push(Bucket {
            lo: Some(v),
            hi: Some(v + 1),
            count: 0,
        });
    }
    let mut lo = 2 * n;
    while lo < 1 << 40 {
        let width = 1i64 << (lo.ilog2() - k);
        buckets.push(Bucket {
            lo: Some(lo),
            hi: Some(lo + width),
            count: 0,
        });
        lo += width;
    }
    for &(v, c) in counts {
        let b = buckets
            .iter_mut()
            .find(|b| b.lo.is_none_or(|lo| lo <= v) && b.hi.is_none_or(|hi| v < hi))
            .unwrap();
        b.count += c;
    }
    Hist {
        kind: HistKind::Log2,
        buckets,
    }
}

/// An `lhist(min, max, step)` with its under- and overflow buckets.
fn linear_hist(min: i64, max: i64, step: i64, counts: &[(i64, u64)]) -> Hist {
    let mut buckets = vec![Bucket {
        lo: None,
        hi: Some(min),
        count: 0,
    }];
    for lo in (min..max).step_by(step as usize) {
        buckets.push(Bucket {
            lo: Some(lo),
            hi: Some(lo + step),
            count: 0,
        });
    }
    buckets.push(Bucket {
        lo: Some(max),
        hi: None,
        count: 0,
    });
    for &(v, c) in counts {
        let b = buckets
            .iter_mut()
            .find(|b| b.lo.is_none_or(|lo| lo <= v) && b.hi.is_none_or(|hi| v < hi))
            .unwrap();
        b.count += c;
    }
    Hist {
        kind: HistKind::Linear { step: step as u64 },
        buckets,
    }
}

fn text(f: impl FnOnce(&mut dyn Output) -> io::Result<()>) -> String {
    OutputFormat::Text.render(f)
}

fn json(f: impl FnOnce(&mut dyn Output) -> io::Result<()>) -> String {
    OutputFormat::Json.render(f)
}

/// The maps of `BEGIN{ @c=count();@c=count(); @s=sum(5);@s=sum(7); @a=avg(3);
/// @a=avg(4); @mn=min(5);@mn=min(-2); @mx=max(9);@mx=max(1); @st=stats(10);
/// @st=stats(20); @k["bash",1]=5; @k["zsh",2]=3; exit() }`, in name order.
fn reference_maps() -> Vec<Map> {
    vec![
        scalar("@a", Value::Avg { count: 2, total: 7 }),
        scalar("@c", uint(2)),
        keyed(
            "@k",
            vec![
                (vec![s("bash"), int(1)], int(5)),
                (vec![s("zsh"), int(2)], int(3)),
            ],
        ),
        scalar("@mn", int(-2)),
        scalar("@mx", int(9)),
        scalar("@s", int(12)),
        scalar(
            "@st",
            Value::Stats {
                count: 2,
                total: 30,
            },
        ),
    ]
}

#[test]
fn text_reference_scalar_maps() {
    let out = text(|o| {
        o.end_separator()?;
        reference_maps().iter().try_for_each(|m| o.map(m, 0, 0))
    });
    let expected = "\n\n@a: 3\n@c: 2\n@k[zsh, 2]: 3\n@k[bash, 1]: 5\n@mn: -2\n@mx: 9\n@s: 12\n\
                    @st: { .count = 2, .average = 15, .total = 30 }\n";
    assert_eq!(out, expected);
    insta::assert_snapshot!(out);
}

#[test]
fn text_reference_hist() {
    // BEGIN { @=hist(-1); @=hist(2); @=hist(3); @=hist(7); @=hist(20); exit();}
    let h = log2_hist(0, &[(-1, 1), (2, 1), (3, 1), (7, 1), (20, 1)]);
    let out = text(|o| o.map(&scalar("@", Value::Hist(h)), 0, 0));
    let expected = "\
@:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0]                    0 |                                                    |
[1]                    0 |                                                    |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 16)                0 |                                                    |
[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

";
    assert_eq!(out, expected);
    insta::assert_snapshot!(out);
}

#[test]
fn text_reference_hist_2_values() {
    // v0.26.1:tests/runtime/outputs/hist_2_values.txt
    let h = log2_hist(0, &[(2, 1), (20, 1)]);
    let out = text(|o| o.map(&scalar("@", Value::Hist(h)), 0, 0));
    let expected = "\
@:
[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 8)                 0 |                                                    |
[8, 16)                0 |                                                    |
[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

";
    assert_eq!(out, expected);
}

#[test]
fn text_reference_lhist() {
    // BEGIN { @=lhist(2,0,10,2); @=lhist(3,0,10,2); @=lhist(7,0,10,2);
    //         @=lhist(-1,0,10,2); @=lhist(11,0,10,2); exit()}
    let h = linear_hist(0, 10, 2, &[(2, 1), (3, 1), (7, 1), (-1, 1), (11, 1)]);
    let out = text(|o| o.map(&scalar("@", Value::Hist(h)), 0, 0));
    let expected = "\
@:
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0, 2)                 0 |                                                    |
[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[4, 6)                 0 |                                                    |
[6, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[8, 10)                0 |                                                    |
[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

";
    assert_eq!(out, expected);
    insta::assert_snapshot!(out);
}

#[test]
fn text_keyed_hists_sort_by_total_and_honour_top_and_div() {
    let m = keyed(
        "@lat",
        vec![
            (
                vec![s("curl")],
                Value::Hist(log2_hist(0, &[(0, 4), (511, 1), (1024, 2), (1025, 8)])),
            ),
            (vec![s("bash")], Value::Hist(log2_hist(0, &[(2, 3)]))),
            (
                vec![s("zsh")],
                Value::Hist(log2_hist(0, &[(1 << 20, 1), (3 << 30, 2)])),
            ),
        ],
    );
    let all = text(|o| o.map(&m, 0, 0));
    insta::assert_snapshot!("keyed_hist", all);
    let top_div = text(|o| o.map(&m, 2, 2));
    insta::assert_snapshot!("keyed_hist_top2_div2", top_div);
}

#[test]
fn text_hist_labels() {
    // Powers of 1024 get suffixes; with k = 2 the width of the bucket decides.
    let k0 = log2_hist(0, &[(700, 1), (1500, 1), (1 << 21, 1)]);
    let k2 = log2_hist(2, &[(5, 1), (1300, 3), (2100, 1), (5200, 2)]);
    let lin_k = linear_hist(0, 4096, 1024, &[(0, 1), (1500, 2), (5000, 1)]);
    let lin = linear_hist(100, 300, 50, &[(99, 1), (120, 1), (299, 1)]);
    let out = text(|o| {
        o.map(&scalar("@k0", Value::Hist(k0)), 0, 0)?;
        o.map(&scalar("@k2", Value::Hist(k2)), 0, 0)?;
        o.map(&scalar("@lin_k", Value::Hist(lin_k)), 0, 0)?;
        o.map(&scalar("@lin", Value::Hist(lin)), 0, 0)
    });
    insta::assert_snapshot!(out);
}

#[test]
fn text_empty_maps_and_empty_hists() {
    let zeroed = log2_hist(0, &[]);
    let out = text(|o| {
        o.map(&keyed("@empty", vec![]), 0, 0)?;
        o.map(&scalar("@h", Value::Hist(zeroed)), 0, 0)
    });
    // v0.26 prints nothing for an empty map, the header of an empty histogram.
    assert_eq!(out, "@h:\n\n");
}

#[test]
fn text_sorting_top_and_div() {
    let counts = keyed(
        "@c",
        vec![
            (vec![s("b")], uint(30)),
            (vec![s("a")], uint(30)),
            (vec![s("c")], uint(1)),
            (vec![s("d")], uint(100)),
        ],
    );
    assert_eq!(
        text(|o| o.map(&counts, 0, 0)),
        "@c[c]: 1\n@c[a]: 30\n@c[b]: 30\n@c[d]: 100\n"
    );
    assert_eq!(text(|o| o.map(&counts, 2, 10)), "@c[b]: 3\n@c[d]: 10\n");
    let signed = keyed(
        "@s",
        vec![
            (vec![int(1)], int(-5)),
            (vec![int(2)], int(7)),
            (vec![int(3)], int(-9)),
        ],
    );
    assert_eq!(
        text(|o| o.map(&signed, 0, 2)),
        "@s[3]: -4\n@s[1]: -2\n@s[2]: 3\n"
    );
    // Non-numeric values sort by key; integer keys compare as unsigned, like
    // bpftrace's sort_by_key, so negative keys come last.
    let strs = keyed(
        "@name",
        vec![
            (vec![int(-1), s("x")], s("neg")),
            (vec![int(20), s("b")], s("twenty b")),
            (vec![int(3), s("z")], s("three")),
            (vec![int(20), s("a")], s("twenty a")),
        ],
    );
    assert_eq!(
        text(|o| o.map(&strs, 0, 0)),
        "@name[3, z]: three\n@name[20, a]: twenty a\n@name[20, b]: twenty b\n@name[-1, x]: neg\n"
    );
}

#[test]
fn text_avg_and_stats_maps() {
    let avg = keyed(
        "@a",
        vec![
            (
                vec![s("x")],
                Value::Avg {
                    count: 2,
                    total: 100,
                },
            ),
            (
                vec![s("y")],
                Value::Avg {
                    count: 4,
                    total: -8,
                },
            ),
            (vec![s("z")], Value::Avg { count: 0, total: 0 }),
        ],
    );
    assert_eq!(
        text(|o| o.map(&avg, 0, 0)),
        "@a[y]: -2\n@a[z]: 0\n@a[x]: 50\n"
    );
    assert_eq!(text(|o| o.map(&avg, 1, 10)), "@a[x]: 5\n");
    let stats = keyed(
        "@st",
        vec![
            (
                vec![int(2)],
                Value::Stats {
                    count: 3,
                    total: 30,
                },
            ),
            (vec![int(1)], Value::Stats { count: 1, total: 3 }),
        ],
    );
    // v0.26 keeps the top entries of stats() maps too, and divides their average.
    let expected = "@st[2]: { .count = 3, .average = 1, .total = 30 }\n";
    assert_eq!(text(|o| o.map(&stats, 1, 10)), expected);
    assert_eq!(
        json(|o| o.map(&stats, 1, 10)),
        "{\"type\": \"stats\", \"data\": {\"@st\": {\"2\": {\"count\": 3, \"average\": 1, \"total\": 30}}}}\n"
    );
}

#[test]
fn text_tuples_and_stacks() {
    let stack = || {
        Value::Stack(vec![
            "do_syscall_64+96".into(),
            "entry_SYSCALL_64+118".into(),
        ])
    };
    let out = text(|o| {
        o.map(
            &scalar(
                "@t",
                Value::Tuple(vec![int(1), s("two"), Value::Tuple(vec![uint(3), s("x")])]),
            ),
            0,
            0,
        )?;
        o.map(
            &keyed(
                "@ks",
                vec![
                    (vec![stack()], uint(5)),
                    (vec![Value::Stack(vec!["f+1".into()])], uint(2)),
                ],
            ),
            0,
            0,
        )?;
        o.map(&keyed("@kv", vec![(vec![int(7)], stack())]), 0, 0)?;
        o.value(&stack())?;
        o.value(&Value::Tuple(vec![int(-1), s("a b")]))
    });
    insta::assert_snapshot!(out);
}

#[test]
fn text_messages_and_banners() {
    let (out, err) = OutputFormat::Text.render_streams(|o| {
        o.attached(1)?;
        o.attached(3)?;
        o.printf("x=5\n")?;
        o.time("12:00:01\n")?;
        o.message(Message::Join, "/bin/echo a")?;
        o.message(Message::Cat, "no newline")?;
        o.lost(7)?;
        o.value(&uint(42))?;
        o.value(&s("bash"))
    });
    // v0.26: the script's output on one stream, the runtime's on the other.
    assert_eq!(out, "x=5\n12:00:01\n/bin/echo a\nno newline42\nbash\n");
    assert_eq!(err, "Attached 1 probe\nAttached 3 probes\nLost 7 events\n");
}

#[test]
fn json_runtime_counts_have_a_top_level_count() {
    let (out, err) = OutputFormat::Json.render_streams(|o| {
        o.attached(2)?;
        o.lost(7)
    });
    // v0.26.1:src/output/json.cpp attached_probes, lost_events
    assert_eq!(
        out,
        concat!(
            r#"{"type": "attached_probes", "count": 2, "data": {"probes": 2}}"#,
            "\n",
            r#"{"type": "lost_events", "count": 7, "data": {"events": 7}}"#,
            "\n"
        )
    );
    assert_eq!(err, "");
}

#[test]
fn json_reference_records() {
    let out = json(|o| {
        o.attached(1)?;
        o.printf("x=5\n")?;
        o.time("02\n")?;
        o.value(&int(5))?;
        o.map(&scalar("@a", Value::Avg { count: 2, total: 9 }), 0, 0)?;
        o.map(&keyed("@c", vec![(vec![s("a")], uint(1))]), 0, 0)?;
        o.map(&scalar("@h", Value::Hist(log2_hist(0, &[(5, 1)]))), 0, 0)?;
        o.map(
            &scalar("@l", Value::Hist(linear_hist(0, 100, 5, &[(5, 1)]))),
            0,
            0,
        )?;
        o.map(&scalar("@s", Value::Stats { count: 1, total: 3 }), 0, 0)?;
        o.map(&scalar("@t", Value::Tuple(vec![int(1), s("a")])), 0, 0)?;
        o.end_separator()
    });
    let expected = r#"{"type": "attached_probes", "count": 1, "data": {"probes": 1}}
{"type": "printf", "data": "x=5\n"}
{"type": "time", "data": "02\n"}
{"type": "value", "data": 5}
{"type": "stats", "data": {"@a": 4}}
{"type": "map", "data": {"@c": {"a": 1}}}
{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}
{"type": "hist", "data": {"@l": [{"min": 5, "max": 9, "count": 1}]}}
{"type": "stats", "data": {"@s": {"count": 1, "average": 3, "total": 3}}}
{"type": "map", "data": {"@t": [1,"a"]}}
"#;
    assert_eq!(out, expected);
}

#[test]
fn json_maps() {
    let out = json(|o| {
        // v0.21.0:tests/runtime/json-output (whitespace aside)
        o.map(&scalar("@scalar_str", s("a b \n d e")), 0, 0)?;
        o.map(
            &keyed("@complex", vec![(vec![s("bpftrace"), int(2)], int(5))]),
            0,
            0,
        )?;
        o.map(
            &keyed(
                "@map",
                vec![(vec![s("key2")], int(3)), (vec![s("key1")], int(2))],
            ),
            0,
            0,
        )?;
        let nested = Value::Tuple(vec![
            int(1),
            int(2),
            s("string"),
            Value::Tuple(vec![int(4), int(5)]),
        ]);
        o.map(&scalar("@", nested), 0, 0)?;
        o.map(
            &scalar(
                "@q",
                Value::Tuple(vec![int(1), int(2), s("string with \"quotes\"")]),
            ),
            0,
            0,
        )?;
        o.map(
            &scalar("@hist", Value::Hist(log2_hist(0, &[(2, 1), (1025, 1)]))),
            0,
            0,
        )?;
        o.map(&scalar("@zero", Value::Hist(log2_hist(0, &[]))), 0, 0)?;
        o.map(
            &keyed(
                "@",
                vec![
                    (
                        vec![s("curl")],
                        Value::Hist(log2_hist(
                            0,
                            &[(-1, 1), (0, 1), (511, 1), (1024, 1), (1025, 1)],
                        )),
                    ),
                    (vec![s("bpftrace")], Value::Hist(log2_hist(0, &[(2, 1)]))),
                ],
            ),
            0,
            0,
        )?;
        o.map(
            &scalar(
                "@lh",
                Value::Hist(linear_hist(
                    0,
                    100,
                    10,
                    &[(2, 1), (50, 1), (1000, 1), (-3, 1)],
                )),
            ),
            0,
            0,
        )?;
        o.map(
            &scalar("@fine", Value::Hist(log2_hist(3, &[(16, 1), (19, 1)]))),
            0,
            0,
        )?;
        o.map(
            &keyed(
                "@avg",
                vec![
                    (
                        vec![int(1)],
                        Value::Avg {
                            count: 2,
                            total: 40,
                        },
                    ),
                    (vec![int(2)], Value::Avg { count: 1, total: 3 }),
                ],
            ),
            0,
            0,
        )?;
        o.map(
            &keyed(
                "@stats",
                vec![
                    (
                        vec![s("zsh")],
                        Value::Stats {
                            count: 1,
                            total: 10,
                        },
                    ),
                    (vec![s("curl")], Value::Stats { count: 1, total: 2 }),
                ],
            ),
            0,
            0,
        )?;
        o.map(&keyed("@empty", vec![]), 0, 0)?;
        o.map(
            &keyed(
                "@top",
                vec![
                    (vec![int(1)], uint(10)),
                    (vec![int(2)], uint(30)),
                    (vec![int(3)], uint(20)),
                ],
            ),
            2,
            10,
        )?;
        o.map(
            &keyed(
                "@stack",
                vec![(
                    vec![Value::Stack(vec!["f+1".into(), "g+2".into()])],
                    uint(3),
                )],
            ),
            0,
            0,
        )?;
        o.value(&Value::Stack(vec!["f+1".into()]))?;
        o.value(&s("bpftrace"))?;
        o.lost(3)?;
        o.message(Message::Syscall, "a b c\n")?;
        o.message(Message::Join, "/bin/echo,'A'")?;
        o.printf("test \r \n \t \\ \" bar \u{1} é")
    });
    insta::assert_snapshot!(out);
}

#[test]
fn writer_streams_to_any_io_write() {
    let mut buf = Vec::new();
    {
        let mut out = OutputFormat::Text.writer(&mut buf, io::sink());
        out.printf("a").unwrap();
        out.map(&scalar("@x", uint(1)), 0, 0).unwrap();
    }
    assert_eq!(String::from_utf8(buf).unwrap(), "a@x: 1\n");
    let mut out = TextOutput::new(Vec::new(), Vec::new());
    out.lost(1).unwrap();
}

/// The histogram `hist::value(0, …)` builds for one value in the top bucket
/// `[2^62, 2^63)`, whose upper bound does not fit an i64 (`hi: None`).
fn top_bucket_hist() -> Hist {
    Hist {
        kind: HistKind::Log2,
        buckets: vec![
            Bucket {
                lo: Some(1 << 61),
                hi: Some(1 << 62),
                count: 1,
            },
            Bucket {
                lo: Some(1 << 62),
                hi: None,
                count: 2,
            },
        ],
    }
}

#[test]
fn text_top_log2_bucket_has_a_closed_label() {
    // bpftrace `hist_index_label(64, 0)` is "8E": `@h = hist(1 << 62)`
    // prints `[4E, 8E)`, not an open `[4E, ...)` bucket.
    let out = text(|o| o.map(&scalar("@h", Value::Hist(top_bucket_hist())), 0, 0));
    assert_eq!(
        out,
        "@h:\n\
[2E, 4E)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\
[4E, 8E)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
    );
    // With 2^4 buckets per power of two the last one is [7936P, 8192P).
    let k4 = Hist {
        kind: HistKind::Log2,
        buckets: vec![Bucket {
            lo: Some((1 << 62) + 15 * (1 << 58)),
            hi: None,
            count: 1,
        }],
    };
    assert!(text(|o| o.map(&scalar("@h", Value::Hist(k4)), 0, 0)).contains("[7936P, 8192P)"),);
}

#[test]
fn json_top_log2_bucket_has_a_max() {
    // v0.26 `one_less` of the bucket's upper label: (1 << 63) - 1. An
    // integer a double cannot hold is a string; 2^61 and 2^62 are exact.
    let out = json(|o| o.map(&scalar("@h", Value::Hist(top_bucket_hist())), 0, 0));
    assert_eq!(
        out,
        "{\"type\": \"hist\", \"data\": {\"@h\": [\
{\"min\": 2305843009213693952, \"max\": \"4611686018427387903\", \"count\": 1},\
{\"min\": 4611686018427387904, \"max\": \"9223372036854775807\", \"count\": 2}]}}\n"
    );
    // The lhist overflow bucket still has no max.
    let lin = linear_hist(0, 10, 5, &[(12, 1)]);
    assert_eq!(
        json(|o| o.map(&scalar("@l", Value::Hist(lin)), 0, 0)),
        "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 10, \"count\": 1}]}}\n"
    );
}

#[test]
fn hist_and_stats_ties_sort_by_raw_key_bytes() {
    // bpftrace keeps hist/avg/stats entries in a std::map over the raw key
    // bytes before sorting by value, so equal values come in memcmp order of
    // the little-endian keys: 256 (00 01 ..) < 1 < 2 < 300 (2c 01 ..).
    // (Checked against bpftrace 0.17 with
    // `BEGIN { @h[300] = hist(1); @h[1] = hist(1); @h[256] = hist(1); @h[2] = hist(1); exit(); }`.)
    let keys = [300, 1, 256, 2];
    let h = keyed(
        "@h",
        keys.iter()
            .map(|&k| (vec![int(k)], Value::Hist(log2_hist(0, &[(1, 1)]))))
            .collect(),
    );
    let order: Vec<String> = text(|o| o.map(&h, 0, 0))
        .lines()
        .filter(|l| l.starts_with('@'))
        .map(String::from)
        .collect();
    assert_eq!(order, ["@h[256]:", "@h[1]:", "@h[2]:", "@h[300]:"]);
    let a = keyed(
        "@a",
        keys.iter()
            .map(|&k| (vec![int(k)], Value::Avg { count: 1, total: 5 }))
            .collect(),
    );
    assert_eq!(
        text(|o| o.map(&a, 0, 0)),
        "@a[256]: 5\n@a[1]: 5\n@a[2]: 5\n@a[300]: 5\n"
    );
    assert_eq!(
        json(|o| o.map(&a, 0, 0)),
        "{\"type\": \"stats\", \"data\": {\"@a\": {\"256\": 5, \"1\": 5, \"2\": 5, \"300\": 5}}}\n"
    );
    // Tuple keys compare field by field; strings byte-wise.
    let t = keyed(
        "@t",
        vec![
            (vec![s("b"), int(1)], Value::Stats { count: 1, total: 1 }),
            (vec![s("a"), int(256)], Value::Stats { count: 1, total: 1 }),
            (vec![s("a"), int(1)], Value::Stats { count: 1, total: 1 }),
        ],
    );
    assert_eq!(
        text(|o| o.map(&t, 0, 0)),
        "@t[a, 256]: { .count = 1, .average = 1, .total = 1 }\n\
@t[a, 1]: { .count = 1, .average = 1, .total = 1 }\n\
@t[b, 1]: { .count = 1, .average = 1, .total = 1 }\n"
    );
}
