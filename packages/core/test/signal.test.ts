import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Signal } from '../src/signal.js';

interface Args {
  value: number;
}

describe('Signal.connect / disconnect', () => {
  it('calls each receiver with the args and the sender', async () => {
    const signal = new Signal<Args>('test');
    const seen: unknown[] = [];
    signal.connect((payload) => seen.push(payload));
    await signal.send('me', { value: 1 });
    expect(seen).toEqual([{ value: 1, sender: 'me' }]);
  });

  it('connects a receiver only once, and disconnect removes it', async () => {
    const signal = new Signal<Args>();
    let calls = 0;
    const receiver = () => calls++;
    signal.connect(receiver);
    signal.connect(receiver);
    await signal.send(null, { value: 1 });
    expect(calls).toBe(1);
    expect(signal.disconnect(receiver)).toBe(true);
    expect(signal.disconnect(receiver)).toBe(false);
    await signal.send(null, { value: 1 });
    expect(calls).toBe(1);
    expect(signal.hasListeners()).toBe(false);
  });

  it('keeps only the first receiver for a dispatchUid and disconnects by it', async () => {
    const signal = new Signal<Args>();
    const calls: string[] = [];
    signal.connect(() => calls.push('first'), { dispatchUid: 'uid' });
    signal.connect(() => calls.push('second'), { dispatchUid: 'uid' });
    await signal.send(null, { value: 1 });
    expect(calls).toEqual(['first']);
    expect(signal.disconnect(undefined, { dispatchUid: 'other' })).toBe(false);
    expect(signal.disconnect(undefined, { dispatchUid: 'uid' })).toBe(true);
    expect(signal.hasListeners()).toBe(false);
  });

  it('delivers to a sender-filtered receiver only sends from that sender', async () => {
    const signal = new Signal<Args>();
    class A {}
    class B {}
    const got: unknown[] = [];
    const receiver = ({ sender }: { sender: unknown }) => got.push(sender);
    signal.connect(receiver, { sender: A });
    await signal.send(A, { value: 1 });
    await signal.send(B, { value: 2 });
    expect(got).toEqual([A]);
    expect(signal.hasListeners(A)).toBe(true);
    expect(signal.hasListeners(B)).toBe(false);
    // A sender-filtered connection is removed only with the same sender.
    expect(signal.disconnect(receiver)).toBe(false);
    expect(signal.disconnect(receiver, { sender: B })).toBe(false);
    expect(signal.disconnect(receiver, { sender: A })).toBe(true);
    expect(signal.hasListeners(A)).toBe(false);
  });

  it('allows the same receiver for two different senders', async () => {
    const signal = new Signal<Args>();
    const got: unknown[] = [];
    const receiver = ({ sender }: { sender: unknown }) => got.push(sender);
    signal.connect(receiver, { sender: 'a' });
    signal.connect(receiver, { sender: 'b' });
    await signal.send('a', { value: 1 });
    await signal.send('b', { value: 1 });
    expect(got).toEqual(['a', 'b']);
  });

  it('refuses a receiver that is not a function', () => {
    const signal = new Signal<Args>('named');
    expect(() => signal.connect('nope' as never)).toThrow(/named\.connect\(\) needs a function/);
  });
});

describe('Signal.send', () => {
  it('runs receivers in connection order, awaiting async ones, and returns their results', async () => {
    const signal = new Signal<Args>();
    const order: string[] = [];
    const slow = async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('slow');
      return 'slow-result';
    };
    const fast = () => {
      order.push('fast');
      return 'fast-result';
    };
    signal.connect(slow);
    signal.connect(fast);
    const results = await signal.send(null, { value: 1 });
    expect(order).toEqual(['slow', 'fast']);
    expect(results).toEqual([
      [slow, 'slow-result'],
      [fast, 'fast-result'],
    ]);
  });

  it('stops at the first error and propagates it', async () => {
    const signal = new Signal<Args>();
    const calls: string[] = [];
    signal.connect(() => calls.push('one'));
    signal.connect(async () => {
      throw new Error('boom');
    });
    signal.connect(() => calls.push('three'));
    await expect(signal.send(null, { value: 1 })).rejects.toThrow('boom');
    expect(calls).toEqual(['one']);
  });
});

describe('Signal.sendRobust', () => {
  it('runs every receiver and returns errors in the result pairs', async () => {
    const signal = new Signal<Args>();
    const calls: string[] = [];
    const failing = async () => {
      throw new Error('boom');
    };
    const throwsString = () => {
      throw 'plain string';
    };
    const last = ({ value }: Args) => {
      calls.push('last');
      return value * 2;
    };
    signal.connect(failing);
    signal.connect(throwsString);
    signal.connect(last);
    const results = await signal.sendRobust(null, { value: 21 });
    expect(calls).toEqual(['last']);
    expect(results).toHaveLength(3);
    expect(results[0]![0]).toBe(failing);
    expect(results[0]![1]).toBeInstanceOf(Error);
    expect((results[0]![1] as Error).message).toBe('boom');
    expect((results[1]![1] as Error).message).toBe('plain string');
    expect(results[2]).toEqual([last, 42]);
  });
});

describe('weak receivers', () => {
  // V8 lets a test enable gc() at run time; WeakRef targets are only collected after the
  // current job ends, hence the macrotask turns before each collection.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collect = async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
  };

  it('lets a weakly connected receiver be garbage-collected, but keeps a strong one', async () => {
    const signal = new Signal<Args>();
    const strongSignal = new Signal<Args>();
    (() => {
      signal.connect(() => 'weak', { weak: true });
      strongSignal.connect(() => 'strong');
    })();
    await collect();
    expect(signal.hasListeners()).toBe(false);
    expect(await signal.send(null, { value: 1 })).toEqual([]);
    expect(strongSignal.hasListeners()).toBe(true);
  });

  it('keeps a weak receiver alive while something else references it', async () => {
    const signal = new Signal<Args>();
    const kept = () => 'kept';
    signal.connect(kept, { weak: true });
    await collect();
    expect(await signal.send(null, { value: 1 })).toEqual([[kept, 'kept']]);
    expect(signal.disconnect(kept)).toBe(true);
  });
});
