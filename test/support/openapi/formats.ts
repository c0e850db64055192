import type { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * Checks for the `mx-` string formats, whose grammar the appendices of the Matrix spec define.
 * Each regular expression checks the sigil and the overall shape only. A room ID may lack a
 * server name, because since Matrix 1.16 that depends on the room version.
 */
const MATRIX_FORMATS: Record<string, RegExp> = {
  'mx-user-id': /^@[^:]+:.+$/s,
  'mx-room-id': /^!.+$/s,
  'mx-event-id': /^\$.+$/s,
  'mx-room-alias': /^#[^:]*:.+$/s,
  // A server name is a DNS name, an IPv4 address or a bracketed IPv6 address, with an optional port.
  'mx-server-name': /^(\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Za-z.-]{1,255})(:[0-9]{1,5})?$/,
  'mx-mxc-uri': /^mxc:\/\/[^/]+\/[^/]+$/,
  'mx-unpadded-base64': /^[A-Za-z0-9+/]*$/,
  'mx-urlsafe-unpadded-base64': /^[A-Za-z0-9_-]*$/,
};

/** Registers the Matrix string formats, so ajv checks them instead of warning about unknown formats. */
export function addMatrixFormats(ajv: Ajv2020): void {
  for (const [name, regex] of Object.entries(MATRIX_FORMATS)) {
    ajv.addFormat(name, regex);
  }
}
