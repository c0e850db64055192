/** Checking and cleaning push rule actions. */
import { badJson } from '../core/errors.js';
import type { PushAction } from './types.js';

/** Actions from older spec versions, which clients and servers must ignore. */
const HISTORICAL_ACTIONS: ReadonlySet<string> = new Set(['dont_notify', 'coalesce']);

/**
 * Checks actions sent by a client and returns them without the historical ones. The only
 * string action now defined is `notify`, and an object action must name a `set_tweak`.
 * Tweak names and values are not checked, because clients and push gateways may agree on their own.
 */
export function checkActions(actions: readonly unknown[]): PushAction[] {
  for (const action of actions) {
    if (typeof action === 'string') {
      if (action !== 'notify' && !HISTORICAL_ACTIONS.has(action)) {
        throw badJson(`Unknown push rule action "${action}". The defined actions are "notify" and {"set_tweak": ...}.`);
      }
    } else if (!isTweak(action)) {
      throw badJson(`Invalid push rule action ${JSON.stringify(action)}: an object action needs a string "set_tweak".`);
    }
  }
  return withoutHistoricalActions(actions as PushAction[]);
}

/** Keeps the well-formed actions of a stored rule, dropping the historical ones. */
export function readStoredActions(actions: readonly unknown[]): PushAction[] {
  const wellFormed = actions.filter((action): action is PushAction => typeof action === 'string' || isTweak(action));
  return withoutHistoricalActions(wellFormed);
}

function withoutHistoricalActions(actions: readonly PushAction[]): PushAction[] {
  return actions.filter((action) => typeof action !== 'string' || !HISTORICAL_ACTIONS.has(action));
}

function isTweak(action: unknown): action is { readonly [key: string]: unknown } {
  return typeof action === 'object' && action !== null && !Array.isArray(action)
    && typeof (action as Record<string, unknown>)['set_tweak'] === 'string';
}
