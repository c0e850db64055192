import type { Logger } from '../logging.js';
import type { ToDeviceMessage, ToDeviceStore } from '../storage/e2ee-to-device.js';
import type { E2eeNotifier } from './device-lists.js';

export interface ToDeviceEvent {
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

export interface ToDeviceServiceDeps {
  store: ToDeviceStore;
  notifier: E2eeNotifier;
  /** The user's current device ids. */
  listDeviceIds(userId: string): Promise<string[]>;
  serverName: string;
  logger: Logger;
}

/** PUT /sendToDevice and the `to_device` section of /sync. */
export class ToDeviceService {
  constructor(private readonly deps: ToDeviceServiceDeps) {}

  /**
   * Queues one message per target device (`*` means every device of the user) and wakes the
   * recipients' syncs. A repeated transaction id of the same device queues nothing again.
   * TODO(federation): messages for users of other servers are dropped until federation exists.
   */
  async send(
    sender: { userId: string; deviceId: string }, type: string, txnId: string, messages: Record<string, Record<string, Record<string, unknown>>>,
  ): Promise<void> {
    const queued: ToDeviceMessage[] = [];
    for (const [userId, byDevice] of Object.entries(messages)) {
      if (!userId.endsWith(`:${this.deps.serverName}`)) {
        this.deps.logger.debug({ userId, type }, 'to-device message for a remote user dropped');
        continue;
      }
      const devices = await this.deps.listDeviceIds(userId);
      for (const [deviceId, content] of Object.entries(byDevice)) {
        const targets = deviceId === '*' ? devices : devices.filter((id) => id === deviceId);
        for (const target of targets) queued.push({ userId, deviceId: target, sender: sender.userId, type, content });
      }
    }
    const position = await this.deps.store.enqueue({ ...sender, txnId }, queued);
    if (position === undefined) return;
    for (const userId of new Set(queued.map((message) => message.userId))) this.deps.notifier.notifyUser(userId, position);
  }

  /**
   * The device's queued messages up to `upTo`. A `since` token tells that the client received
   * everything at or below it, so those messages are deleted first.
   * TODO(to-device limit): the spec recommends at most 100 per response; all are sent, because
   * one stream token cannot say that part of the queue is still undelivered.
   */
  async forSync(userId: string, deviceId: string, since: number | undefined, upTo: number): Promise<ToDeviceEvent[]> {
    if (since !== undefined) await this.deps.store.acknowledge(userId, deviceId, since);
    const pending = await this.deps.store.pending(userId, deviceId, upTo);
    return pending.map((message) => ({ sender: message.sender, type: message.type, content: message.content }));
  }

  async deviceDeleted(userId: string, deviceId: string): Promise<void> {
    await this.deps.store.deleteInbox(userId, deviceId);
  }
}
