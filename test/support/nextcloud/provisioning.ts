// Provisioning API reads (`cloud/users…`, `cloud/groups…`) with the permission rules and error
// replies recorded against Nextcloud 34.0.1.
import type { PhpValue } from './php.js';
import type { Exchange } from './http.js';
import { authenticateOcs, RESPOND_NOT_FOUND, sendOcs, userData, type OcsVersion } from './ocs.js';
import type { NextcloudState, UserRecord } from './state.js';

const NOT_SUB_ADMIN = 'Logged in account must be at least a sub admin';

/** PHP strcasecmp: compares bytes after lower-casing ASCII letters. */
function strcasecmp(a: string, b: string): number {
  return compareBytes(a.toLowerCase(), b.toLowerCase());
}

function compareBytes(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number.parseInt(value, 10);
  return Number.isNaN(parsed) || parsed <= 0 ? undefined : parsed;
}

/**
 * Selects users like the Database backend plus the user manager: each page is cut from the list
 * ordered by the lower-cased display-name column (empty for users without one) and lower-cased uid,
 * and then re-sorted by uid without regard to case.
 */
export function searchUsers(state: NextcloudState, search: string, limit: number | undefined, offset: number): UserRecord[] {
  const needle = search.toLowerCase();
  const matches = [...state.users.values()].filter((user) =>
    needle === ''
    || user.uid.toLowerCase().includes(needle)
    || user.displayNameColumn.toLowerCase().includes(needle)
    || (user.email ?? '').includes(needle));
  matches.sort((a, b) =>
    strcasecmp(a.displayNameColumn, b.displayNameColumn) || strcasecmp(a.uid, b.uid));
  const page = matches.slice(offset, limit === undefined ? undefined : offset + limit);
  return page.sort((a, b) => strcasecmp(a.uid, b.uid));
}

/** Routes the `cloud/users…` and `cloud/groups…` segments after the OCS script; returns false if none matched. */
export function handleProvisioning(ex: Exchange, version: OcsVersion, segments: string[], dataDirectory: string): boolean {
  const [first, second, third, fourth] = segments;
  if (ex.method !== 'GET' || first !== 'cloud' || segments.length < 2) return false;
  const state = ex.state;
  const limit = parseLimit(ex.query('limit'));
  const offset = Number.parseInt(ex.query('offset') ?? '0', 10) || 0;
  const search = ex.query('search') ?? '';

  if (second === 'users') {
    if (segments.length === 2 || (segments.length === 3 && third === 'details')) {
      const caller = authenticateOcs(ex, version);
      if (caller === undefined) return true;
      if (!state.isAdmin(caller.user.uid)) {
        sendOcs(ex, version, 403, NOT_SUB_ADMIN, []);
        return true;
      }
      const users = searchUsers(state, search, limit, offset);
      if (third === 'details') {
        const details: { [uid: string]: PhpValue } = {};
        for (const user of users) details[user.uid] = userData(state, dataDirectory, user, caller.user, false);
        sendOcs(ex, version, 200, 'OK', { users: users.length === 0 ? [] : details });
      } else {
        sendOcs(ex, version, 200, 'OK', { users: users.map((user) => user.uid) });
      }
      return true;
    }
    if (third === undefined || segments.length > 4 || (fourth !== undefined && fourth !== 'groups')) return false;

    const caller = authenticateOcs(ex, version);
    if (caller === undefined) return true;
    const target = state.findUser(third);
    const isAdmin = state.isAdmin(caller.user.uid);
    const isSelf = target !== undefined && target.uid === caller.user.uid;
    if (fourth === 'groups') {
      if (target === undefined || !(isSelf || isAdmin)) {
        sendOcs(ex, version, RESPOND_NOT_FOUND, '', []);
        return true;
      }
      sendOcs(ex, version, 200, 'OK', { groups: state.groupIdsOf(target.uid) });
      return true;
    }
    if (target === undefined) {
      sendOcs(ex, version, 404, 'User does not exist', []);
      return true;
    }
    if (!(isSelf || isAdmin)) {
      sendOcs(ex, version, RESPOND_NOT_FOUND, '', []);
      return true;
    }
    // Scope keys appear only when the path names the caller's uid exactly, case included.
    sendOcs(ex, version, 200, 'OK', userData(state, dataDirectory, target, caller.user, third === caller.user.uid));
    return true;
  }

  if (second === 'groups') {
    const caller = authenticateOcs(ex, version);
    if (caller === undefined) return true;
    const isAdmin = state.isAdmin(caller.user.uid);
    if (segments.length === 2 || (segments.length === 3 && third === 'details')) {
      if (!isAdmin) {
        sendOcs(ex, version, 403, NOT_SUB_ADMIN, []);
        return true;
      }
      const needle = search.toLowerCase();
      const groups = [...state.groups.values()]
        .filter((group) => group.gid.toLowerCase().includes(needle) || group.displayName.toLowerCase().includes(needle))
        .sort((a, b) => compareBytes(a.gid, b.gid))
        .slice(offset, limit === undefined ? undefined : offset + limit);
      if (third === 'details') {
        sendOcs(ex, version, 200, 'OK', {
          groups: groups.map((group) => ({
            id: group.gid,
            displayname: group.displayName,
            usercount: group.members.size,
            disabled: 0,
            canAdd: true,
            canRemove: true,
          })),
        });
      } else {
        sendOcs(ex, version, 200, 'OK', { groups: groups.map((group) => group.gid) });
      }
      return true;
    }
    const isMembersList = segments.length === 3 || (fourth === 'users' && (segments.length === 4 || (segments.length === 5 && segments[4] === 'details')));
    if (third === undefined || !isMembersList) return false;
    // The groups controller decodes the id once more with PHP urldecode, so `+` becomes a space.
    const gid = phpUrldecode(third);
    const group = state.groups.get(gid);
    if (group === undefined) {
      sendOcs(ex, version, 404, 'The requested group could not be found', []);
      return true;
    }
    if (!isAdmin) {
      sendOcs(ex, version, 403, '', []);
      return true;
    }
    const members = [...group.members]
      .map((uid) => state.findUser(uid))
      .filter((user): user is UserRecord => user !== undefined)
      .sort((a, b) => strcasecmp(a.uid, b.uid));
    if (segments[4] === 'details') {
      const details: { [uid: string]: PhpValue } = {};
      for (const user of members) details[user.uid] = userData(state, dataDirectory, user, caller.user, false);
      sendOcs(ex, version, 200, 'OK', { users: members.length === 0 ? [] : details });
    } else {
      sendOcs(ex, version, 200, 'OK', { users: members.map((user) => user.uid) });
    }
    return true;
  }
  return false;
}

function phpUrldecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
