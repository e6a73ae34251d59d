import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, with the verdict of an independent Standard Webhooks verifier. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
  /** The event, when the body parsed. */
  readonly event: {
    id: string;
    type: string;
    orgId: string;
    occurredAt: string;
    data: Record<string, unknown>;
  };
  /** Which of the secrets given to the receiver verified the signature (standardwebhooks' verify). */
  readonly verifiedWith: readonly string[];
  /** What the receiver answered. */
  readonly answer: number | 'hang' | 'drop';
}

/** What the receiver does with the n-th request (1-based): a status, or no answer at all. */
export type Behaviour = (n: number, event: Received['event']) => number | 'hang' | 'drop';

/**
 * A real HTTP server in the test process that webhooks are delivered to.
 * Each request is recorded and its signature checked with the
 * `standardwebhooks` library against the secrets the test gives; its
 * answer is the test's to choose, so it can fail, hang or vanish.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  behaviour: Behaviour = () => 200;
  /** How long each answer takes. */
  latencyMs = 0;
  /** The most requests the receiver held at once: one endpoint's deliveries come one at a time. */
  maxInFlight = 0;
  #inFlight = 0;
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  #waiters: (() => void)[] = [];
  #port = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        receiver.#inFlight += 1;
        receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.#inFlight);
        res.once('close', () => {
          receiver.#inFlight -= 1;
        });
        const body = Buffer.concat(chunks).toString('utf8');
        if (receiver.latencyMs > 0)
          setTimeout(() => receiver.#record(req.headers, body, res), receiver.latencyMs);
        else receiver.#record(req.headers, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const port = (this.#server.address() as AddressInfo | null)?.port ?? this.#port;
    return `http://127.0.0.1:${port}/hooks`;
  }

  #record(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    let event: Received['event'];
    try {
      event = JSON.parse(body) as Received['event'];
    } catch {
      event = { id: '', type: '', orgId: '', occurredAt: '', data: {} };
    }
    const verifiedWith = this.secrets.filter((secret) => {
      try {
        new Webhook(secret).verify(body, {
          'webhook-id': String(headers['webhook-id']),
          'webhook-timestamp': String(headers['webhook-timestamp']),
          'webhook-signature': String(headers['webhook-signature']),
        });
        return true;
      } catch {
        return false;
      }
    });
    const answer = this.behaviour(this.received.length + 1, event);
    this.received.push({ headers, body, receivedAt: Date.now(), event, verifiedWith, answer });
    if (answer === 'drop') res.socket?.destroy();
    else if (answer === 'hang') this.#hanging.add(res);
    else res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The events answered with a success, by id, in the order first received. */
  deliveredIds(): string[] {
    return [
      ...new Set(
        this.received.filter((r) => typeof r.answer === 'number' && r.answer < 300).map((r) => r.event.id),
      ),
    ];
  }

  /** Successes beyond the first for the same event: what at-least-once delivery allows, counted. */
  duplicates(): number {
    const ok = this.received.filter((r) => typeof r.answer === 'number' && r.answer < 300);
    return ok.length - new Set(ok.map((r) => r.event.id)).size;
  }

  /** Goes down (connections refused) until `up`. */
  async down(): Promise<void> {
    this.#port = (this.#server.address() as AddressInfo).port;
    for (const res of this.#hanging) res.socket?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async up(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(this.#port, '127.0.0.1', resolve));
  }

  /** Waits until `done` holds of what was received, or fails after `ms`. */
  async until(done: (received: readonly Received[]) => boolean, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the receiver waited ${ms} ms; it got ${this.received.length} requests`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    for (const res of this.#hanging) res.socket?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
