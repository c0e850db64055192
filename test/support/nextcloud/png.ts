// Small PNG encoder and initials renderer for the emulator's generated avatars.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

export type Rgb = [number, number, number];

/** Encodes an opaque RGB image (8 bits per channel, no alpha) as PNG. `pixel` returns each colour. */
export function encodeRgbPng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let offset = 0;
  for (let y = 0; y < height; y++) {
    raw[offset++] = 0; // filter type None
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[offset++] = r;
      raw[offset++] = g;
      raw[offset++] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Reads width and height of a PNG or baseline/progressive JPEG, or returns null for other data. */
export function imageDimensions(bytes: Buffer): { type: 'image/png' | 'image/jpeg'; width: number; height: number } | null {
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { type: 'image/png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return null;
      const marker = bytes[offset + 1] ?? 0;
      const length = bytes.readUInt16BE(offset + 2);
      // The start-of-frame markers C0 to CF carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { type: 'image/jpeg', height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      }
      offset += 2 + length;
    }
  }
  return null;
}

// A 3x5 bitmap font for the initials; rows are written top to bottom.
const GLYPHS: Record<string, string> = {
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110',
  E: '111100110100111', F: '111100110100100', G: '011100101101011', H: '101101111101101',
  I: '111010010010111', J: '001001001101010', K: '101101110101101', L: '100100100100111',
  M: '101111111101101', N: '110101101101101', O: '010101101101010', P: '110101110100100',
  Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101',
  Y: '101101010010010', Z: '111001010100111', '0': '111101101101111', '1': '010110010010111',
  '2': '110001010100111', '3': '110001010001110', '4': '101101111001001', '5': '111100110001110',
  '6': '011100111101111', '7': '111001010010010', '8': '111101111101111', '9': '111101111001110',
  '?': '111001010000010',
};

/** Picks a per-name colour, as Nextcloud derives the avatar colour from a hash of the name. */
export function colourForName(name: string): Rgb {
  const digest = createHash('md5').update(name).digest();
  const hue = ((digest[0] ?? 0) * 256 + (digest[1] ?? 0)) % 360;
  // HSL with saturation 0.6 and lightness 0.4, converted to RGB.
  const s = 0.6;
  const l = 0.4;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x]
    : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

function tint(colour: Rgb, amount: number): Rgb {
  return colour.map((channel) => Math.round(channel + (255 - channel) * amount)) as Rgb;
}

/**
 * Draws `text` (one or two initials) centred in a `size`×`size` square: letters in `colour` on a
 * light tint of it, or the reverse for the dark variant.
 */
export function renderInitials(text: string, size: number, colour: Rgb, dark: boolean): Buffer {
  const letters = [...text.toUpperCase()].slice(0, 2).map((char) => GLYPHS[char] ?? GLYPHS['?'] ?? '');
  const background: Rgb = dark ? (colour.map((channel) => Math.round(channel * 0.35)) as Rgb) : tint(colour, 0.8);
  const foreground = dark ? tint(colour, 0.5) : colour;
  const columns = letters.length * 4 - 1; // 3 columns per glyph plus a 1-column gap
  const scale = Math.max(1, Math.floor((size * 0.5) / Math.max(columns, 5)));
  const left = Math.floor((size - columns * scale) / 2);
  const top = Math.floor((size - 5 * scale) / 2);
  return encodeRgbPng(size, size, (x, y) => {
    const column = Math.floor((x - left) / scale);
    const row = Math.floor((y - top) / scale);
    if (x < left || y < top || column >= columns || row >= 5) return background;
    const glyph = letters[Math.floor(column / 4)];
    const glyphColumn = column % 4;
    if (glyph === undefined || glyphColumn === 3) return background;
    return glyph[row * 3 + glyphColumn] === '1' ? foreground : background;
  });
}
