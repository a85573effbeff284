//! Hostile queries from issue #8, one named test per case: texts over the length limit, too
//! many joins, logical operators or `IN` items, and nesting deep enough to exhaust a stack
//! if the parser recursed without a bound. Each is an error with a position, never a panic
//! or a crash.

use adt_query::{
    MAX_JOINS, MAX_NESTING, MAX_QUERY_CHARS, MemoryGraph, QueryErrorKind, execute, parse,
};

/// The one check: `text` is refused with `kind`, at a position inside the text.
fn check_refused(text: &str, kind: QueryErrorKind) {
    let err = parse(text).expect_err("a hostile query must be refused");
    assert_eq!(err.kind, kind, "{err}");
    assert!(err.line >= 1 && err.position >= 1, "{err}");
}

/// Runs `f` on a thread with a small (256 KiB) stack: recursion without a bound overflows
/// it and aborts the test binary, which is the failure this guards against.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_query_one_character_over_the_length_limit_is_refused() {
    let head = "SELECT * FROM DIGITALTWINS T WHERE T.name = '";
    let fill = MAX_QUERY_CHARS - head.len() - 1;
    let at_limit = format!("{head}{}'", "x".repeat(fill));
    assert!(parse(&at_limit).is_ok());
    let over = format!("{head}{}'", "x".repeat(fill + 1));
    check_refused(&over, QueryErrorKind::TooLong);
    // Counted in characters, not bytes: multi-byte text at the limit is fine.
    let wide = format!("{head}{}'", "é".repeat(fill));
    assert!(parse(&wide).is_ok());
}

#[test]
fn more_joins_than_the_limit_are_refused() {
    let mut text = String::from("SELECT T0 FROM DIGITALTWINS T0");
    for i in 1..=MAX_JOINS + 1 {
        text.push_str(&format!(" JOIN T{i} RELATED T{}.r", i - 1));
    }
    text.push_str(" WHERE T0.$dtId = 'a'");
    check_refused(&text, QueryErrorKind::TooManyJoins);
}

#[test]
fn more_logical_operators_than_the_limit_are_refused() {
    let conditions: Vec<String> = (0..=adt_query::MAX_LOGICAL_OPERATORS + 1)
        .map(|i| format!("T.p{i} = 1"))
        .collect();
    let text = format!(
        "SELECT * FROM DIGITALTWINS T WHERE {}",
        conditions.join(" AND ")
    );
    assert!(parse(&text).is_err());
}

#[test]
fn an_in_list_over_the_limit_is_refused() {
    let items: Vec<String> = (0..=adt_query::MAX_IN_ITEMS)
        .map(|i| i.to_string())
        .collect();
    let text = format!(
        "SELECT * FROM DIGITALTWINS T WHERE T.n IN [{}]",
        items.join(", ")
    );
    check_refused(&text, QueryErrorKind::InvalidArgument);
}

#[test]
fn parentheses_nested_to_the_length_limit_do_not_exhaust_the_stack() {
    on_small_stack(|| {
        let depth = (MAX_QUERY_CHARS - 60) / 2;
        let text = format!(
            "SELECT * FROM DIGITALTWINS T WHERE {}T.a = 1{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        check_refused(&text, QueryErrorKind::InvalidArgument);
        let unbalanced = format!(
            "SELECT * FROM DIGITALTWINS T WHERE {}",
            "(".repeat(MAX_QUERY_CHARS - 40)
        );
        assert!(parse(&unbalanced).is_err());
    });
}

#[test]
fn not_chains_to_the_length_limit_do_not_exhaust_the_stack() {
    on_small_stack(|| {
        let depth = (MAX_QUERY_CHARS - 60) / 4;
        let text = format!(
            "SELECT * FROM DIGITALTWINS T WHERE {}T.a = 1",
            "NOT ".repeat(depth)
        );
        check_refused(&text, QueryErrorKind::InvalidArgument);
    });
}

#[test]
fn nesting_up_to_the_limit_still_parses_and_runs() {
    let half = MAX_NESTING / 2;
    let text = format!(
        "SELECT * FROM DIGITALTWINS T WHERE {}{}T.a = 1{}",
        "NOT ".repeat(MAX_NESTING - half),
        "(".repeat(half),
        ")".repeat(half)
    );
    let query = parse(&text).expect("nesting at the limit is fine");
    assert!(
        execute(&query, &MemoryGraph::new())
            .unwrap()
            .rows
            .is_empty()
    );
    let deeper = format!(
        "SELECT * FROM DIGITALTWINS T WHERE {}(T.a = 1)",
        "NOT ".repeat(MAX_NESTING)
    );
    check_refused(&deeper, QueryErrorKind::InvalidArgument);
}
