import { isValidUserId } from '../core/identifiers.js';
import { ConfigError } from './errors.js';
import { Fields } from './fields.js';

/** One way to reach the server's administrators, as `/.well-known/matrix/support` publishes it. */
export interface SupportContact {
  matrix_id?: string;
  email_address?: string;
  /** `m.role.admin` (the default), `m.role.security` or a namespaced role of the operator's own. */
  role: string;
}

/** The support information that `/.well-known/matrix/support` returns. */
export interface SupportConfig {
  contacts: SupportContact[];
  support_page: string | undefined;
}

/**
 * Reads `support`. Without it, or with it empty, there is no support information and
 * `/.well-known/matrix/support` returns 404, as the spec allows.
 */
export function readSupport(root: Fields): SupportConfig | undefined {
  const support = root.child('support');
  support.rejectUnknown(['contacts', 'support_page']);
  const contacts = support.list('contacts').map((raw, index) => readContact(Fields.of(raw, support.path(`contacts[${index}]`))));
  const supportPage = support.has('support_page') ? support.httpUrl('support_page', 'https://example.com/help') : undefined;
  if (contacts.length === 0 && supportPage === undefined) return undefined;
  return { contacts, support_page: supportPage };
}

function readContact(contact: Fields): SupportContact {
  contact.rejectUnknown(['matrix_id', 'email_address', 'role']);
  const matrixId = contact.optionalString('matrix_id');
  const emailAddress = contact.optionalString('email_address');
  if (matrixId === undefined && emailAddress === undefined) {
    throw new ConfigError(contact.path('matrix_id'), undefined, 'Set matrix_id, email_address or both for each support contact.');
  }
  if (matrixId !== undefined && !isValidUserId(matrixId)) {
    throw new ConfigError(contact.path('matrix_id'), matrixId, 'Use a full Matrix user id, such as @admin:example.com.');
  }
  if (emailAddress !== undefined && !/^[^@\s]+@[^@\s]+$/.test(emailAddress)) {
    throw new ConfigError(contact.path('email_address'), emailAddress, 'Use an email address, such as admin@example.com.');
  }
  const role = contact.string('role', 'm.role.admin');
  return { ...(matrixId === undefined ? {} : { matrix_id: matrixId }), ...(emailAddress === undefined ? {} : { email_address: emailAddress }), role };
}
