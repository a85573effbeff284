//! DTDL v2 and v3: models parsed, validated and resolved; twins and relationships validated
//! against them. Pure and `wasm32`-compatible (used by the emulator and the SPA).
