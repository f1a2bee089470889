//! A small deterministic mutator (xorshift), for the stable short run: bit flips, byte
//! inserts and deletes, interesting values, JSON and URL tokens, splices between corpus files.
//! Dependency-free: the component replay includes it by path.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

const INTERESTING: [u8; 16] = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0xc0, 0xed, b'"', b'\\', b'{', b'[', b'%', b'\n', b'/', b'@'];

/// Tokens that take the parsers somewhere interesting.
const TOKENS: [&[u8]; 34] = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"1e999",
    b"-0",
    b"\\u0000",
    b"\\ud800",
    b"\\uDFFF\\uD800",
    b"\"confirmUrl\":\"",
    b"\"links\":{\"next\":\"",
    b"\"id\":\"0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f\"",
    b"\"status\":\"New\"",
    b"\"created\":\"0001-01-01T00:00:00\"",
    b"\"created\":\"9999-12-31T23:59:60.9999999999+14:00\"",
    b"https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=",
    b"https://evil.example/",
    b"?token=",
    b"%2e%2e",
    b"%00",
    b"%zz",
    b"@",
    b"\\\\",
    b"\xef\xbc\x93",
    b"\xd0\xb0",
    b"0192:",
    b"urn:altinn:accesspackage:",
    b"\"redirectUrl\":\"",
    b"\"externalRef\":\"",
];

/// Upper bound of a mutated input.
pub const MAX_LEN: usize = 64 * 1024;

/// One to four mutations of `input`; `corpus` supplies splice partners.
pub fn mutate(input: &[u8], corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut data = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        match rng.below(10) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(data.len() + 1);
                let n = 1 + rng.below(4);
                for _ in 0..n {
                    data.insert(i, rng.next_u64() as u8);
                }
            }
            3 if !data.is_empty() => {
                let i = rng.below(data.len());
                let n = 1 + rng.below(16.min(data.len() - i));
                data.drain(i..i + n);
            }
            4 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            5 | 6 => {
                let i = rng.below(data.len() + 1);
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(i..i, token.iter().copied());
            }
            7 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(data.len() + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            8 if data.len() > 1 => {
                // Duplicate a range (deep nesting, repeated members).
                let i = rng.below(data.len());
                let n = 1 + rng.below((data.len() - i).min(64));
                let piece = data[i..i + n].to_vec();
                let cap = if rng.below(8) == 0 { 512 } else { 4 };
                let times = 1 + rng.below(cap);
                for _ in 0..times {
                    data.splice(i..i, piece.iter().copied());
                    if data.len() > MAX_LEN {
                        break;
                    }
                }
            }
            _ if data.len() > 2 => {
                // Header bytes (call, flags, status) drive the target: change them often.
                let i = rng.below(3);
                data[i] = rng.next_u64() as u8;
            }
            _ => data.push(rng.next_u64() as u8),
        }
    }
    data.truncate(MAX_LEN);
    data
}
