// Route schemas compile on their route's first request, so an invalid schema would only show as a
// failure of that request. This suite registers every route in-process and compiles them all.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLattice, type Lattice } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { compilePendingValidators } from '../../src/http/validation.js';
import { createLogger } from '../../src/logging.js';

describe('route schemas', () => {
  let dataDir: string;
  let lattice: Lattice;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lattice-route-schemas-'));
    const config = parseConfig({
      server_name: 'localhost',
      public_baseurl: 'http://127.0.0.1:8008/',
      listen: { host: '127.0.0.1', port: 0 },
      database: { type: 'sqlite', path: join(dataDir, 'lattice.db') },
      signing_key_path: join(dataDir, 'signing.key'),
    }, dataDir);
    lattice = await startLattice(config, createLogger({ level: 'silent', pretty: false }));
  });

  after(async () => {
    await lattice.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every route schema compiles', () => {
    assert.doesNotThrow(() => compilePendingValidators());
  });

  it('compiled validators still reject bad input', async () => {
    const response = await lattice.app.inject({
      method: 'POST',
      url: '/_matrix/client/v3/login',
      payload: { type: 5 },
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().errcode, 'M_BAD_JSON');
  });
});
