import { ConfigError } from './errors.js';

/** Typed readers for one YAML mapping; each throws a ConfigError naming the full key path. */
export class Fields {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly prefix: string,
  ) {}

  static of(value: unknown, key: string): Fields {
    if (value === undefined || value === null) return new Fields({}, key);
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(key, value, 'Expected a mapping of keys to values.');
    }
    return new Fields(value as Record<string, unknown>, key);
  }

  path(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  get(key: string): unknown {
    return this.raw[key];
  }

  child(key: string): Fields {
    return Fields.of(this.raw[key], this.path(key));
  }

  string(key: string, fallback?: string): string {
    const value = this.raw[key];
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(this.path(key), value, 'Set it to a non-empty string.');
    }
    return value.trim();
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  /** Reads an absolute http:// or https:// URL; `example` shows the expected form in the error. */
  httpUrl(key: string, example: string): string {
    const value = this.string(key);
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(this.path(key), value, `Use an absolute http:// or https:// URL, such as ${example}.`);
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new ConfigError(this.path(key), value, 'Use true or false.');
    return value;
  }

  integer(key: string, fallback: number, range: { min: number; max: number }): number {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      throw new ConfigError(this.path(key), value, `Use a whole number from ${range.min} to ${range.max}.`);
    }
    return value;
  }

  stringList(key: string, fallback: string[]): string[] {
    const value = this.raw[key];
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new ConfigError(this.path(key), value, 'Use a list of strings.');
    }
    return value as string[];
  }

  list(key: string): unknown[] {
    const value = this.raw[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new ConfigError(this.path(key), value, 'Use a list.');
    return value;
  }

  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) {
        throw new ConfigError(this.path(key), this.raw[key], `Unknown key; the keys here are: ${known.join(', ')}.`);
      }
    }
  }
}
