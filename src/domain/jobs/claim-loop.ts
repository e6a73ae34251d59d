import { newId } from '../../infra/ids/index.ts';

/** How a claim loop runs: the settings its subclass's options give. */
export interface ClaimLoopSettings {
  /** How long a claimed row stays claimed by a process without progress (a dead process's, this long). */
  readonly leaseSeconds: number;
  /** Rows worked at once, each in a lane of its own. */
  readonly concurrency: number;
  /** How often an idle loop looks for due rows. */
  readonly pollMs: number;
  /** A claim failed, or a lane did (other than one cut by `abandon`). */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** One claim: up to `limit` due rows (of one org, if given), none of `except`, the rows in hand already. */
export interface ClaimRequest {
  readonly leaseSeconds: number;
  readonly limit: number;
  readonly orgId: string | undefined;
  readonly except: readonly string[];
}

/** Waits `ms`, or less if whoever `wake` hands the early resolve to calls it. */
export const sleep = (ms: number, wake: (resolve: () => void) => void) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The given options over the defaults; an option given as undefined keeps its default. */
export function withDefaults<Options extends object, Defaults extends object>(
  defaults: Defaults,
  options: Options,
): Options & Defaults {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as Options & Defaults;
}

/**
 * The run loop of a background sender over an outbox table: it claims up
 * to `concurrency` due rows not already in hand, works each in a lane, and
 * waits for the poll timer or a lane to finish before claiming again.
 * `stop` lets the lanes finish; `abandon` aborts `signal`, which the work
 * reads to stop at once and commit nothing more, as a crash would.
 * A subclass says how rows are claimed and what working one does.
 */
export abstract class ClaimLoop<Row extends { readonly id: string }> {
  readonly #owner: string;
  readonly #settings: ClaimLoopSettings;
  #running: Promise<void> | undefined;
  #stopping = false;
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  readonly #inHand = new Set<string>();

  /** `owner` names this process in every lease token it claims under. */
  constructor(owner: string, settings: ClaimLoopSettings) {
    this.#owner = owner;
    this.#settings = settings;
  }

  /** Leases the rows a claim asks for, under `lease`. */
  protected abstract claim(lease: string, request: ClaimRequest): Promise<Row[]>;

  /** Works one claimed row. */
  protected abstract work(row: Row): Promise<void>;

  /** Lets go, untried, of a row claimed as the loop was told to stop; without it, the row is worked. */
  protected release?(row: Row): Promise<void>;

  /** Runs once a turn, after the claim. */
  protected idle?(): Promise<void>;

  /** Aborted by `abandon`: work in flight is cut, and nothing more is committed. */
  protected get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Told to stop: work in hand finishes, and none more is taken on. */
  protected get stopping(): boolean {
    return this.#stopping;
  }

  /** Works until stopped, looking for due rows every `pollMs`. */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    this.#running = this.#loop();
  }

  /** Finishes the work in hand and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  /** Stops at once, as a crash would: work in flight is cut (through `signal`), and nothing more is committed. */
  async abandon(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#running?.catch(() => {});
    this.#running = undefined;
  }

  /** Works rows (of one org, if given) until none is due: for tests and one-off runs. Returns the rows claimed. */
  async drain(orgId?: string): Promise<number> {
    let claims = 0;
    for (;;) {
      const claimed = await this.#claim(this.#settings.concurrency, orgId);
      if (claimed.length === 0) return claims;
      claims += claimed.length;
      await Promise.all(claimed.map((row) => this.#inLane(row, false)));
    }
  }

  /**
   * Leases due rows, each claim under a lease token of its own: a run whose
   * lease another claim took can commit nothing more. Rows this loop has in
   * hand are not claimed again.
   */
  async #claim(limit: number, orgId?: string): Promise<Row[]> {
    const { leaseSeconds } = this.#settings;
    const except = [...this.#inHand];
    const rows = await this.claim(`${this.#owner}.${newId()}`, { leaseSeconds, limit, orgId, except });
    for (const row of rows) this.#inHand.add(row.id);
    return rows;
  }

  async #inLane(row: Row, release: boolean): Promise<void> {
    try {
      await (release && this.release ? this.release(row) : this.work(row));
    } finally {
      this.#inHand.delete(row.id);
    }
  }

  async #loop(): Promise<void> {
    const { concurrency, pollMs, onError } = this.#settings;
    const inFlight = new Set<Promise<void>>();
    while (!this.#stopping) {
      const free = concurrency - inFlight.size;
      const claimed =
        free > 0
          ? await this.#claim(free).catch((error: unknown) => {
              onError?.(error);
              return [];
            })
          : [];
      for (const row of claimed) {
        // Claimed as the loop was told to stop: let go untried (given `release`), for the next process.
        const lane: Promise<void> = this.#inLane(row, this.#stopping)
          .catch((error: unknown) => {
            if (!this.#abort.signal.aborted) onError?.(error);
          })
          .finally(() => inFlight.delete(lane));
        inFlight.add(lane);
      }
      if (this.idle) await this.idle();
      if (this.#stopping) break;
      await Promise.race([
        sleep(pollMs, (resolve) => {
          this.#wake = resolve;
        }),
        ...inFlight,
      ]);
    }
    await Promise.all(inFlight);
  }
}
