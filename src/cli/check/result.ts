/** One line of `lattice check`: what was checked, the outcome and, for a failure, the fix. */
export interface CheckResult {
  status: 'pass' | 'fail' | 'warn' | 'skip';
  title: string;
  /** The finding, such as the value that differs. */
  detail?: string;
  /** The operator's next step, set on every failure and warning. */
  fix?: string;
}

export const pass = (title: string, detail?: string): CheckResult => ({ status: 'pass', title, detail });
export const fail = (title: string, detail: string, fix: string): CheckResult => ({ status: 'fail', title, detail, fix });
export const warn = (title: string, detail: string, fix: string): CheckResult => ({ status: 'warn', title, detail, fix });
export const skip = (title: string, detail: string): CheckResult => ({ status: 'skip', title, detail });

const LABELS: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** Formats a result as its status word and title, with indented detail and fix lines. */
export function formatResult(result: CheckResult): string {
  const lines = [`${LABELS[result.status]}  ${result.title}${result.detail ? `: ${result.detail}` : ''}`];
  if (result.fix) lines.push(`      fix: ${result.fix}`);
  return `${lines.join('\n')}\n`;
}

/** The outcome of an HTTP request made by a check, or the network error that prevented it. */
export type Fetched = { ok: true; response: Response; body: string } | { ok: false; error: string };

// Every request of `lattice check` gives up after this long, so one dead host cannot hang it.
const REQUEST_TIMEOUT_MS = 10_000;

/** Fetches without following redirects and reads the body; network errors come back as text. */
export async function fetchForCheck(url: string, init: RequestInit = {}): Promise<Fetched> {
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
    return { ok: true, response, body: await response.text() };
  } catch (error) {
    return { ok: false, error: describeFetchError(error) };
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if ((error as Error).name === 'TimeoutError') return `timed out after ${REQUEST_TIMEOUT_MS / 1000} s`;
  return (error as Error).message;
}
