import { MatrixError } from '../core/errors.js';

/** The lookups the duplicate check needs, narrowed from the event and relation stores. */
export interface AnnotationLookup {
  hasAnnotation(query: { parentId: string; sender: string; type: string; key: string }): Promise<boolean>;
  findTransaction(userId: string, deviceId: string, txnId: string): Promise<string | undefined>;
}

/** A client send, as far as the duplicate check looks at it. */
export interface AnnotationSend {
  userId: string;
  deviceId: string;
  txnId: string;
  type: string;
  content: Record<string, unknown>;
}

/**
 * Raises M_DUPLICATE_ANNOTATION when the send is an `m.annotation` whose sender already has an
 * unredacted annotation of the same event with the same type and key, as the spec recommends
 * for servers. A retried transaction id passes, so that it gets the first event's id back.
 * NOTE: two identical annotations sent at the same moment can both pass, because the check runs
 * before the room's writer lock is taken.
 */
export async function rejectDuplicateAnnotation(lookup: AnnotationLookup, send: AnnotationSend): Promise<void> {
  const relation = send.content['m.relates_to'];
  if (typeof relation !== 'object' || relation === null) return;
  const { rel_type: relType, event_id: parentId, key } = relation as Record<string, unknown>;
  if (relType !== 'm.annotation' || typeof parentId !== 'string' || typeof key !== 'string') return;

  if (await lookup.findTransaction(send.userId, send.deviceId, send.txnId)) return;

  if (await lookup.hasAnnotation({ parentId, sender: send.userId, type: send.type, key })) {
    throw new MatrixError('M_DUPLICATE_ANNOTATION', `You already annotated ${parentId} with this key. Redact that annotation first.`);
  }
}
