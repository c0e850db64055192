import type { ApiOptions, ApiResponse } from './client.js';
import { loadSpecValidator, validatingFetch, type Violation } from './openapi.js';

/**
 * A JSON client like api() that checks every response against the Matrix spec. Responses that
 * break it collect in `violations`, for one assertNoViolations() at the end. Send requests whose
 * expected status the spec does not list for the endpoint through api() instead.
 */
export class SpecClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly specFetch: typeof fetch,
    readonly violations: Violation[],
  ) {}

  static async create(baseUrl: string): Promise<SpecClient> {
    const violations: Violation[] = [];
    return new SpecClient(baseUrl, validatingFetch(await loadSpecValidator(), violations), violations);
  }

  async request<T = Record<string, any>>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.specFetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T, headers: response.headers };
  }
}
