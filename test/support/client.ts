/** A minimal JSON client for Matrix endpoints in tests; every call returns status and body. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  /** Raw body text, sent as is (for malformed JSON tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function api<T = Record<string, unknown>>(
  baseUrl: string, method: string, path: string, options: ApiOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';

  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    // Not JSON: the raw text is returned for the test to inspect.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Logs in with a local password account and returns the access token and ids. */
export async function passwordLogin(baseUrl: string, user: string, password: string): Promise<{ token: string; userId: string; deviceId: string }> {
  const response = await api<{ access_token: string; user_id: string; device_id: string }>(baseUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password },
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { token: response.body.access_token, userId: response.body.user_id, deviceId: response.body.device_id };
}
