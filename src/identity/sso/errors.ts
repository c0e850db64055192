/**
 * Why an SSO sign-in failed. Each reason has a stable code for logs, an HTTP status for the error
 * page and a sentence the user can act on. The status is 400 for problems of the browser or user,
 * 403 for accounts this server does not let in, 502 for faults of the identity provider or the
 * network, and 500 for faults of this server.
 */
export type SsoFailureReason =
  | 'state_cookie_missing'
  | 'state_cookie_invalid'
  | 'state_cookie_expired'
  | 'state_mismatch'
  | 'callback_parameters_missing'
  | 'provider_denied'
  | 'provider_error'
  | 'code_rejected'
  | 'client_rejected'
  | 'profile_rejected'
  | 'provider_unreachable'
  | 'provider_response_invalid'
  | 'id_token_invalid'
  | 'subject_missing'
  | 'no_free_localpart'
  | 'account_deactivated'
  | 'account_locked'
  | 'group_not_allowed'
  | 'internal_error';

export type SsoFailureStatus = 400 | 403 | 500 | 502;

interface ReasonInfo {
  status: SsoFailureStatus;
  /** Text of the error page, in which `{provider}` is replaced by the provider's name. */
  message: string;
}

const RETRY = 'Go back to your chat app and try signing in again.';
const ADMIN = 'If this keeps happening, tell the administrator of this Matrix server.';

const REASONS: Record<SsoFailureReason, ReasonInfo> = {
  state_cookie_missing: {
    status: 400,
    message: `This sign-in was not started in this browser, or the browser did not keep its cookie. ${RETRY} Use the same browser for the whole sign-in and allow cookies for this site.`,
  },
  state_cookie_invalid: { status: 400, message: `The sign-in session in this browser is not valid. ${RETRY}` },
  state_cookie_expired: { status: 400, message: `The sign-in took too long and expired. ${RETRY}` },
  state_mismatch: {
    status: 400,
    message: `The reply from {provider} does not belong to the sign-in started in this browser, for example because a second sign-in was started in another tab. ${RETRY}`,
  },
  callback_parameters_missing: { status: 400, message: `The reply from {provider} is incomplete. ${RETRY}` },
  provider_denied: { status: 400, message: `Sign-in was cancelled in {provider}. ${RETRY}` },
  provider_error: { status: 502, message: `{provider} reported an error and did not sign you in. ${RETRY} ${ADMIN}` },
  code_rejected: {
    status: 502,
    message: `{provider} did not accept the sign-in code, which happens when it was already used or is too old. ${RETRY}`,
  },
  client_rejected: {
    status: 502,
    message: `{provider} did not accept this Matrix server's client credentials. Tell the administrator of this Matrix server: the OAuth client id or secret is wrong.`,
  },
  profile_rejected: { status: 502, message: `{provider} did not let this Matrix server read your account details. ${RETRY} ${ADMIN}` },
  provider_unreachable: { status: 502, message: `This Matrix server could not reach {provider}. Try again in a few minutes. ${ADMIN}` },
  provider_response_invalid: { status: 502, message: `{provider} sent a reply this Matrix server cannot read. ${ADMIN}` },
  id_token_invalid: { status: 502, message: `The sign-in reply from {provider} failed the security checks of this Matrix server. ${ADMIN}` },
  subject_missing: { status: 502, message: `{provider} did not say which account you signed in with. ${ADMIN}` },
  no_free_localpart: { status: 502, message: `No free Matrix user name could be made for your account. ${ADMIN}` },
  account_deactivated: { status: 400, message: 'Your Matrix account on this server has been deactivated. Ask its administrator for help.' },
  account_locked: {
    status: 403,
    message: 'Your Matrix account on this server is locked because your {provider} account is disabled or no longer in a group that may use this chat server. Once that changes, the account is unlocked at the next directory sync. Ask the administrator of this Matrix server for help.',
  },
  group_not_allowed: {
    status: 403,
    message: 'Your {provider} account is not allowed on this chat server, because it is not in any of the groups that may use it. Ask the administrator of this Matrix server if you need access.',
  },
  internal_error: { status: 500, message: `Something went wrong on this Matrix server. Try again in a few minutes. ${ADMIN}` },
};

export class SsoError extends Error {
  readonly status: SsoFailureStatus;

  /**
   * @param reason stable code, logged and used to pick the page text
   * @param detail what went wrong, for the log only (never shown, never a token or code)
   */
  constructor(readonly reason: SsoFailureReason, readonly detail: string, options: { cause?: unknown } = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SsoError';
    this.status = REASONS[reason].status;
  }

  /** Returns the sentence shown to the user, naming the provider. */
  userMessage(providerName: string): string {
    return REASONS[this.reason].message.replaceAll('{provider}', providerName);
  }
}
