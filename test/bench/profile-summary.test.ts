import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeProfile } from '../../bench/profile-summary.js';

// root -> handler (src) -> persist (src) ; root -> (idle)
const profile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4] },
    { id: 2, callFrame: { functionName: 'handler', url: 'file:///tmp/b/dist/http/routes/rooms.js', lineNumber: 9 }, children: [3] },
    { id: 3, callFrame: { functionName: 'persist', url: 'file:///tmp/b/dist/storage/events.js', lineNumber: 19 }, children: [] },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, children: [] },
  ],
  samples: [2, 3, 3, 3, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 6000],
  startTime: 0,
  endTime: 10_000,
};

describe('summarizeProfile', () => {
  const summary = summarizeProfile(profile);
  const byName = (name: string) => summary.functions.find((f) => f.name === name);

  it('leaves idle time out of busy time', () => {
    assert.equal(summary.busyMs, 4);
    assert.equal(summary.durationMs, 10);
  });

  it('charges self time to the sampled frame', () => {
    assert.equal(byName('persist')?.selfMs, 3);
    assert.equal(byName('persist')?.selfPercent, 75);
    assert.equal(byName('handler')?.selfMs, 1);
  });

  it('charges inclusive time to every caller', () => {
    assert.equal(byName('handler')?.inclusiveMs, 4);
    assert.equal(byName('(root)')?.inclusivePercent, 100);
  });

  it('maps compiled paths back to src', () => {
    assert.equal(byName('persist')?.location, 'src/storage/events.js:20');
    assert.equal(summary.files[0]?.file, 'src/storage/events.js');
  });

  it('keeps bundle paths as they are', () => {
    const bundled = summarizeProfile({
      ...profile,
      nodes: profile.nodes.map((node) => node.id === 3 ? { ...node, callFrame: { ...node.callFrame, url: 'file:///tmp/b/dist/bundle/start-AB12CD34.js' } } : node),
    });
    assert.equal(bundled.functions.find((f) => f.name === 'persist')?.location, 'dist/bundle/start-AB12CD34.js:20');
  });
});
