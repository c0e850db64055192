/**
 * Presence: whether users are online, idle (`unavailable`) or offline, with an optional status
 * message. States are held in memory and forgotten on restart, when every user is offline again.
 * NOTE: several processes sharing one database each see only the presence set through them.
 * Users whose clients stop syncing go offline after a while; going idle (`unavailable`) is the
 * client's call, through `set_presence` or PUT /presence.
 */
import { invalidParam } from '../core/errors.js';

export const PRESENCE_STATES = ['online', 'unavailable', 'offline'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

/** The `m.presence` content the spec defines, as GET /presence and /sync return it. */
export interface PresenceContent {
  presence: PresenceState;
  last_active_ago?: number;
  currently_active?: boolean;
  status_msg?: string;
}

export interface PresenceServiceDeps {
  enabled: boolean;
  allocatePosition: () => Promise<number>;
  /** Wakes the /sync long-polls of the user and of everyone sharing a room with them. */
  notifyPresence: (userId: string, position: number) => Promise<void>;
  /** The users who share a joined room with the user, the user included. */
  usersSharingRooms: (userId: string) => Promise<Set<string>>;
  onError: (error: unknown, userId: string) => void;
  /** How often to look for users who stopped syncing, in ms; 0 disables the timer (tests call sweep()). */
  sweepIntervalMs?: number;
  now?: () => number;
}

interface StoredPresence {
  presence: PresenceState;
  statusMsg: string | undefined;
  lastActiveTs: number;
  position: number;
}

// A user active within the last minute counts as `currently_active`.
const CURRENTLY_ACTIVE_MS = 60_000;

// A client keeps a /sync open for at most 5 minutes (the server's cap on `timeout`), so a user
// not seen for 6 minutes has no client syncing.
export const OFFLINE_AFTER_MS = 6 * 60_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** Sets, reads and syncs presence; with presence disabled, everyone reads as offline and nothing is sent. */
export class PresenceService {
  private readonly states = new Map<string, StoredPresence>();
  private readonly now: () => number;
  private readonly sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PresenceServiceDeps) {
    this.now = deps.now ?? Date.now;
    const interval = deps.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    if (deps.enabled && interval > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), interval);
      this.sweepTimer.unref();
    }
  }

  /** Marks offline every user not seen for OFFLINE_AFTER_MS, keeping their status message. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - OFFLINE_AFTER_MS;
    for (const [userId, state] of [...this.states]) {
      if (state.presence === 'offline' || state.lastActiveTs >= cutoff) continue;
      try {
        await this.store(userId, 'offline', state.statusMsg, state.lastActiveTs);
      } catch (error) {
        this.deps.onError(error, userId);
      }
    }
  }

  /** Stops the offline sweep, for shutdown. */
  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  get enabled(): boolean {
    return this.deps.enabled;
  }

  /** PUT /presence/{userId}/status. A missing status message clears the old one. */
  async setPresence(userId: string, presence: string, statusMsg: string | undefined): Promise<void> {
    if (!(PRESENCE_STATES as readonly string[]).includes(presence)) {
      throw invalidParam(`Unknown presence "${presence}"; use one of ${PRESENCE_STATES.join(', ')}.`);
    }
    if (!this.deps.enabled) return;
    const previous = this.states.get(userId);
    const state = presence as PresenceState;
    if (previous && previous.presence === state && previous.statusMsg === statusMsg) {
      previous.lastActiveTs = this.now();
      return;
    }
    await this.store(userId, state, statusMsg);
  }

  /**
   * Records that the user is syncing: `set_presence` absent marks an offline user online,
   * `unavailable` marks the user idle, and `offline` leaves the presence as it is, as the spec
   * defines for /sync. A presence the user set to `unavailable` stays while their client syncs.
   */
  async markSyncing(userId: string, setPresence: PresenceState | undefined): Promise<void> {
    if (!this.deps.enabled || setPresence === 'offline') return;
    const previous = this.states.get(userId);
    const target = setPresence ?? (previous && previous.presence !== 'offline' ? previous.presence : 'online');
    if (previous?.presence === target) {
      previous.lastActiveTs = this.now();
      return;
    }
    await this.store(userId, target, previous?.statusMsg);
  }

  /** Returns the user's presence: offline for users never seen since start-up and whenever presence is disabled. */
  getPresence(userId: string): PresenceContent {
    const state = this.deps.enabled ? this.states.get(userId) : undefined;
    return state ? this.toContent(state) : { presence: 'offline' };
  }

  /** Checks whether `viewer` may read the presence of `target`: themselves, or someone in a shared joined room. */
  async canSee(viewer: string, target: string): Promise<boolean> {
    return viewer === target || (await this.deps.usersSharingRooms(viewer)).has(target);
  }

  /**
   * `m.presence` events of users sharing a room with `userId` whose presence changed in
   * (since, upTo], or all known ones for an initial sync. Empty while presence is disabled.
   */
  async eventsFor(userId: string, since: number | undefined, upTo: number): Promise<Array<{ type: 'm.presence'; sender: string; content: PresenceContent }>> {
    if (!this.deps.enabled || this.states.size === 0) return [];
    // Most syncs follow no presence change, and finding who shares a room costs a query per room.
    const changed = [...this.states.values()].some((state) => state.position <= upTo && (since === undefined || state.position > since));
    if (!changed) return [];
    const events: Array<{ type: 'm.presence'; sender: string; content: PresenceContent }> = [];
    for (const other of await this.deps.usersSharingRooms(userId)) {
      const state = this.states.get(other);
      if (!state || state.position > upTo || (since !== undefined && state.position <= since)) continue;
      events.push({ type: 'm.presence', sender: other, content: this.toContent(state) });
    }
    return events;
  }

  private async store(userId: string, presence: PresenceState, statusMsg: string | undefined, lastActiveTs = this.now()): Promise<void> {
    const position = await this.deps.allocatePosition();
    this.states.set(userId, { presence, statusMsg, lastActiveTs, position });
    await this.deps.notifyPresence(userId, position);
  }

  private toContent(state: StoredPresence): PresenceContent {
    const lastActiveAgo = Math.max(0, this.now() - state.lastActiveTs);
    const content: PresenceContent = { presence: state.presence, last_active_ago: lastActiveAgo };
    if (state.presence !== 'offline') content.currently_active = state.presence === 'online' && lastActiveAgo < CURRENTLY_ACTIVE_MS;
    if (state.statusMsg !== undefined) content.status_msg = state.statusMsg;
    return content;
  }
}
