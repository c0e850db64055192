// A minimal web client for the web-client slot: a "Sign in" link to Lattice's SSO redirect and a
// script that exchanges the returned loginToken at POST /login and shows the user id.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INDEX_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Lattice test client</title></head>
<body>
<h1>Lattice test client</h1>
<p><a id="sign-in" href="#">Sign in</a></p>
<p>Signed in as: <strong id="user-id">nobody</strong></p>
<p id="error"></p>
<script src="client.js"></script>
</body>
</html>
`;

const CLIENT_JS = `
const pageUrl = location.origin + location.pathname;
document.getElementById('sign-in').href =
  '/_matrix/client/v3/login/sso/redirect?redirectUrl=' + encodeURIComponent(pageUrl);

const loginToken = new URLSearchParams(location.search).get('loginToken');
if (loginToken) {
  fetch('/_matrix/client/v3/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'm.login.token', token: loginToken }),
  })
    .then((response) => response.json())
    .then((body) => {
      if (body.user_id) document.getElementById('user-id').textContent = body.user_id;
      else document.getElementById('error').textContent = body.errcode + ': ' + body.error;
    })
    .catch((error) => { document.getElementById('error').textContent = String(error); });
}
`;

/** Writes the client into a new temporary folder and returns the folder. */
export function writeClientPage(): string {
  const folder = mkdtempSync(join(tmpdir(), 'lattice-browser-client-'));
  writeFileSync(join(folder, 'index.html'), INDEX_HTML);
  writeFileSync(join(folder, 'client.js'), CLIENT_JS);
  return folder;
}
