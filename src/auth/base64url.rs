//! base64url without padding (RFC 4648 §5, RFC 7515 §2): the encoding of JWT segments, JWK
//! numbers, `client_info`, PKCE verifiers and challenges, `state` and `nonce`.
//!
//! Strict as the `base64` crate's `URL_SAFE_NO_PAD` engine, which it replaces in the first
//! load (its generic engine was about 6 kB of the main module before wasm-opt, this is well
//! under one): only the URL-safe alphabet, no `=`, no length that leaves a lone character, and
//! the unused low bits of the last character zero, so every byte string has exactly one
//! encoding. The unit tests hold it to that crate on every input length and on invalid input.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The text is not unpadded base64url (a character outside the alphabet, padding, a lone last
/// character, or non-zero unused bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not unpadded base64url")]
pub struct NotBase64Url;

/// `bytes` as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, &b)| {
            group | (u32::from(b) << (16 - 8 * i))
        });
        // 1, 2 or 3 bytes give 2, 3 or 4 characters.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(group >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// The bytes `text` encodes, if it is unpadded base64url in its one canonical form.
pub fn decode(text: &str) -> Result<Vec<u8>, NotBase64Url> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return Err(NotBase64Url);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut bits, mut held) = (0u32, 0u32);
    for &c in text {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(NotBase64Url),
        };
        bits = (bits << 6) | u32::from(value);
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    // What is left are the last character's unused bits (2 or 4): zero in the canonical form.
    if bits != 0 {
        return Err(NotBase64Url);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    /// Deterministic bytes (xorshift), so a failure names an input that can be replayed.
    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn check(text: &str) {
        assert_eq!(
            decode(text).ok(),
            URL_SAFE_NO_PAD.decode(text).ok(),
            "decoding {text:?}"
        );
    }

    #[test]
    fn encodes_every_length_as_the_base64_crate_does_and_reads_it_back() {
        for len in 0..200 {
            for seed in 0..8 {
                let input = bytes(seed * 1_000 + len as u64, len);
                let text = encode(&input);
                assert_eq!(text, URL_SAFE_NO_PAD.encode(&input), "{input:?}");
                assert_eq!(decode(&text), Ok(input));
            }
        }
        assert_eq!(encode(b""), "");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn refuses_what_the_base64_crate_refuses_and_nothing_else() {
        for text in [
            "", "A", "AA", "AAA", "AAAA", "AAAAA", "QQ", "QR", "QUE", "QUF", "QUI=", "QQ==",
            "QUJD", "QUJ+", "QUJ/", "QUJ-", "QUJ_", "Q UJD", "QUJD\n", "ä", "QUJ\0", "____", "-_8",
            "-_9", "e30", "e31", "=", "QUJDRA", "QUJDRB", "QUJDREU", "QUJDREV",
        ] {
            check(text);
        }
        // Every one- to three-character text over a set covering the alphabet's edges and
        // bytes outside it.
        let symbols = b"AQBZaz09-_+/=.~ \x7f\xc3";
        for a in symbols {
            for b in symbols {
                for c in symbols.iter().copied().map(Some).chain([None]) {
                    let mut text = vec![*a, *b];
                    text.extend(c);
                    if let Ok(text) = String::from_utf8(text) {
                        check(&text);
                        check(&format!("QUJD{text}"));
                    }
                }
            }
        }
        // Random texts over the alphabet with the odd invalid character.
        for seed in 0..2_000 {
            let text: String = bytes(seed, (seed % 23) as usize)
                .into_iter()
                .map(|b| match b {
                    0..=3 => '=',
                    4..=5 => '+',
                    _ => char::from(ALPHABET[usize::from(b) % 64]),
                })
                .collect();
            check(&text);
        }
    }
}
