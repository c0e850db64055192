/** Public API of the Matrix core: pure protocol rules with no I/O, clock or storage. */
export { decodeBase64, encodeBase64, encodeUrlSafeBase64 } from './base64.js';
export { canonicalJson, compareCodePoints } from './canonical-json.js';
export {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  signBytes,
  signingKeyFromSeed,
  verifySignature,
  type SigningKey,
} from './signing-key.js';
export { signJson, signedBytes, verifyJsonSignature, type Signatures } from './json-signing.js';
export {
  CREATABLE_ROOM_VERSIONS,
  DEFAULT_ROOM_VERSION,
  KNOWN_ROOM_VERSIONS,
  getRoomVersion,
  isCreatableRoomVersion,
  roomVersionCapabilities,
  type EventIdFormat,
  type RedactionAlgorithm,
  type RoomVersion,
} from './room-versions.js';
export {
  MAX_IDENTIFIER_BYTES,
  isValidEventId,
  isValidLocalpart,
  isValidNewUserId,
  isValidRoomAlias,
  isValidRoomId,
  isValidServerName,
  isValidUserId,
  makeUserId,
  parseUserId,
  serverNameOf,
} from './identifiers.js';
export {
  computeContentHash,
  computeEventId,
  computeReferenceHash,
  computeRoomIdFromCreateEvent,
  finalizeEvent,
  isStateEvent,
  redactEvent,
  signEvent,
  type Pdu,
  type UnsignedPdu,
} from './event-format.js';
export {
  authEventKeys,
  checkAuthEventsList,
  checkEventAuth,
  namedLevel,
  parsePowerLevelValue,
  powerLevelOf,
  requiredLevelForEvent,
  roomCreators,
  stateKey,
  type AuthEvent,
  type AuthOptions,
  type AuthResult,
  type AuthState,
  type NamedLevel,
  type ServerSignatureCheck,
} from './event-auth.js';
export { MatrixError, type ErrorCode } from './errors.js';
