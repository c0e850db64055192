import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackUrl, parseOptions, type BenchOptions } from '../../bench/options.js';
import { parseAccount, sharedSecretMac } from '../../bench/users.js';

const parse = (argv: string[]) => parseOptions(argv) as BenchOptions;

describe('bench options', () => {
  it('uses full sizes by default', () => {
    const options = parse([]);
    assert.deepEqual(options.syncRooms, [10, 100, 500]);
    assert.equal(options.senders, 16);
    assert.equal(options.rate, 500);
    assert.equal(options.database, 'sqlite');
    assert.equal(options.url, undefined);
  });

  it('uses smaller sizes with --quick', () => {
    const options = parse(['--quick']);
    assert.deepEqual(options.throughputRooms, [16, 32, 64]);
    assert.equal(options.durationMs, 2000);
  });

  it('parses size lists and durations', () => {
    const options = parse(['--sync-rooms', '1,2', '--duration', '0.5', '--scenarios', 'sync,join']);
    assert.deepEqual(options.syncRooms, [1, 2]);
    assert.equal(options.durationMs, 500);
    assert.deepEqual(options.scenarios, ['sync', 'join']);
  });

  it('rejects an unknown scenario', () => {
    assert.throws(() => parse(['--scenarios', 'sync,nap']), /invalid --scenarios "nap"/);
  });

  it('rejects a size of zero', () => {
    assert.throws(() => parse(['--join-users', '0']), /invalid --join-users "0"/);
  });

  it('splits server node arguments', () => {
    assert.deepEqual(parse(['--server-node-args=--cpu-prof  --cpu-prof-dir=/tmp/p']).serverNodeArgs, ['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  });

  it('strips a trailing slash from --url', () => {
    assert.equal(parse(['--url', 'http://127.0.0.1:8008/']).url, 'http://127.0.0.1:8008');
  });
});

describe('isLoopbackUrl', () => {
  it('accepts loopback hosts', () => {
    assert.equal(isLoopbackUrl('http://127.0.0.1:8008'), true);
    assert.equal(isLoopbackUrl('http://127.1.2.3'), true);
    assert.equal(isLoopbackUrl('http://localhost:8008'), true);
    assert.equal(isLoopbackUrl('http://[::1]:8008'), true);
  });

  it('rejects other hosts', () => {
    assert.equal(isLoopbackUrl('https://matrix.example.org'), false);
    assert.equal(isLoopbackUrl('http://10.0.0.1'), false);
    assert.equal(isLoopbackUrl('http://127.0.0.1.example.org'), false);
  });
});

describe('parseAccount', () => {
  it('splits user and password at the first colon', () => {
    assert.deepEqual(parseAccount('alice:se:cret'), { user: 'alice', password: 'se:cret' });
  });

  it('keeps the server name of a full user id', () => {
    assert.deepEqual(parseAccount('@alice:example.org:secret'), { user: '@alice:example.org', password: 'secret' });
  });

  it('rejects a missing password', () => {
    assert.throws(() => parseAccount('alice'), /invalid --account "alice"/);
    assert.throws(() => parseAccount('alice:'), /invalid --account/);
  });
});

describe('sharedSecretMac', () => {
  it('signs NUL-separated fields with HMAC-SHA1', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha1', 'secret').update('nonce\0bob\0pw\0notadmin').digest('hex');
    assert.equal(sharedSecretMac('secret', 'nonce', 'bob', 'pw', false), expected);
    assert.notEqual(sharedSecretMac('secret', 'nonce', 'bob', 'pw', true), expected);
  });
});
