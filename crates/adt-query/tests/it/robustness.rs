//! Arbitrary input never panics the parser or the evaluator: random bytes, random token
//! soup, and every prefix and single-character mutation of valid queries. Deterministic
//! (a fixed-seed xorshift generator), so a failure reproduces.

use crate::common;

use adt_query::{execute, parse};

/// xorshift64*: small, deterministic, good enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VALID: &[&str] = &[
    "SELECT * FROM DIGITALTWINS T WHERE T.$dtId IN ['B1', 'F1'] AND NOT IS_DEFINED(T.x)",
    "SELECT TOP(2) T.name AS n FROM DIGITALTWINS T WHERE STARTSWITH(T.name, 'A') OR T.level >= -1",
    "SELECT B, F, R FROM DIGITALTWINS B JOIN F RELATED B.contains R WHERE B.$dtId = 'B1' AND R.since > 2019",
    "SELECT A, C FROM DIGITALTWINS MATCH (A)-[r:contains|feeds]->(B)<-[*..3]-(C) WHERE A.$dtId = 'B1'",
    "SELECT COUNT() FROM RELATIONSHIPS R WHERE R.$sourceId NIN [\"x\", 1, true, null]",
    "SELECT * FROM DIGITALTWINS WHERE [[group]] = 'D\\'Souza' AND IS_OF_MODEL('dtmi:test:Room;1', exact)",
];

const VOCABULARY: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "RELATED",
    "MATCH",
    "DIGITALTWINS",
    "RELATIONSHIPS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "NIN",
    "TOP",
    "COUNT",
    "AS",
    "exact",
    "IS_OF_MODEL",
    "IS_DEFINED",
    "STARTSWITH",
    "ARRAY_CONTAINS",
    "T",
    "R",
    "$dtId",
    "name",
    "*",
    "(",
    ")",
    "[",
    "]",
    "[[",
    "]]",
    ",",
    ".",
    "..",
    "-",
    "->",
    "<-",
    "<",
    ">",
    "=",
    "!=",
    ":",
    "|",
    "'a'",
    "\"b\"",
    "'",
    "\"",
    "\\",
    "1",
    "-2",
    "3.5",
    "1e3",
    "*3",
    "*..11",
    "\n",
    " ",
];

/// Parses `text`; when it parses, runs it over the building graph. Panics are the failure.
fn exercise(text: &str, graph: &adt_query::MemoryGraph) {
    if let Ok(query) = parse(text) {
        let _ = execute(&query, graph);
    }
}

#[test]
fn random_bytes_never_panic() {
    let graph = common::building_graph();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = rng.below(80);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&String::from_utf8_lossy(&bytes), &graph);
    }
}

#[test]
fn random_token_soup_never_panics() {
    let graph = common::building_graph();
    let mut rng = Rng(42);
    let mut parsed = 0;
    for _ in 0..5000 {
        let mut text = String::from(if rng.below(2) == 0 { "SELECT " } else { "" });
        for _ in 0..rng.below(25) {
            text.push_str(VOCABULARY[rng.below(VOCABULARY.len())]);
            if rng.below(3) > 0 {
                text.push(' ');
            }
        }
        if parse(&text).is_ok() {
            parsed += 1;
        }
        exercise(&text, &graph);
    }
    // Mostly errors, which is the point; the count only shows the soup was exercised.
    assert!(parsed < 5000);
}

#[test]
fn prefixes_and_mutations_of_valid_queries_never_panic() {
    let graph = common::building_graph();
    let mut rng = Rng(7);
    for query in VALID {
        assert!(parse(query).is_ok(), "{query}");
        let chars: Vec<char> = query.chars().collect();
        for end in 0..chars.len() {
            exercise(&chars[..end].iter().collect::<String>(), &graph);
        }
        for _ in 0..400 {
            let mut mutated = chars.clone();
            let at = rng.below(mutated.len());
            match rng.below(3) {
                0 => {
                    mutated.remove(at);
                }
                1 => mutated.insert(
                    at,
                    VOCABULARY[rng.below(VOCABULARY.len())]
                        .chars()
                        .next()
                        .unwrap_or('x'),
                ),
                _ => mutated[at] = char::from(rng.below(128) as u8),
            }
            exercise(&mutated.iter().collect::<String>(), &graph);
        }
    }
}
