import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { TestServer } from '../support/server.js';
import { LatticeProcess, runCli } from './cli-process.js';

function databaseFingerprint(dataDir: string): string {
  const hash = createHash('sha256');
  for (const suffix of ['', '-wal', '-shm']) {
    const path = join(dataDir, `lattice.db${suffix}`);
    hash.update(existsSync(path) ? readFileSync(path) : Buffer.from(`absent${suffix}`));
  }
  return hash.digest('hex');
}

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
    const fingerprint = databaseFingerprint(server.dataDir);
    const lattice = LatticeProcess.spawn(renamedConfig);
    const code = await lattice.exitCode();
    const output = lattice.lines.join('\n');

    assert.equal(code, 1);
    assert.match(output, /belongs to server_name "first\.test"/);
    assert.match(output, /sets server_name "second\.test"/);
    assert.match(output, /Set server_name back to "first\.test", or set database\.path to a new file/);
    assert.equal(databaseFingerprint(server.dataDir), fingerprint);
  });

  it('register-user rejects another name', async () => {
    const fingerprint = databaseFingerprint(server.dataDir);
    const result = await runCli(['register-user', 'alice', '--password', 'correct horse', '--config', renamedConfig]);

    assert.equal(result.code, 1);
    assert.match(result.stderr, /first\.test/);
    assert.match(result.stderr, /second\.test/);
    assert.equal(databaseFingerprint(server.dataDir), fingerprint);
  });

  it('start accepts the recorded name', async () => {
    await server.restart();
    await server.stop();
  });
});
