/**
 * Reads one account through Nextcloud's provisioning API: `GET {url}/ocs/v2.php/cloud/users/{uid}`
 * with Basic admin:app-password and `OCS-APIRequest: true` (without that header Nextcloud returns
 * 412). Nextcloud 34 returns a deleted or unknown uid with HTTP 404 and `meta.statuscode` 404; a
 * 401 with statuscode 997 means the admin credential is wrong, not that the user is gone.
 */
import type { NextcloudProviderConfig, ProvisioningConfig } from '../config/schema.js';
import { fetchJson, isRecord } from '../identity/sso/provider-fetch.js';

export type ProvisionedUser =
  | { kind: 'found'; enabled: boolean; groups: string[]; displayName: string | undefined; email: string | undefined }
  | { kind: 'deleted' }
  /** Nextcloud failed or could not be reached, which tells nothing about the user. */
  | { kind: 'unavailable'; status: number | undefined; statusCode: unknown; detail: string };

export class ProvisioningClient {
  private readonly authorization: string;

  constructor(private readonly provider: NextcloudProviderConfig, credentials: ProvisioningConfig, private readonly timeoutMs: number) {
    this.authorization = `Basic ${Buffer.from(`${credentials.admin_user}:${credentials.app_password}`).toString('base64')}`;
  }

  /** Reads the account; never throws, so one failing user cannot stop a sync pass. */
  async readUser(uid: string): Promise<ProvisionedUser> {
    const url = new URL(`${this.provider.url}/ocs/v2.php/cloud/users/${encodeURIComponent(uid)}?format=json`);
    let response;
    try {
      response = await fetchJson(url, {
        method: 'GET',
        headers: { authorization: this.authorization, 'ocs-apirequest': 'true', accept: 'application/json' },
      }, 'Nextcloud provisioning', this.timeoutMs);
    } catch (error) {
      return { kind: 'unavailable', status: undefined, statusCode: undefined, detail: (error as Error).message };
    }
    const ocs = isRecord(response.body) && isRecord(response.body.ocs) ? response.body.ocs : undefined;
    const meta = ocs && isRecord(ocs.meta) ? ocs.meta : undefined;
    const statusCode = meta?.statuscode;
    if (response.status === 404 && statusCode === 404) return { kind: 'deleted' };
    const data = ocs && isRecord(ocs.data) ? ocs.data : undefined;
    if (response.status !== 200 || statusCode !== 200 || !data || typeof data.enabled !== 'boolean') {
      return { kind: 'unavailable', status: response.status, statusCode, detail: 'not a provisioning reply with a boolean "enabled"' };
    }
    return {
      kind: 'found',
      enabled: data.enabled,
      groups: Array.isArray(data.groups) ? data.groups.filter((group): group is string => typeof group === 'string') : [],
      displayName: firstString(data['display-name'], data.displayname),
      email: firstString(data.email),
    };
  }
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value !== '');
}
