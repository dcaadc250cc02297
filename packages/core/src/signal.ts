/**
 * Django-style signals: receivers connect to a signal and are called, in the order they
 * connected, each time it is sent. Receivers may be async; `send` awaits each in turn.
 */

/** What every receiver gets: the signal's arguments plus the sender. */
export type SignalPayload<Args extends object> = Args & { sender: unknown };
export type Receiver<Args extends object> = (payload: SignalPayload<Args>) => unknown;

export interface ConnectOptions {
  /** Only receive sends from this sender (compared by identity; backends send their class). */
  sender?: unknown;
  /**
   * Hold the receiver through a WeakRef, so connecting does not keep it alive.
   * Off by default: an inline arrow function would otherwise vanish at the next GC.
   * @default false
   */
  weak?: boolean;
  /** A unique id: connecting twice with the same id keeps only the first receiver. */
  dispatchUid?: string | symbol;
}

interface Connection<Args extends object> {
  /** The dispatchUid, when connected with one; otherwise the receiver's identity is the key. */
  uid: string | symbol | undefined;
  sender: unknown;
  hasSender: boolean;
  /** Weak receivers are held only through this ref (never by `uid` or anything else). */
  ref: { deref(): Receiver<Args> | undefined };
}

export type ReceiverResult<Args extends object> = [receiver: Receiver<Args>, result: unknown];

export class Signal<Args extends object> {
  readonly #connections: Connection<Args>[] = [];

  constructor(readonly name = 'signal') {}

  connect(receiver: Receiver<Args>, options: ConnectOptions = {}): void {
    if (typeof receiver !== 'function') throw new TypeError(`${this.name}.connect() needs a function receiver`);
    const hasSender = options.sender !== undefined;
    this.#prune();
    if (this.#find(receiver, options.dispatchUid, hasSender, options.sender) >= 0) return;
    const ref = options.weak ? new WeakRef(receiver) : { deref: () => receiver };
    this.#connections.push({ uid: options.dispatchUid, sender: options.sender, hasSender, ref });
  }

  /**
   * Remove a receiver, or the one connected with `dispatchUid`. A receiver connected with a
   * sender is removed only when the same sender is given. Returns whether one was removed.
   */
  disconnect(receiver?: Receiver<Args>, options: Omit<ConnectOptions, 'weak'> = {}): boolean {
    if (receiver === undefined && options.dispatchUid === undefined) return false;
    const hasSender = options.sender !== undefined;
    const index = this.#find(receiver, options.dispatchUid, hasSender, options.sender);
    if (index < 0) return false;
    this.#connections.splice(index, 1);
    return true;
  }

  #find(receiver: Receiver<Args> | undefined, uid: string | symbol | undefined, hasSender: boolean, sender: unknown): number {
    return this.#connections.findIndex((c) => {
      if (c.hasSender !== hasSender || (hasSender && c.sender !== sender)) return false;
      if (uid !== undefined) return c.uid === uid;
      return c.uid === undefined && receiver !== undefined && c.ref.deref() === receiver;
    });
  }

  /** Whether any receiver would get a send from `sender`. */
  hasListeners(sender?: unknown): boolean {
    // Asked once or twice per message sent: answered without building the receiver list.
    const connections = this.#connections;
    for (let i = 0; i < connections.length; i++) {
      const connection = connections[i]!;
      if (connection.hasSender && connection.sender !== sender) continue;
      if (connection.ref.deref() !== undefined) return true;
    }
    return false;
  }

  /** Call every matching receiver in order; an error stops the send and propagates. */
  async send(sender: unknown, args: Args): Promise<ReceiverResult<Args>[]> {
    const receivers = this.#live(sender);
    const results: ReceiverResult<Args>[] = [];
    const payload = { ...args, sender } as SignalPayload<Args>;
    for (const receiver of receivers) results.push([receiver, await receiver(payload)]);
    return results;
  }

  /** Call every matching receiver even if some throw; errors come back in the result pairs. */
  async sendRobust(sender: unknown, args: Args): Promise<ReceiverResult<Args>[]> {
    const receivers = this.#live(sender);
    const results: ReceiverResult<Args>[] = [];
    const payload = { ...args, sender } as SignalPayload<Args>;
    for (const receiver of receivers) {
      try {
        results.push([receiver, await receiver(payload)]);
      } catch (error) {
        results.push([receiver, error instanceof Error ? error : new Error(String(error))]);
      }
    }
    return results;
  }

  #live(sender: unknown): Receiver<Args>[] {
    this.#prune();
    const receivers: Receiver<Args>[] = [];
    for (const connection of this.#connections) {
      if (connection.hasSender && connection.sender !== sender) continue;
      const receiver = connection.ref.deref();
      if (receiver) receivers.push(receiver);
    }
    return receivers;
  }

  #prune(): void {
    for (let i = this.#connections.length - 1; i >= 0; i--) {
      if (this.#connections[i]!.ref.deref() === undefined) this.#connections.splice(i, 1);
    }
  }
}

/** Any signal, whatever its arguments (what `receiver` accepts). */
export interface SignalLike {
  readonly name: string;
  hasListeners(sender?: unknown): boolean;
}

/** The arguments of a signal. */
export type SignalArgs<S> = S extends Signal<infer Args> ? Args : never;

/**
 * Django's `@receiver`: connect one function to one signal or several, with the same options,
 * and get the function back (so it can be declared and connected in one statement):
 * `const onSent = receiver([postSend, failover], { dispatchUid: 'audit' })((payload) => ...)`.
 * With several signals the function receives any of their payloads.
 */
export function receiver<const S extends SignalLike | readonly SignalLike[]>(
  signals: S,
  options: ConnectOptions = {},
): <R extends Receiver<SignalArgs<S extends readonly unknown[] ? S[number] : S>>>(fn: R) => R {
  const list = (Array.isArray(signals) ? signals : [signals]) as readonly Signal<object>[];
  return (fn) => {
    for (const signal of list) signal.connect(fn as unknown as Receiver<object>, options);
    return fn;
  };
}
