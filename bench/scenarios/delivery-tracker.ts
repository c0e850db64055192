/**
 * Matches send responses to /sync arrivals by event id and records the delay between them. An
 * event can reach a receiver's /sync before its sender has read the PUT response. Such an event
 * counts as a delay of 0 and is counted in `beforeAck`.
 */
export class DeliveryTracker {
  readonly latencies: number[] = [];
  beforeAck = 0;
  private readonly acknowledged = new Map<string, number>();
  private readonly arrivedFirst = new Set<string>();

  /** Records the time the send of `eventId` received its response. */
  onAck(eventId: string, at: number): void {
    if (this.arrivedFirst.delete(eventId)) {
      this.latencies.push(0);
      this.beforeAck += 1;
      return;
    }
    this.acknowledged.set(eventId, at);
  }

  /** Records the time `eventId` arrived in a receiver's /sync. Ids the bench never sent are kept but never matched. */
  onArrival(eventId: string, at: number): void {
    const acked = this.acknowledged.get(eventId);
    if (acked === undefined) {
      this.arrivedFirst.add(eventId);
      return;
    }
    this.acknowledged.delete(eventId);
    this.latencies.push(at - acked);
  }

  /** Acknowledged events that no receiver has seen yet. */
  get pending(): number {
    return this.acknowledged.size;
  }

  get delivered(): number {
    return this.latencies.length;
  }
}
