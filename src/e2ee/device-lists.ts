import type { DeviceListStore } from '../storage/e2ee-device-lists.js';

/** Wakes long-polling /sync requests; implemented by the sync notifier. */
export interface E2eeNotifier {
  notifyUser(userId: string, position: number): void;
  notifyRoomEvent(roomId: string, position: number): void;
}

export interface DeviceListChanges {
  changed: string[];
  left: string[];
}

/**
 * Tracks whose devices changed, for `device_lists` in /sync and for /keys/changes. A change
 * wakes the user's own syncs and those of everyone sharing a room with them at once.
 */
export class DeviceListService {
  constructor(private readonly store: DeviceListStore, private readonly notifier: E2eeNotifier) {}

  /** Records that the user's devices or cross-signing keys changed, and tells whoever shares a room. */
  async markChanged(userId: string): Promise<void> {
    const position = await this.store.markChanged([userId]);
    this.notifier.notifyUser(userId, position);
    for (const roomId of await this.store.joinedRooms(userId)) this.notifier.notifyRoomEvent(roomId, position);
  }

  /**
   * Users whose device lists the user should re-fetch after `since` (changed keys, or newly
   * sharing a room) and users who no longer share any room with the user.
   */
  async changesSince(userId: string, since: number, upTo: number): Promise<DeviceListChanges> {
    const sharing = await this.store.usersSharingRoomWith(userId);
    const changed = new Set(await this.store.changedSince([...sharing], since));
    const left = new Set<string>();
    for (const change of await this.store.membershipChangesSince(userId, since, upTo)) {
      const nowMember = change.membership === 'join' || change.membership === 'invite';
      const affected = change.userId === userId ? await this.store.membersOf([change.roomId]) : [change.userId];
      for (const other of affected) (nowMember ? changed : left).add(other);
    }
    return {
      changed: [...changed].filter((user) => sharing.has(user)).sort(),
      left: [...left].filter((user) => !sharing.has(user) && user !== userId).sort(),
    };
  }
}
