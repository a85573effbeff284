//! Browser benchmark figures for `cargo xtask bench` (see `bin/bench.rs`).
