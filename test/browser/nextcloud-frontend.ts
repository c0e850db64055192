// The forms that Nextcloud's Vue front-end renders from a page's initial state. The emulator
// serves Nextcloud's server-side HTML, whose forms only exist once that front-end runs, so the
// browser test injects this script into the emulator's pages to give Chromium the same login,
// "Log in" and "Grant access" controls a user sees. Field names and form targets follow the
// emulator's login and consent handlers and the scripted browser in test/support/sso-browser.ts.
//
// NOTE: the emulator's login page also lacks the `<meta name="referrer" content="same-origin">`
// that Nextcloud's LoginController adds (nextcloud/server pull request 62490 describes it). Under
// the emulator's `Referrer-Policy: no-referrer`, Chromium would send `Origin: null` with the login
// form, which the emulated Origin check rejects, so this script adds that meta element too.

/**
 * Builds the script for `addInitScript`. It is plain JavaScript in a string because the test's
 * TypeScript loader would add helper calls to a compiled function that do not exist in the page.
 */
export function nextcloudFrontendScript(emulatorOrigin: string): string {
  return `(function (emulatorOrigin) {
  if (location.origin !== emulatorOrigin) return;

  const readState = (key) => {
    const input = document.getElementById(\`initial-state-core-\${key}\`);
    return input ? JSON.parse(atob(input.value)) : undefined;
  };
  const hidden = (name, value) => {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    return input;
  };
  const field = (name, type, label) => {
    const wrapper = document.createElement('label');
    wrapper.textContent = label;
    const input = document.createElement('input');
    input.type = type;
    input.name = name;
    input.id = name;
    wrapper.append(input);
    return wrapper;
  };
  const button = (text) => {
    const element = document.createElement('button');
    element.type = 'submit';
    element.textContent = text;
    return element;
  };

  const render = () => {
    const content = document.getElementById('content');
    if (!content) return;
    const requestToken = document.head.dataset.requesttoken || '';
    const pickerState = readState('loginFlowAuth');
    const grantState = readState('loginFlowGrant');

    if (readState('loginUsername') !== undefined) {
      const referrer = document.createElement('meta');
      referrer.name = 'referrer';
      referrer.content = 'same-origin';
      document.head.append(referrer);
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/index.php/login';
      form.name = 'login';
      form.append(field('user', 'text', 'Account name or email'), field('password', 'password', 'Password'));
      form.append(hidden('requesttoken', requestToken), hidden('timezone', 'UTC'), hidden('timezone_offset', '0'));
      const redirectUrl = readState('loginRedirectUrl');
      if (typeof redirectUrl === 'string') form.append(hidden('redirect_url', redirectUrl));
      form.append(button('Log in'));
      content.append(form);
    } else if (pickerState !== undefined) {
      const link = document.createElement('a');
      link.href = pickerState.loginRedirectUrl;
      link.textContent = 'Log in';
      content.append(link);
    } else if (grantState !== undefined) {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = grantState.actionUrl;
      form.append(
        hidden('stateToken', grantState.stateToken),
        hidden('clientIdentifier', grantState.clientIdentifier),
        hidden('providedRedirectUri', grantState.providedRedirectUri),
        hidden('requesttoken', requestToken),
        button('Grant access'),
      );
      content.append(form);
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
  else render();
})(${JSON.stringify(emulatorOrigin)});`;
}
