import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  SpecValidator,
  formatViolations,
  loadSpecValidator,
  loadSpecValidatorFrom,
  missingSpecMessage,
  validatingFetch,
  type UnmatchedRequest,
  type Violation,
} from '../support/openapi.js';
import type { SpecOperation } from '../support/openapi/load.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

const validator = await loadSpecValidator();
const requiresSpec = { skip: validator ? false : missingSpecMessage() };

/** Returns the validator in tests that run only when the spec is present. */
function spec(): SpecValidator {
  assert.ok(validator, 'the test should have been skipped without the spec');
  return validator;
}

const objectSchema = (properties: Record<string, object>, required: string[]) => ({
  type: 'object',
  properties,
  required,
});

/** Three operations, so that tests of matching and of the fetch wrapper run without the Matrix spec. */
function syntheticOperations(): SpecOperation[] {
  return [
    {
      method: 'GET',
      pathTemplate: '/_matrix/client/v3/profile/{userId}/{keyName}',
      operationId: 'getProfileField',
      file: 'synthetic.yaml',
      responses: {
        '200': { content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
    {
      method: 'GET',
      pathTemplate: '/_matrix/client/v3/profile/{userId}/displayname',
      operationId: 'getDisplayName',
      file: 'synthetic.yaml',
      responses: {
        '200': {
          content: {
            'application/json': { schema: objectSchema({ displayname: { type: 'string' } }, ['displayname']) },
          },
        },
        '4XX': {
          content: {
            'application/json': { schema: objectSchema({ errcode: { type: 'string' } }, ['errcode']) },
          },
        },
      },
    },
    {
      method: 'GET',
      pathTemplate: '/_matrix/media/v3/download/{serverName}/{mediaId}',
      operationId: 'getContent',
      file: 'synthetic.yaml',
      responses: {
        '200': { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        default: { content: { 'application/json': { schema: objectSchema({ errcode: { type: 'string' } }, ['errcode']) } } },
      },
    },
  ];
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Returns a fetch that resolves every request to the response that `makeResponse` creates. */
function fetchReturning(makeResponse: () => Response): typeof fetch {
  return async () => makeResponse();
}

describe('SpecValidator against the Matrix spec', () => {
  it('accepts a valid versions body', requiresSpec, () => {
    const result = spec().validateResponse('GET', '/_matrix/client/versions', 200, {
      versions: ['v1.11', 'v1.12'],
      unstable_features: { 'org.example.feature': true },
    });

    assert.equal(result.matched, true);
    assert.equal(result.operationId, 'getVersions');
    assert.deepEqual(result.errors, []);
  });

  it('rejects versions that are not an array', requiresSpec, () => {
    const result = spec().validateResponse('GET', '/_matrix/client/versions', 200, { versions: 'v1.11' });

    assert.equal(result.operationId, 'getVersions');
    assert.deepEqual(result.errors, ['body/versions must be array']);
  });

  it('matches a PUT to the send endpoint', requiresSpec, () => {
    const url = '/_matrix/client/v3/rooms/!abc:example.org/send/m.room.message/txn1';

    const operation = spec().matchOperation('PUT', url);
    assert.equal(operation?.operationId, 'sendMessage');
    assert.equal(operation?.pathTemplate, '/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}');
    assert.deepEqual(operation?.parameters, { roomId: '!abc:example.org', eventType: 'm.room.message', txnId: 'txn1' });

    const result = spec().validateResponse('PUT', url, 200, { event_id: '$event:example.org' });
    assert.equal(result.operationId, 'sendMessage');
    assert.deepEqual(result.errors, []);
  });

  it('decodes percent-encoded path segments', requiresSpec, () => {
    const operation = spec().matchOperation(
      'PUT',
      '/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/txn%2F1?user_id=%40a%3Ab',
    );

    assert.equal(operation?.operationId, 'sendMessage');
    assert.equal(operation?.parameters.roomId, '!abc:example.org');
    assert.equal(operation?.parameters.txnId, 'txn/1');
  });

  it('matches an empty state key', requiresSpec, () => {
    const operation = spec().matchOperation('GET', 'http://localhost:8008/_matrix/client/v3/rooms/!r:hs/state/m.room.name/');

    assert.equal(operation?.operationId, 'getRoomStateWithKey');
    assert.equal(operation?.parameters.stateKey, '');
  });

  it('reports an undocumented status', requiresSpec, () => {
    const result = spec().validateResponse('GET', '/_matrix/client/v3/sync?timeout=0', 500, {
      errcode: 'M_UNKNOWN',
      error: 'Internal error',
    });

    assert.equal(result.operationId, 'sync');
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0] ?? '', /^status 500 not documented for GET \/_matrix\/client\/v3\/sync /);
  });

  it('accepts a sync skeleton', requiresSpec, () => {
    const result = spec().validateResponse('GET', '/_matrix/client/v3/sync', 200, { next_batch: 's1', rooms: { join: {} } });

    assert.equal(result.operationId, 'sync');
    assert.deepEqual(result.errors, []);
  });

  it('rejects a sync body with wrong types', requiresSpec, () => {
    const result = spec().validateResponse('GET', '/_matrix/client/v3/sync', 200, { next_batch: 1, rooms: { join: [] } });

    assert.deepEqual(result.errors, ['body/next_batch must be string', 'body/rooms/join must be object']);
  });

  it('checks Matrix identifier formats', requiresSpec, () => {
    const valid = spec().validateResponse('GET', '/_matrix/client/v3/account/whoami', 200, { user_id: '@alice:example.org' });
    const invalid = spec().validateResponse('GET', '/_matrix/client/v3/account/whoami', 200, { user_id: '@alice' });

    assert.deepEqual(valid.errors, []);
    assert.deepEqual(invalid.errors, ['body/user_id must match format "mx-user-id"']);
  });

  it('accepts either operation of a shared route', requiresSpec, () => {
    // The spec defines both getEvents and peekEvents as GET /_matrix/client/v3/events.
    const valid = spec().validateResponse('GET', '/_matrix/client/v3/events', 200, { chunk: [] });
    const invalid = spec().validateResponse('GET', '/_matrix/client/v3/events', 200, { chunk: 'none' });

    assert.deepEqual(valid.errors, []);
    assert.ok(invalid.errors.includes('body/chunk must be array'), invalid.errors.join('\n'));
  });

  it('leaves unknown endpoints unmatched', requiresSpec, () => {
    const unknownPath = spec().validateResponse('GET', '/_matrix/client/v3/not_an_endpoint', 200, {});
    const unknownMethod = spec().validateResponse('DELETE', '/_matrix/client/versions', 405, {});

    assert.deepEqual(unknownPath, { matched: false, operationId: undefined, errors: [] });
    assert.deepEqual(unknownMethod, { matched: false, operationId: undefined, errors: [] });
  });

  it('indexes well-known and media paths', requiresSpec, () => {
    assert.equal(spec().matchOperation('GET', '/.well-known/matrix/client')?.operationId, 'getWellknown');
    assert.equal(spec().matchOperation('GET', '/_matrix/media/v3/config')?.operationId, 'getConfig');
    assert.equal(spec().matchOperation('GET', '/_matrix/client/v1/media/config')?.operationId, 'getConfigAuthed');
  });
});

describe('SpecValidator matching rules', () => {
  it('prefers a literal segment over a parameter', () => {
    const forward = new SpecValidator(syntheticOperations());
    const reversed = new SpecValidator(syntheticOperations().reverse());

    for (const validator of [forward, reversed]) {
      assert.equal(validator.matchOperation('GET', '/_matrix/client/v3/profile/@a:hs/displayname')?.operationId, 'getDisplayName');
      assert.equal(validator.matchOperation('GET', '/_matrix/client/v3/profile/@a:hs/m.tz')?.operationId, 'getProfileField');
    }
  });

  it('falls back to a status class response', () => {
    const validator = new SpecValidator(syntheticOperations());

    const valid = validator.validateResponse('GET', '/_matrix/client/v3/profile/@a:hs/displayname', 404, { errcode: 'M_NOT_FOUND' });
    const invalid = validator.validateResponse('GET', '/_matrix/client/v3/profile/@a:hs/displayname', 403, { error: 'no' });

    assert.deepEqual(valid.errors, []);
    assert.deepEqual(invalid.errors, ["body must have required property 'errcode'"]);
  });

  it('falls back to the default response', () => {
    const validator = new SpecValidator(syntheticOperations());

    const result = validator.validateResponse('GET', '/_matrix/media/v3/download/hs/abc', 502, {}, 'application/json');

    assert.deepEqual(result.errors, ["body must have required property 'errcode'"]);
  });

  it('skips bodies that are not JSON', () => {
    const validator = new SpecValidator(syntheticOperations());

    const result = validator.validateResponse('GET', '/_matrix/media/v3/download/hs/abc', 200, undefined, 'image/png');

    assert.equal(result.operationId, 'getContent');
    assert.deepEqual(result.errors, []);
  });

  it('reports JSON where none is documented', () => {
    const validator = new SpecValidator(syntheticOperations());

    const result = validator.validateResponse('GET', '/_matrix/media/v3/download/hs/abc', 200, { url: 'x' }, 'application/json');

    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0] ?? '', /documents no JSON body \(documented: application\/octet-stream\)/);
  });

  it('reports a non-JSON type where JSON is documented', () => {
    const validator = new SpecValidator(syntheticOperations());

    const result = validator.validateResponse('GET', '/_matrix/client/v3/profile/@a:hs/displayname', 200, undefined, 'text/html');

    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0] ?? '', /^content type text\/html not documented for status 200/);
  });
});

describe('validatingFetch', () => {
  const displayNameUrl = 'http://localhost:8008/_matrix/client/v3/profile/%40a%3Ahs/displayname';

  it('records a response that breaks the spec', async () => {
    const violations: Violation[] = [];
    const wrapped = validatingFetch(new SpecValidator(syntheticOperations()), violations, fetchReturning(() => jsonResponse({ displayname: 7 })));

    const response = await wrapped(displayNameUrl);

    assert.deepEqual(violations, [
      { method: 'GET', url: displayNameUrl, status: 200, operationId: 'getDisplayName', errors: ['body/displayname must be string'] },
    ]);
    assert.deepEqual(await response.json(), { displayname: 7 });
  });

  it('returns the original response unread', async () => {
    const original = jsonResponse({ displayname: 'Alice' });
    const violations: Violation[] = [];
    const wrapped = validatingFetch(new SpecValidator(syntheticOperations()), violations, fetchReturning(() => original));

    const response = await wrapped(new Request(displayNameUrl));

    assert.equal(response, original);
    assert.equal(response.bodyUsed, false);
    assert.equal(await response.text(), '{"displayname":"Alice"}');
    assert.deepEqual(violations, []);
  });

  it('uses the method from init', async () => {
    const violations: Violation[] = [];
    const unmatched: UnmatchedRequest[] = [];
    const wrapped = validatingFetch(new SpecValidator(syntheticOperations()), violations, fetchReturning(() => jsonResponse({})), {
      unmatched,
    });

    await wrapped(displayNameUrl, { method: 'PUT', body: '{}' });

    assert.deepEqual(violations, []);
    assert.deepEqual(unmatched, [{ method: 'PUT', url: displayNameUrl, status: 200 }]);
  });

  it('reports a body that is not valid JSON', async () => {
    const violations: Violation[] = [];
    const invalidJson = () => new Response('{"displayname":', { headers: { 'content-type': 'application/json' } });
    const wrapped = validatingFetch(new SpecValidator(syntheticOperations()), violations, fetchReturning(invalidJson));

    await wrapped(displayNameUrl);

    assert.equal(violations.length, 1);
    assert.match(violations[0]?.errors[0] ?? '', /^response body is not valid JSON: /);
  });

  it('ignores URLs outside the Matrix paths', async () => {
    const violations: Violation[] = [];
    const unmatched: UnmatchedRequest[] = [];
    const wrapped = validatingFetch(new SpecValidator(syntheticOperations()), violations, fetchReturning(() => jsonResponse({ displayname: 7 })), {
      unmatched,
    });

    await wrapped('http://localhost:8008/health');
    await wrapped('http://localhost:8008/login/_matrix/client/v3/profile/@a:hs/displayname');

    assert.deepEqual(violations, []);
    assert.deepEqual(unmatched, []);
  });

  it('passes through without a validator', async () => {
    const original = jsonResponse({ displayname: 7 });
    const violations: Violation[] = [];
    const wrapped = validatingFetch(undefined, violations, fetchReturning(() => original));

    const response = await wrapped(displayNameUrl);

    assert.equal(response, original);
    assert.deepEqual(violations, []);
  });

  it('validates real spec responses', requiresSpec, async () => {
    const violations: Violation[] = [];
    const wrapped = validatingFetch(spec(), violations, fetchReturning(() => jsonResponse({ versions: 'v1.11' })));

    await wrapped('http://localhost:8008/_matrix/client/versions');

    assert.equal(violations.length, 1);
    assert.equal(violations[0]?.operationId, 'getVersions');
    assert.deepEqual(violations[0]?.errors, ['body/versions must be array']);
  });
});

describe('formatViolations', () => {
  it('lists each request and error', () => {
    const message = formatViolations([
      { method: 'GET', url: '/_matrix/client/v3/sync', status: 500, operationId: 'sync', errors: ['status 500 not documented'] },
      { method: 'PUT', url: '/_matrix/client/v3/x', status: 200, errors: ['body/a must be string', 'body/b must be array'] },
    ]);

    assert.equal(
      message,
      [
        '2 response(s) broke the Matrix spec:',
        'GET /_matrix/client/v3/sync -> 500 [sync]',
        '  - status 500 not documented',
        'PUT /_matrix/client/v3/x -> 200',
        '  - body/a must be string',
        '  - body/b must be array',
      ].join('\n'),
    );
  });

  it('states when there are none', () => {
    assert.equal(formatViolations([]), 'No responses broke the Matrix spec.');
  });
});

describe('missing Matrix spec', () => {
  it('loads nothing from a missing folder', async () => {
    const missing = join(tmpdir(), 'lattice-no-matrix-spec', 'matrix-spec');

    assert.equal(await loadSpecValidatorFrom(missing), undefined);
  });

  // A run without the spec is itself the case under test, and it must not start another one.
  it('skips this file with one warning', { skip: validator ? false : 'this run has no Matrix spec' }, async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'lattice-spec-'));
    const missing = join(emptyDir, 'matrix-spec');
    try {
      // Without NODE_TEST_CONTEXT the child reports in TAP instead of the runner's binary protocol.
      const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
      const { code, stdout, stderr } = await runTestFile(THIS_FILE, { ...env, LATTICE_MATRIX_SPEC: missing });
      const warning = missingSpecMessage(missing);

      assert.equal(code, 0, stdout + stderr);
      assert.equal(stderr.split(warning).length - 1, 1, `expected the warning once on stderr:\n${stderr}`);
      assert.match(stdout, new RegExp(`# SKIP ${escapeRegex(warning)}`), stdout);
      assert.match(stdout, /^# fail 0$/m, stdout);
      assert.match(stdout, /^# pass [1-9]/m, stdout);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function runTestFile(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/polyfills.ts', '--test-reporter=tap', file],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
