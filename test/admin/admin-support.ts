import { createHmac } from 'node:crypto';
import { api } from '../support/client.js';

/** Computes the MAC of Synapse's shared-secret registration, as synadm and register_new_matrix_user do. */
export function registrationMac(secret: string, nonce: string, username: string, password: string, admin: boolean): string {
  return createHmac('sha1', secret)
    .update(`${nonce}\x00${username}\x00${password}\x00${admin ? 'admin' : 'notadmin'}`, 'utf8')
    .digest('hex');
}

/** Registers a user through `/_synapse/admin/v1/register` and returns the response. */
export async function registerWithSecret(baseUrl: string, secret: string, username: string, password: string, admin: boolean) {
  const nonce = await api<{ nonce: string }>(baseUrl, 'GET', '/_synapse/admin/v1/register');
  if (nonce.status !== 200) throw new Error(`nonce request failed: ${nonce.status} ${JSON.stringify(nonce.body)}`);
  return api<{ access_token: string; user_id: string; device_id: string; home_server: string; errcode?: string }>(baseUrl, 'POST', '/_synapse/admin/v1/register', {
    body: { nonce: nonce.body.nonce, username, password, admin, mac: registrationMac(secret, nonce.body.nonce, username, password, admin) },
  });
}

export const enc = encodeURIComponent;

/**
 * Resolves when the server has printed a log line containing all the texts. Lines travel through
 * the child's stdout pipe, so one written before a response may arrive after it; the bounded loop
 * gives up after 200 tries.
 */
export async function waitForLogLine(server: { logs: string[] }, ...texts: string[]): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const found = server.logs.find((line) => texts.every((text) => line.includes(text)));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no log line contains ${texts.join(' and ')}`);
}
