/** Shapes of the events and state that the authorisation rules read. */

/** The fields of an event that authorisation reads; full PDUs satisfy it. */
export interface AuthEvent {
  type: string;
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
  room_id?: string;
  prev_events?: readonly unknown[];
  auth_events?: readonly unknown[];
  signatures?: Record<string, Record<string, string>>;
  /** Present on events of room versions 1 and 2 only. */
  event_id?: string;
  redacts?: string;
}

/** Room state for authorisation, keyed by `stateKey(type, state_key)`. */
export type AuthState = ReadonlyMap<string, AuthEvent>;

/** Outcome of an authorisation check. A rejection's `reason` names the rule that failed. */
export type AuthResult = { allowed: true } | { allowed: false; reason: string };

/** Returns the map key of a state entry: the type and state key joined by NUL, which neither may contain. */
export function stateKey(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

export const ALLOW: AuthResult = Object.freeze({ allowed: true });

export function reject(reason: string): AuthResult {
  return { allowed: false, reason };
}
