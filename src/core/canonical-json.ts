/**
 * Canonical JSON as the Matrix spec defines it for signing and hashing: the shortest UTF-8 JSON
 * with object keys sorted by Unicode code point and integers only, within ±(2^53 − 1).
 */

/** Compares two strings by Unicode code point, unlike `<` on strings, which compares UTF-16 code units. */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true || y.done === true) {
      return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    }
    const difference = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
}

/**
 * Encodes a JSON value as canonical JSON. Throws an Error for floats, NaN, infinities, integers
 * outside ±(2^53 − 1) and values JSON cannot represent (functions, symbols, bigints, undefined
 * outside an object). `-0` is written as `0`, and object properties whose value is `undefined`
 * are omitted as `JSON.stringify` omits them.
 */
export function canonicalJson(value: unknown): string {
  return encodeValue(value, '$');
}

function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      // JSON.stringify already produces exactly the escapes the canonical grammar allows.
      return JSON.stringify(value);
    case 'number':
      return encodeNumber(value, path);
    case 'object':
      return Array.isArray(value) ? encodeArray(value, path) : encodeObject(value as Record<string, unknown>, path);
    default:
      throw new Error(`Cannot encode ${typeof value} at ${path} as canonical JSON`);
  }
}

function encodeNumber(value: number, path: string): string {
  // TODO: events of room versions 1 to 5 may contain floats or integers beyond 2^53 - 1, and
  // servers SHOULD still handle them. Hashing or signing such events throws here.
  if (!Number.isSafeInteger(value)) {
    throw new Error(`Canonical JSON allows only integers within ±(2^53 - 1), got ${value} at ${path}`);
  }
  // Object.is(-0, 0) is false, but String(-0) is already "0".
  return String(value);
}

function encodeArray(values: readonly unknown[], path: string): string {
  const parts = values.map((item, index) => (item === undefined ? 'null' : encodeValue(item, `${path}[${index}]`)));
  return `[${parts.join(',')}]`;
}

function encodeObject(object: Record<string, unknown>, path: string): string {
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(compareCodePoints);
  const members = keys.map((key) => `${JSON.stringify(key)}:${encodeValue(object[key], `${path}.${key}`)}`);
  return `{${members.join(',')}}`;
}
