/** A table cell: numbers are rounded for display, strings are escaped for markdown. */
export type Cell = string | number | undefined;

/** Formats a number with at most `digits` decimals and no trailing zeros; NaN and undefined become "n/a". */
export function formatNumber(value: number | undefined, digits = 1): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toFixed(digits)).toString();
}

function formatCell(cell: Cell): string {
  if (typeof cell === 'number' || cell === undefined) return formatNumber(cell);
  return cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Formats a GitHub-flavoured markdown table; numeric columns are right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly Cell[][]): string {
  for (const [index, row] of rows.entries()) {
    if (row.length !== headers.length) throw new Error(`row ${index} has ${row.length} cells, expected ${headers.length}`);
  }
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number' || row[column] === undefined));
  const lines = [
    `| ${headers.map(formatCell).join(' | ')} |`,
    `|${numeric.map((isNumber) => (isNumber ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(formatCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}
