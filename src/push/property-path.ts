/**
 * Dot-separated property paths such as `content.m\.relates_to.rel_type`: a backslash escapes a
 * literal dot or backslash in a property name, and any other backslash is kept as it is.
 */

/** Splits a path into property names, removing the escapes. */
export function splitPropertyPath(path: string): string[] {
  const names: string[] = [];
  let current = '';
  for (let index = 0; index < path.length; index++) {
    const character = path[index];
    const following = path[index + 1];
    if (character === '\\' && (following === '.' || following === '\\')) {
      current += following;
      index++;
    } else if (character === '.') {
      names.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  names.push(current);
  return names;
}

/**
 * Returns the value at the path, or undefined when a step is missing or is not a JSON object.
 * Only own properties count, so a name like `constructor` never reaches the prototype.
 */
export function lookupProperty(root: unknown, path: string): unknown {
  let value = root;
  for (const name of splitPropertyPath(path)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}
