import { MatrixError } from '../core/errors.js';

/** Error codes that only the end-to-end encryption endpoints use. */
export type E2eeErrorCode = 'M_INVALID_SIGNATURE' | 'M_WRONG_ROOM_KEYS_VERSION';

export function e2eeError(errcode: E2eeErrorCode, message: string, options: { status?: number; extra?: Record<string, unknown> } = {}): MatrixError {
  return new MatrixError(errcode, message, options);
}

/** 400 M_INVALID_SIGNATURE, the spec's answer to a key whose signature does not verify. */
export const invalidSignature = (message: string): MatrixError => e2eeError('M_INVALID_SIGNATURE', message, { status: 400 });
