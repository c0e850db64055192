/**
 * Requests from the server to an identity provider, with a timeout and without redirects, whose
 * failures become SsoErrors. Bodies are never put in error details, since they may carry tokens.
 */
import { SsoError } from './errors.js';

/** Ten seconds per request; a browser waits on the callback page meanwhile. */
export const PROVIDER_TIMEOUT_MS = 10_000;

export interface JsonResponse {
  status: number;
  /** The parsed body, or undefined when it is not JSON. */
  body: unknown;
}

/**
 * Sends one request and parses the body as JSON. Throws SsoError `provider_unreachable` on a
 * network error or timeout; a non-JSON body yields `body: undefined` for the caller to judge.
 */
export async function fetchJson(url: URL, init: RequestInit, requestName: string, timeoutMs = PROVIDER_TIMEOUT_MS): Promise<JsonResponse> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const cause = timedOut ? `timed out after ${timeoutMs} ms` : describeNetworkError(error);
    throw new SsoError('provider_unreachable', `${requestName} request to ${url.origin}${url.pathname} failed: ${cause}`, { cause: error });
  }
  return { status: response.status, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Undici reports "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? `${error.message} (${code})` : error.message;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
