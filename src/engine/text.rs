//! Small text helpers: integers written in decimal exactly as `Display` writes them,
//! without the formatting machinery, for hot paths (checkpoints are rewritten after most
//! inputs; a producer numbers every record it generates); and Java's `String.hashCode`
//! with Kafka's `Utils.abs`, which place a group and a transactional id on a partition of
//! their internal topic; bytes shown as text.

/// `String::from_utf8_lossy`, with the standard library's fast check for the usual case
/// of valid UTF-8 first (the lossy walk goes byte by byte): a record's key or value shown.
pub fn lossy_utf8(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), std::borrow::Cow::Borrowed)
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, in
/// wrapping 32-bit arithmetic.
pub fn java_string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// Kafka's `Utils.abs`: the absolute value, with `Integer.MIN_VALUE` mapped to 0 (where
/// `Math.abs` would stay negative).
pub fn utils_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// Appends `n` in decimal, as `n.to_string()` would.
pub fn push_decimal(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_unsigned(out, n.unsigned_abs());
}

/// Appends `n` in decimal, as `n.to_string()` would.
pub fn push_unsigned(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    // ASCII digits: always UTF-8.
    out.push_str(std::str::from_utf8(decimal_digits(n, &mut digits)).unwrap_or_default());
}

/// [`push_decimal`] into bytes (text built as bytes and checked as UTF-8 once).
pub fn push_decimal_bytes(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_unsigned_bytes(out, n.unsigned_abs());
}

/// [`push_unsigned`] into bytes.
pub fn push_unsigned_bytes(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    out.extend_from_slice(decimal_digits(n, &mut digits));
}

/// Every two-digit number's digits, "00" to "99".
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// `n`'s decimal ASCII digits, written at the end of `buf` (two at a time).
pub fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        start -= 2;
        buf[start..start + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        start -= 2;
        buf[start..start + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        start -= 1;
        buf[start] = b'0' + n as u8;
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_display_writes() {
        for n in [0, 7, -7, 10, 99, 100, 123_456_789, i64::MAX, i64::MIN, -1] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        let mut s = String::new();
        push_unsigned(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
        for n in [0, 7, -7, 10, 99, 100, 101, 999, 1000, 12_345, i64::MAX, i64::MIN] {
            let mut b = Vec::new();
            push_decimal_bytes(&mut b, n);
            assert_eq!(b, n.to_string().into_bytes());
        }
    }
}
