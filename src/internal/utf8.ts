/**
 * The UTF-8 byte length of `text`, counting no further than `limit + 1` bytes. Lone surrogates
 * count 3 bytes, as the encoder writes U+FFFD for them.
 *
 * @internal
 */
export function utf8Length(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether a text frame is above `max` bytes of UTF-8. A UTF-16 code unit is 1 to 3 bytes, so the
 * bytes are only counted when `text.length` is within a factor 3 of the limit: for the usual frame
 * this is one multiplication and a comparison.
 *
 * @internal
 */
export function textTooLarge(text: string, max: number): boolean {
  const units = text.length;
  return units > max || (units * 3 > max && utf8Length(text, max) > max);
}
