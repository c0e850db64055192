import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read at scrape time instead of counting themselves. */
export interface MetricSources {
  /** Long-polling /sync requests waiting now. */
  activeSyncs(): number;
  /** Room events stored in the database, all rooms together. */
  countEvents(): Promise<number>;
}

/** Completed HTTP request, as the server's response hook reports it. */
export interface RequestObservation {
  method: string;
  /** The route pattern, such as `/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId`. */
  route: string;
  status: number;
  durationMs: number;
}

// Buckets in seconds: fast reads take milliseconds, /sync long-polls up to the client's timeout.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The Prometheus metrics of one server process, in their own registry. */
export class LatticeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'lattice_' });
    this.requests = new Counter({
      name: 'lattice_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'lattice_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, in seconds.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    new Gauge({
      name: 'lattice_sync_active',
      help: 'Long-polling /sync requests waiting for new data.',
      registers: [this.registry],
      collect() {
        this.set(sources.activeSyncs());
      },
    });
    new Gauge({
      name: 'lattice_events_persisted',
      help: 'Room events stored in the database.',
      registers: [this.registry],
      async collect() {
        this.set(await sources.countEvents());
      },
    });
    // TODO: no database pool gauge. SQLite is one connection, and the PostgreSQL pool's counts
    // are not exposed through the storage layer yet.
  }

  observeRequest(observation: RequestObservation): void {
    const route = observation.route;
    this.requests.inc({ method: observation.method, route, status: String(observation.status) });
    this.latency.observe({ method: observation.method, route }, observation.durationMs / 1000);
  }

  /** Returns the exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
