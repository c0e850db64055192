/**
 * Pusher registration for the client-server API: `GET /pushers` and `POST /pushers/set`. Only
 * `http` pushers exist here, because Lattice sends no email.
 */
import { badJson, invalidParam, missingParam } from '../core/errors.js';
import type { Pusher, PusherStore } from '../storage/pushers.js';

/** The path the spec fixes for a push gateway's notify endpoint. */
export const NOTIFY_PATH = '/_matrix/push/v1/notify';

// Limits from the spec's description of `pushkey` (bytes) and `app_id` (characters).
const MAX_PUSHKEY_BYTES = 512;
const MAX_APP_ID_CHARS = 64;

const FIELDS_WHEN_SET = ['app_display_name', 'device_display_name', 'lang', 'data'] as const;

/** A pusher in the shape `GET /pushers` returns. */
export interface PusherView {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: Record<string, unknown>;
}

export class PusherService {
  constructor(
    private readonly store: PusherStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(userId: string): Promise<PusherView[]> {
    return (await this.store.listForUser(userId)).map(toView);
  }

  /**
   * Applies a `POST /pushers/set` body: `kind: null` deletes the session user's pusher with this
   * app_id and pushkey (a missing one is no error), any other kind creates or replaces it.
   * Throws M_MISSING_PARAM for absent fields, M_INVALID_PARAM for values the spec rules out and
   * M_BAD_JSON for fields of the wrong JSON type.
   */
  async set(session: { userId: string; deviceId: string }, body: Record<string, unknown>): Promise<void> {
    const missing = ['kind', 'app_id', 'pushkey'].filter((field) => !Object.hasOwn(body, field));
    if (body.kind !== null) missing.push(...FIELDS_WHEN_SET.filter((field) => body[field] === undefined));
    if (missing.length > 0) throw missingParam(`Missing parameters: ${missing.join(', ')}.`);

    const appId = requireString(body, 'app_id');
    const pushkey = requireString(body, 'pushkey');
    checkKeyLengths(appId, pushkey);
    if (body.kind === null) {
      await this.store.delete(session.userId, appId, pushkey);
      return;
    }

    const kind = requireString(body, 'kind');
    if (kind !== 'http') throw invalidParam(`Unsupported pusher kind "${kind}": this server sends only "http" pushes. Use kind "http", or null to delete.`);
    const data = checkHttpData(body.data);
    const append = body.append ?? false;
    if (typeof append !== 'boolean') throw badJson('"append" must be a boolean.');
    const profileTag = body.profile_tag === undefined ? null : requireString(body, 'profile_tag');

    await this.store.upsert({
      userId: session.userId, appId, pushkey, kind,
      appDisplayName: requireString(body, 'app_display_name'),
      deviceDisplayName: requireString(body, 'device_display_name'),
      profileTag,
      lang: requireString(body, 'lang'),
      data,
      deviceId: session.deviceId,
      pushkeyTs: this.now(),
    }, append);
  }
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw badJson(`"${field}" must be a string.`);
  return value;
}

function checkKeyLengths(appId: string, pushkey: string): void {
  if (appId === '' || [...appId].length > MAX_APP_ID_CHARS) {
    throw invalidParam(`"app_id" must have 1 to ${MAX_APP_ID_CHARS} characters.`);
  }
  if (pushkey === '' || Buffer.byteLength(pushkey) > MAX_PUSHKEY_BYTES) {
    throw invalidParam(`"pushkey" must have 1 to ${MAX_PUSHKEY_BYTES} bytes.`);
  }
}

/**
 * Checks the `data` of an http pusher: `url` must be an absolute http or https URL whose path
 * ends with /_matrix/push/v1/notify, and `format`, when given, must be "event_id_only".
 * NOTE: the spec says the URL MUST be https; plain http is accepted too, for gateways on the same
 * host or private network. Delivery goes to whatever URL the client registered.
 */
function checkHttpData(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw badJson('"data" must be an object.');
  const record = data as Record<string, unknown>;
  if (record.url === undefined) throw missingParam('Missing parameter: data.url, the push gateway URL that an http pusher needs.');
  if (typeof record.url !== 'string') throw badJson('"data.url" must be a string.');
  if (!isNotifyUrl(record.url)) {
    throw invalidParam(`Invalid "data.url": it must be an absolute http or https URL ending with ${NOTIFY_PATH}.`);
  }
  if (record.format !== undefined && record.format !== 'event_id_only') {
    throw invalidParam('Invalid "data.format": the only defined format is "event_id_only". Omit it for full notifications.');
  }
  return record;
}

function isNotifyUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname.endsWith(NOTIFY_PATH);
}

function toView(pusher: Pusher): PusherView {
  return {
    pushkey: pusher.pushkey,
    kind: pusher.kind,
    app_id: pusher.appId,
    app_display_name: pusher.appDisplayName,
    device_display_name: pusher.deviceDisplayName,
    ...(pusher.profileTag === null ? {} : { profile_tag: pusher.profileTag }),
    lang: pusher.lang,
    data: pusher.data,
  };
}
