import { BaseEmailBackend, type BaseEmailBackendOptions } from '../backends/base-email-backend.js';
import { AnymailAPIError, AnymailConfigurationError, AnymailError, type FailureCategory } from '../errors.js';
import type { Delivery, SendDriver, SkippedDelivery } from '../backends/send-pipeline.js';
import { FEATURE_NAMES, type FeatureName } from '../esp/esp-features.js';
import { resolveFeatures } from '../esp/resolve-features.js';
import type { EmailMessage } from '../message.js';
import { getSettings } from '../settings.js';
import { failover as failoverSignal } from '../signals.js';
import type { SendAttempt } from '../status.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { failurePolicy, type FailureAction } from './failure-policy.js';
import { MemoryHealthStore, type HealthStore } from './health-store.js';
import { AttemptQueue, InFlightLimiter, enterBackend, type Verdict } from './in-flight.js';
import { PriorityStrategy } from './priority-strategy.js';
import { RoundRobinStrategy } from './round-robin-strategy.js';
import type { SelectStrategy } from './select-strategy.js';
import { WeightedStrategy } from './weighted-strategy.js';

/** A backend in the failover list, with an optional weight (for 'weighted') and name. */
export interface FailoverMember {
  backend: BaseEmailBackend;
  /** @default 1 */
  weight?: number;
  /** Name used in attempts, logs and the breaker key. @default the backend's espName or class name */
  name?: string;
}

export interface FailoverBackendOptions extends BaseEmailBackendOptions {
  backends: ReadonlyArray<BaseEmailBackend | FailoverMember>;
  /** Order of backends per message. @default 'priority' */
  strategy?: 'priority' | 'round-robin' | 'weighted' | SelectStrategy;
  /** Overrides of the `failurePolicy` table, per failure category. */
  policy?: Partial<Record<FailureCategory, FailureAction>>;
  /** How long a backend that keeps failing is skipped before one probe. @default 30000 */
  coolDownMs?: number;
  /** Consecutive failover-class failures that open a backend's breaker. @default 3 */
  failureThreshold?: number;
  /**
   * Most attempts at once to a backend that has failed and not succeeded since (its breaker not
   * yet open); further sends go to the next backend meanwhile. @default 1
   */
  maxInFlightWhileFailing?: number;
  /**
   * What to do when an attempt may have reached the ESP (a timeout after the request was sent,
   * a reset after the body was written): 'raise' (default) never resends, because the first
   * ESP may already be delivering it; 'failover' resends elsewhere and accepts a possible duplicate.
   */
  onUnknownOutcome?: 'raise' | 'failover';
  /** Where breaker state lives. @default in memory, per FailoverBackend */
  healthStore?: HealthStore;
  /** Log each decision. */
  debugLog?: (line: string) => void;
}

interface Member {
  backend: BaseEmailBackend;
  weight: number;
  name: string;
  key: string;
  /** Features the backend declares unsupported, found once at construction. */
  unsupported: readonly FeatureName[];
}

function memberName(backend: BaseEmailBackend): string {
  const espName = (backend as { espName?: unknown }).espName;
  return typeof espName === 'string' ? espName : backend.constructor.name;
}

/** Features this backend declares it cannot honour at all (empty when it doesn't say). */
function declaredUnsupported(backend: BaseEmailBackend): FeatureName[] {
  const supports = (backend as { supportsFeature?: (feature: FeatureName) => boolean | undefined }).supportsFeature;
  if (typeof supports !== 'function') return [];
  return FEATURE_NAMES.filter((name) => supports.call(backend, name) === false);
}

/** Which of `unsupported` the message uses, with this backend's send defaults applied. */
function usedFeatures(backend: BaseEmailBackend, unsupported: readonly FeatureName[], message: EmailMessage): FeatureName[] {
  if (unsupported.length === 0) return [];
  const defaults = (backend as { sendDefaults?: Parameters<typeof resolveFeatures>[1] }).sendDefaults;
  let features;
  try {
    features = resolveFeatures(message, defaults);
  } catch {
    return [];
  }
  return unsupported.filter((name) => features[name] !== undefined);
}

/**
 * Sends each message through the first healthy backend, moving on when the error is one
 * another ESP could avoid. Itself a backend: use it with getConnection, sendMail, the outbox.
 */
export class FailoverBackend extends BaseEmailBackend {
  readonly espName = 'Failover';
  readonly members: readonly Member[];
  readonly strategy: SelectStrategy;
  readonly onUnknownOutcome: 'raise' | 'failover';
  readonly #policy: Record<FailureCategory, FailureAction>;
  readonly #breaker: CircuitBreaker;
  readonly #inFlight: InFlightLimiter;
  readonly #debugLog: ((line: string) => void) | undefined;

  constructor(options: FailoverBackendOptions) {
    super(options);
    if (!options?.backends || options.backends.length === 0) {
      throw new AnymailConfigurationError('FailoverBackend needs at least one backend: new FailoverBackend({ backends: [primary, secondary] })');
    }
    const seen = new Map<string, number>();
    this.members = options.backends.map((item) => {
      const member = item instanceof BaseEmailBackend ? { backend: item } : item;
      const name = member.name ?? memberName(member.backend);
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      return {
        backend: member.backend,
        weight: member.weight ?? 1,
        name,
        key: count > 1 ? `${name}#${count}` : name,
        unsupported: declaredUnsupported(member.backend),
      };
    });
    const strategy = options.strategy ?? 'priority';
    this.strategy =
      typeof strategy === 'object'
        ? strategy
        : strategy === 'round-robin'
          ? new RoundRobinStrategy()
          : strategy === 'weighted'
            ? new WeightedStrategy()
            : new PriorityStrategy();
    this.onUnknownOutcome = options.onUnknownOutcome ?? 'raise';
    this.#policy = { ...failurePolicy, ...options.policy };
    this.#breaker = new CircuitBreaker({
      store: options.healthStore ?? new MemoryHealthStore(),
      failureThreshold: options.failureThreshold ?? 3,
      coolDownMs: options.coolDownMs ?? 30_000,
    });
    this.#inFlight = new InFlightLimiter(options.maxInFlightWhileFailing ?? 1);
    this.#debugLog = options.debugLog;
  }

  /**
   * Throw unless every feature listed is honoured by at least one backend
   * (for backends that declare their features).
   */
  assertSupports(features: readonly FeatureName[]): void {
    const missing = features.filter((feature) => this.members.every((member) => member.unsupported.includes(feature)));
    if (missing.length > 0) {
      throw new AnymailError(
        `No backend in this FailoverBackend supports ${missing.join(', ')} (backends: ${this.members.map((m) => m.name).join(', ')}).`,
        { code: 'ANYMAIL_UNSUPPORTED_FEATURE', category: 'unsupported-feature' },
      );
    }
  }

  override async open(): Promise<boolean> {
    const results = await Promise.all(this.members.map((member) => member.backend.open()));
    return results.some(Boolean);
  }

  override async close(): Promise<void> {
    await Promise.all(this.members.map((member) => member.backend.close()));
  }

  /**
   * In the pipeline, FailoverBackend applies its own sendDefaults and header checks, then hands
   * the message to a member, whose own pipeline fires the signals and checks the recipients.
   */
  protected override sendDriver(): SendDriver {
    return {
      ...super.sendDriver(),
      // Each member's own pipeline manages its connection (an ESP's pool stays open between
      // calls); opening and closing every member around each call cost a new socket per message.
      open: undefined,
      close: undefined,
      signals: false,
      checkRecipients: false,
      deliver: (job) => this.#sendWithFailover(job.message),
    };
  }

  #log(line: string): void {
    const log = this.#debugLog ?? getSettings().debugLog;
    log?.(`Failover: ${line}`);
  }

  async #sendWithFailover(message: EmailMessage): Promise<Delivery | SkippedDelivery> {
    const attempts: SendAttempt[] = [];
    const order = this.strategy.order(this.members.map((member) => member.weight));
    let lastError: unknown;
    let previous: Member | undefined;
    let skippedOpen = 0;
    const queue = new AttemptQueue(order);
    for (let index = await queue.next(); index !== undefined; index = await queue.next()) {
      const member = this.members[index]!;
      const missing = usedFeatures(member.backend, member.unsupported, message);
      if (missing.length > 0) {
        this.#log(`skipping ${member.name}: it does not support ${missing.join(', ')}`);
        attempts.push({ espName: member.name, category: 'unsupported-feature', durationMs: 0, error: `unsupported: ${missing.join(', ')}` });
        continue;
      }
      const slot = await enterBackend(this.#breaker, this.#inFlight, member.key);
      if ('skip' in slot) {
        skippedOpen++;
        if (slot.skip === 'busy' && slot.verdict) queue.deferUntil(index, slot.verdict);
        this.#log(
          slot.skip === 'open'
            ? `skipping ${member.name}: cooling down after repeated failures`
            : `skipping ${member.name} for now: failing, and already trying it (maxInFlightWhileFailing)`,
        );
        continue;
      }
      if (previous && lastError && AnymailError.isInstance(lastError)) {
        await failoverSignal.sendRobust(this.constructor, { message, from: previous.name, to: member.name, category: lastError.category });
      }
      const started = performance.now();
      let verdict: Verdict = 'none';
      try {
        // The member's pipeline sends its own copy (with its own defaults): `message` is not changed.
        const [result] = await member.backend.sendResults([message]);
        const durationMs = performance.now() - started;
        if (result!.outcome !== 'failed') {
          await this.#breaker.recordSuccess(member.key);
          verdict = 'success';
          attempts.push({ espName: member.name, durationMs });
          this.#log(`${member.name} ${result!.outcome === 'sent' ? 'sent' : 'skipped'} the message${slot.probe ? ' (probe succeeded)' : ''}`);
          if (result!.outcome === 'sent') return { status: result!.status!, espName: result!.status?.espName ?? member.name, attempts };
          return { skipped: result!.outcome === 'no-recipients' ? 'no-recipients' : 'cancelled', attempts };
        }
        const error = result!.error;
        if (!AnymailError.isInstance(error)) throw error;
        attempts.push({
          espName: member.name,
          category: error.category,
          statusCode: error.statusCode,
          durationMs,
          deliveryUnknown: error.deliveryUnknown,
          error: error.message,
        });
        const action = this.#policy[error.category] ?? 'raise';
        if (action === 'raise') {
          this.#log(`${member.name} failed with ${error.category}: raising (every ESP would repeat it)`);
          throw this.#withAttempts(error, attempts, message);
        }
        await this.#breaker.recordFailure(member.key);
        verdict = 'failure';
        if (error.deliveryUnknown && this.onUnknownOutcome === 'raise') {
          this.#log(`${member.name} failed after the request may have reached it: not resending (onUnknownOutcome 'raise')`);
          throw this.#withAttempts(
            new AnymailAPIError(
              `${member.name} may have accepted the message (${error.message}); not resending it elsewhere to avoid a duplicate. ` +
                "Pass onUnknownOutcome: 'failover' to resend anyway.",
              { ...error, code: 'ANYMAIL_DELIVERY_UNKNOWN', category: error.category, deliveryUnknown: true, espName: member.name, cause: error },
            ),
            attempts,
            message,
          );
        }
        this.#log(`${member.name} failed with ${error.category}: trying the next backend`);
        lastError = error;
        previous = member;
      } finally {
        slot.release(verdict);
      }
    }
    if (lastError) throw this.#withAttempts(lastError as AnymailError, attempts, message);
    throw this.#withAttempts(
      new AnymailAPIError(
        skippedOpen > 0
          ? `Every backend is cooling down after repeated failures, or failing and its trial failed too (${this.members.map((m) => m.name).join(', ')}); not waiting on timeouts. Try again later.`
          : `No backend can send this message (${attempts.map((a) => `${a.espName}: ${a.error}`).join('; ')}).`,
        { code: skippedOpen > 0 ? 'ANYMAIL_ALL_BACKENDS_DOWN' : 'ANYMAIL_UNSUPPORTED_FEATURE', category: skippedOpen > 0 ? 'network' : 'unsupported-feature' },
      ),
      attempts,
      message,
    );
  }

  /** The error, carrying every attempt (`failoverAttempts(error)`); the pipeline puts them on the failed status. */
  #withAttempts<E extends AnymailError>(error: E, attempts: SendAttempt[], _message: EmailMessage): E {
    Object.defineProperty(error, 'attempts', { value: attempts, enumerable: true, configurable: true });
    return error;
  }
}

export { failoverAttempts } from './attempts.js';
