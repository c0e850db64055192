import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { databaseFingerprint } from '../support/server-database.js';
import { TestServer } from '../support/server.js';
import { LatticeProcess, runCli } from './cli-process.js';

describe('server_name guard', () => {
  let server: TestServer;
  let renamedConfig: string;

  before(async () => {
    server = await TestServer.start({ serverName: 'first.test' });
    await server.stop();
    const config = parseYaml(readFileSync(server.configPath, 'utf8')) as Record<string, unknown>;
    renamedConfig = join(server.dataDir, 'renamed.yaml');
    writeFileSync(renamedConfig, toYaml({ ...config, server_name: 'second.test' }));
  });
  after(() => server.dispose());

  it('start rejects another name and writes nothing', async () => {
    const fingerprint = await databaseFingerprint(server);
    const lattice = LatticeProcess.spawn(renamedConfig);
    const code = await lattice.exitCode();
    const output = lattice.lines.join('\n');

    assert.equal(code, 1);
    assert.match(output, /belongs to server_name "first\.test"/);
    assert.match(output, /sets server_name "second\.test"/);
    const newDatabaseHint = server.backend === 'postgres' ? 'point the database section at a new, empty PostgreSQL database' : 'set database\\.path to a new file';
    assert.match(output, new RegExp(`Set server_name back to "first\\.test", or ${newDatabaseHint} to start a new server`));
    assert.equal(await databaseFingerprint(server), fingerprint);
  });

  it('register-user rejects another name', async () => {
    const fingerprint = await databaseFingerprint(server);
    const result = await runCli(['register-user', 'alice', '--password', 'correct horse', '--config', renamedConfig]);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /first\.test/);
    assert.match(result.stderr, /second\.test/);
    assert.equal(await databaseFingerprint(server), fingerprint);
  });

  it('start accepts the recorded name', async () => {
    await server.restart();
    await server.stop();
  });
});
