import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryTracker } from '../../bench/scenarios/delivery-tracker.js';

describe('DeliveryTracker', () => {
  it('measures from answer to arrival', () => {
    const tracker = new DeliveryTracker();
    tracker.onAck('$a', 100);
    tracker.onArrival('$a', 112);
    assert.deepEqual(tracker.latencies, [12]);
    assert.equal(tracker.pending, 0);
    assert.equal(tracker.beforeAck, 0);
  });

  it('counts arrival before the answer as zero', () => {
    const tracker = new DeliveryTracker();
    tracker.onArrival('$a', 100);
    tracker.onAck('$a', 105);
    assert.deepEqual(tracker.latencies, [0]);
    assert.equal(tracker.beforeAck, 1);
    assert.equal(tracker.pending, 0);
  });

  it('keeps unmatched answers pending', () => {
    const tracker = new DeliveryTracker();
    tracker.onAck('$a', 1);
    tracker.onAck('$b', 2);
    tracker.onArrival('$b', 5);
    assert.equal(tracker.pending, 1);
    assert.equal(tracker.delivered, 1);
  });

  it('ignores events the bench never sent', () => {
    const tracker = new DeliveryTracker();
    tracker.onArrival('$membership', 1);
    assert.equal(tracker.delivered, 0);
    assert.equal(tracker.pending, 0);
  });
});
