/** A configuration mistake, reported with the key, the offending value and how to fix it. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly fix: string,
  ) {
    super(`Invalid config at "${key}": ${describeValue(value)}. ${fix}`);
    this.name = 'ConfigError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return `got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}
