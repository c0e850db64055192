import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { createServer } from 'node:net';
import { freePort } from '../support/server.js';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
// Resolved here because the CLI runs in a temporary folder, where `tsx` is not installed.
const TSX_LOADER = import.meta.resolve('tsx');

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs the CLI in `cwd`; stops it with SIGTERM once `stopWhen` appears in its output. */
function runCli(cwd: string, args: string[], stopWhen?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stopping = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (stopWhen && !stopping && output.includes(stopWhen)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Whether the default port is free, since the generated config listens on 127.0.0.1:8008. */
function defaultPortFree(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(8008, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('lattice start', () => {
  it('first start writes a config and explains next steps', async (t) => {
    if (!(await defaultPortFree())) {
      t.skip('port 8008 is in use by another program, and the generated config listens there');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'lattice-first-'));
    try {
      const result = await runCli(dir, ['start'], '"lattice started"');
      assert.equal(result.code, 0, result.output);
      const config = parseYaml(readFileSync(join(dir, 'lattice.yaml'), 'utf8')) as Record<string, unknown>;
      assert.equal(config.server_name, 'localhost');
      assert.match(result.output, /occ oauth2:add-client Lattice http:\/\/localhost:8008\/_synapse\/client\/oidc\/callback/);
      assert.match(result.output, /register-user/);
      assert.ok(existsSync(join(dir, 'data', 'lattice.db')));
      assert.ok(existsSync(join(dir, 'data', 'signing.key')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('invalid config stops the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-bad-'));
    try {
      const port = await freePort();
      writeFileSync(join(dir, 'lattice.yaml'), `server_name: example.com\nlisten: {port: ${port}}\ndatabase: {type: mysql}\n`);
      const result = await runCli(dir, ['start']);
      assert.equal(result.code, 1);
      assert.match(result.output, /database\.type/);
      assert.match(result.output, /"mysql"/);
      assert.ok(!existsSync(join(dir, 'data')), 'nothing is written for an invalid config');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
