import type { Transaction } from 'kysely';
import type { Db } from './database.js';
import { withE2eeTables, type E2eeDb } from './e2ee-schema.js';
import type { DatabaseSchema } from './schema.js';
import { allocateStreamPosition } from './stream.js';

export interface ToDeviceMessage {
  userId: string;
  deviceId: string;
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

export interface QueuedToDeviceMessage {
  streamPosition: number;
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

// Transaction ids are kept for a day: long enough for any client retry.
const TRANSACTION_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Each device's queue of to-device messages, kept until the device's next /sync shows it got
 * them, and the transaction ids that make a send idempotent. Fails only with database errors.
 */
export class ToDeviceStore {
  private readonly db: E2eeDb;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.db = withE2eeTables(db);
  }

  /**
   * Queues the messages at one new stream position and records the sender's transaction id,
   * in one transaction. Returns the position, or undefined when the transaction id was used
   * before, in which case nothing is queued.
   */
  async enqueue(sender: { userId: string; deviceId: string; txnId: string }, messages: readonly ToDeviceMessage[]): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const seen = await trx.selectFrom('e2e_to_device_transactions').select('txn_id')
        .where('user_id', '=', sender.userId).where('device_id', '=', sender.deviceId).where('txn_id', '=', sender.txnId)
        .executeTakeFirst();
      if (seen) return undefined;
      const now = this.now();
      await trx.deleteFrom('e2e_to_device_transactions').where('created_ts', '<', now - TRANSACTION_LIFETIME_MS).execute();
      await trx.insertInto('e2e_to_device_transactions')
        .values({ user_id: sender.userId, device_id: sender.deviceId, txn_id: sender.txnId, created_ts: now }).execute();
      const position = await allocateStreamPosition(trx as unknown as Transaction<DatabaseSchema>);
      for (const message of messages) {
        await trx.insertInto('e2e_to_device_inbox').values({
          user_id: message.userId, device_id: message.deviceId, stream_position: position,
          sender: message.sender, type: message.type, content_json: JSON.stringify(message.content),
        }).execute();
      }
      return position;
    });
  }

  /** Deletes the device's messages at or below `position`, which its client has received. */
  async acknowledge(userId: string, deviceId: string, position: number): Promise<void> {
    await this.db.deleteFrom('e2e_to_device_inbox')
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('stream_position', '<=', position)
      .execute();
  }

  /** The device's queued messages at or below `upTo`, oldest first. */
  async pending(userId: string, deviceId: string, upTo: number): Promise<QueuedToDeviceMessage[]> {
    const rows = await this.db.selectFrom('e2e_to_device_inbox').select(['stream_position', 'sender', 'type', 'content_json'])
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('stream_position', '<=', upTo)
      .orderBy('stream_position').execute();
    return rows.map((row) => ({
      streamPosition: Number(row.stream_position), sender: row.sender, type: row.type, content: JSON.parse(row.content_json) as Record<string, unknown>,
    }));
  }

  /** Drops the device's queue, when the device is deleted. */
  async deleteInbox(userId: string, deviceId: string): Promise<void> {
    await this.db.deleteFrom('e2e_to_device_inbox').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
  }
}
