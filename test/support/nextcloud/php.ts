// Encoders that reproduce the byte output of the PHP functions Nextcloud 34 uses, so that
// emulated bodies and Location headers match recorded ones byte for byte.
import { randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Generates `length` characters from `[A-Za-z0-9]`, as ISecureRandom::CHAR_ALPHANUMERIC does. */
export function randomAlphanumeric(length: number, alphabet: string = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function percentEncodeBytes(value: string, keep: RegExp, spaceAsPlus: boolean): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (byte < 0x80 && keep.test(char)) out += char;
    else if (spaceAsPlus && byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Encodes like PHP `urlencode`: keeps `A-Za-z0-9-_.`, writes a space as `+` and `~` as `%7E`. */
export function phpUrlencode(value: string): string {
  return percentEncodeBytes(value, /[A-Za-z0-9\-_.]/, true);
}

/** Encodes like PHP `rawurlencode` (RFC 3986): keeps `A-Za-z0-9-_.~`. */
export function phpRawurlencode(value: string): string {
  return percentEncodeBytes(value, /[A-Za-z0-9\-_.~]/, false);
}

// Symfony's URL generator, which Nextcloud's linkToRoute uses, builds the query with
// http_build_query(RFC 3986) and then decodes these characters again.
const SYMFONY_QUERY_DECODED: Array<[string, string]> = [
  ['%2F', '/'], ['%3F', '?'], ['%40', '@'], ['%3A', ':'],
  ['%21', '!'], ['%3B', ';'], ['%2C', ','], ['%2A', '*'],
];

/** Builds a query string the way Nextcloud's route generator writes it into URLs and Location headers. */
export function routeQuery(params: Array<[string, string | number | undefined]>): string {
  const pairs: string[] = [];
  for (const [key, value] of params) {
    if (value === undefined) continue;
    pairs.push(`${phpRawurlencode(key)}=${phpRawurlencode(String(value))}`);
  }
  let query = pairs.join('&');
  for (const [encoded, plain] of SYMFONY_QUERY_DECODED) query = query.split(encoded).join(plain);
  return query;
}

/** A float for PHP output: json_encode writes 50.0 as `50.0`, unlike JSON.stringify. */
export class PhpFloat {
  constructor(readonly value: number) {}

  toJson(): string {
    return Number.isInteger(this.value) ? `${this.value}.0` : String(this.value);
  }

  /** Converts like PHP's `(string)` cast, which drops a zero fraction. */
  toString(): string {
    return String(this.value);
  }
}

export type PhpValue =
  | null
  | boolean
  | number
  | string
  | PhpFloat
  | PhpValue[]
  | { [key: string]: PhpValue };

function encodeJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '/') out += '\\/';
    else if (char === '<') out += '\\u003C';
    else if (char === '>') out += '\\u003E';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code > 0x7e) {
      // PHP escapes every non-ASCII character as UTF-16 code units with lower-case hex.
      for (let i = 0; i < char.length; i++) {
        out += '\\u' + char.charCodeAt(i).toString(16).padStart(4, '0');
      }
    } else out += char;
  }
  return out + '"';
}

/**
 * Serialises like PHP `json_encode($value, JSON_HEX_TAG)`, the flags of Nextcloud's JSONResponse
 * and OCS responses: `/` becomes `\/`, `<` and `>` become `\u003C` and `\u003E`, and non-ASCII
 * characters become `\uXXXX`.
 */
export function phpJson(value: PhpValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return encodeJsonString(value);
  if (value instanceof PhpFloat) return value.toJson();
  if (Array.isArray(value)) return '[' + value.map((item) => phpJson(item)).join(',') + ']';
  const members = Object.entries(value).map(([key, item]) => `${encodeJsonString(key)}:${phpJson(item)}`);
  return '{' + members.join(',') + '}';
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function writeXmlElements(value: { [key: string]: PhpValue } | PhpValue[], depth: number, lines: string[]): void {
  const indent = ' '.repeat(depth);
  const entries: Array<[string, PhpValue]> = Array.isArray(value)
    ? value.map((item) => ['element', item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (Array.isArray(item) || (item !== null && typeof item === 'object' && !(item instanceof PhpFloat))) {
      const children = item as { [key: string]: PhpValue } | PhpValue[];
      if (Object.keys(children).length === 0) {
        lines.push(`${indent}<${key}/>`);
      } else {
        lines.push(`${indent}<${key}>`);
        writeXmlElements(children, depth + 1, lines);
        lines.push(`${indent}</${key}>`);
      }
    } else if (item === null) {
      lines.push(`${indent}<${key}/>`);
    } else {
      // PHP casts true to "1" and false to "".
      let text = String(item);
      if (item === true) text = '1';
      if (item === false) text = '';
      lines.push(`${indent}<${key}>${escapeXml(text)}</${key}>`);
    }
  }
}

/**
 * Serialises an OCS reply as XML the way Nextcloud's OCS BaseResponse does with XMLWriter and a
 * one-space indent. List items are written as `<element>`.
 */
export function ocsXml(root: { [key: string]: PhpValue }): string {
  const lines = ['<?xml version="1.0"?>'];
  writeXmlElements(root, 0, lines);
  return lines.join('\n') + '\n';
}
