/** The HTTP side of an http pusher: one POST to a push gateway's /_matrix/push/v1/notify. */

/** A failed notify request. `retryable` is false when sending the same request again cannot help. */
export class GatewayError extends Error {
  constructor(message: string, readonly retryable: boolean, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

// A gateway that has not responded by then counts as failed, and the request is retried.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Posts a notify body to the gateway and returns the pushkeys it rejected. Throws GatewayError:
 * retryable for network failures, timeouts, 429 and 5xx responses, not retryable for other
 * statuses. A 2xx response without a valid `rejected` list counts as no rejection. Aborting
 * `cancel` ends the request, as at shutdown.
 */
export async function postNotification(
  url: string, body: object, options: { fetch?: typeof fetch; cancel?: AbortSignal } = {},
): Promise<string[]> {
  const fetchImpl = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: options.cancel ? AbortSignal.any([timeout, options.cancel]) : timeout,
      redirect: 'error',
    });
  } catch (error) {
    throw new GatewayError(`push gateway request failed: ${(error as Error).message}`, true, { cause: error });
  }

  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new GatewayError(`push gateway responded with HTTP ${response.status}`, retryable);
  }
  return rejectedPushkeys(text);
}

function rejectedPushkeys(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const rejected = (parsed as { rejected?: unknown } | null)?.rejected;
  return Array.isArray(rejected) ? rejected.filter((key): key is string => typeof key === 'string') : [];
}
