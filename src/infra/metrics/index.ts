import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/**
 * A registry of its own per app, so several apps in one test process do not
 * collide. `poolStats` is read at scrape time.
 */
export function createMetrics(
  poolStats: () => PoolStats,
  options: { defaultMetrics?: boolean } = {},
): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'muster_' });
  const httpRequests = new Counter({
    name: 'muster_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'muster_http_request_duration_seconds',
    help: 'HTTP request latency, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(poolStats()));
      },
    });
  gauge('muster_db_pool_connections', 'Database connections open', (s) => s.total);
  gauge('muster_db_pool_idle', 'Database connections idle', (s) => s.idle);
  gauge('muster_db_pool_waiting', 'Queries waiting for a database connection', (s) => s.waiting);
  return { registry, httpRequests, httpDuration };
}
