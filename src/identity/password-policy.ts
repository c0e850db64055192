import { MatrixError } from '../core/errors.js';

/** The shortest password that `lattice register-user` and `POST /account/password` accept. */
export const MIN_PASSWORD_LENGTH = 8;

/** Returns why `password` is rejected for a local account, or undefined when it is acceptable. */
export function passwordPolicyViolation(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  return undefined;
}

/** Throws 400 M_WEAK_PASSWORD when `password` breaks the policy. */
export function requireAcceptablePassword(password: string): void {
  const violation = passwordPolicyViolation(password);
  if (violation !== undefined) throw new MatrixError('M_WEAK_PASSWORD', violation);
}
