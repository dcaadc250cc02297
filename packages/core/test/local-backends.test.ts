import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleBackend } from '../src/backends/console-backend.js';
import { DummyBackend } from '../src/backends/dummy-backend.js';
import { FileBackend } from '../src/backends/file-backend.js';
import { MemoryBackend } from '../src/backends/memory-backend.js';
import { AnymailAPIError, AnymailCancelSend, AnymailConfigurationError, BadHeaderError } from '../src/errors.js';
import { EmailMessage } from '../src/message.js';
import { configure } from '../src/settings.js';
import { postSend, preSend, type PostSendArgs, type PreSendArgs } from '../src/signals.js';
import type { Receiver } from '../src/signal.js';

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function message(subject = 'Hi', extra: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}): EmailMessage {
  return new EmailMessage({ subject, body: `Body of ${subject}`, from: 'from@example.com', to: ['to@example.com'], ...extra });
}

const connected: [typeof preSend | typeof postSend, Receiver<never>][] = [];
function onPreSend(receiver: Receiver<PreSendArgs>): void {
  preSend.connect(receiver);
  connected.push([preSend, receiver as Receiver<never>]);
}
function onPostSend(receiver: Receiver<PostSendArgs>): void {
  postSend.connect(receiver);
  connected.push([postSend, receiver as Receiver<never>]);
}

let dir: string;
beforeEach(() => {
  configure({});
  MemoryBackend.outbox.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'anymail-file-backend-'));
});
afterEach(() => {
  for (const [signal, receiver] of connected.splice(0)) signal.disconnect(receiver as never);
  configure({});
  MemoryBackend.outbox.length = 0;
  rmSync(dir, { recursive: true, force: true });
});

describe('ConsoleBackend', () => {
  it('writes each message to the given stream, separated by a line of dashes', async () => {
    const { stream, text } = collector();
    const sent = await new ConsoleBackend({ stream }).sendMessages([message('First'), message('Second')]);
    expect(sent).toBe(2);
    const output = text();
    expect(output).toContain('Subject: First');
    expect(output).toContain('Body of Second');
    expect(output.indexOf('Subject: First')).toBeLessThan(output.indexOf('Subject: Second'));
    expect(output.match(new RegExp(`^${'-'.repeat(79)}$`, 'gm'))).toHaveLength(2);
  });

  it('sets a sent status with the Console espName', async () => {
    const { stream } = collector();
    const email = message();
    await new ConsoleBackend({ stream }).sendMessages([email]);
    expect([...email.anymailStatus!.status]).toEqual(['sent']);
    expect(email.anymailStatus!.espName).toBe('Console');
  });

  it('raises a stream error, or swallows it with failSilently', async () => {
    const broken = () =>
      new Writable({
        write(_chunk, _encoding, callback) {
          callback(new Error('disk full'));
        },
      }).on('error', () => {});
    const email = message();
    const error = await new ConsoleBackend({ stream: broken() }).sendMessages([email]).catch((e: unknown) => e);
    // A failed write is a failed send: an AnymailAPIError (so failSilently and failover see it), the stream's error as cause.
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect(error).toMatchObject({ category: 'server', espName: 'Console', message: 'Console could not deliver the message: disk full' });
    expect(((error as Error).cause as Error).message).toBe('disk full');
    expect([...email.anymailStatus!.status]).toEqual(['failed']);
    expect(email.anymailStatus!.espName).toBe('Console');
    expect(await new ConsoleBackend({ stream: broken(), failSilently: true }).sendMessages([message()])).toBe(0);
  });
});

describe('FileBackend', () => {
  it('writes one .eml file per message into filePath', async () => {
    const target = join(dir, 'nested', 'mail');
    const backend = new FileBackend({ filePath: target });
    expect(await backend.sendMessages([message('One'), message('Two')])).toBe(2);
    const files = readdirSync(target).sort();
    expect(files).toHaveLength(2);
    expect(files.every((name) => name.endsWith('.eml'))).toBe(true);
    const contents = files.map((name) => readFileSync(join(target, name), 'utf8')).join('\n');
    expect(contents).toContain('Subject: One');
    expect(contents).toContain('Subject: Two');
  });

  it('reports the file name as the message id', async () => {
    const email = message();
    await new FileBackend({ filePath: dir }).sendMessages([email]);
    expect(readdirSync(dir)).toEqual([email.anymailStatus!.messageId]);
  });

  it('falls back to the emailFilePath setting', async () => {
    configure({ emailFilePath: dir });
    await new FileBackend().sendMessages([message()]);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('raises AnymailConfigurationError without a filePath', () => {
    expect(() => new FileBackend()).toThrow(AnymailConfigurationError);
    expect(() => new FileBackend()).toThrow(/filePath/);
  });

  it('raises AnymailConfigurationError when filePath is a file, even with failSilently', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    const backend = new FileBackend({ filePath: file, failSilently: true });
    await expect(backend.sendMessages([message()])).rejects.toThrow(AnymailConfigurationError);
  });
});

describe('MemoryBackend', () => {
  it('appends sent messages to the shared outbox', async () => {
    const first = message('A');
    const second = message('B');
    const backend = new MemoryBackend();
    expect(await backend.sendMessages([first])).toBe(1);
    expect(await new MemoryBackend().sendMessages([second])).toBe(1);
    expect(MemoryBackend.outbox).toEqual([first, second]);
    expect(backend.outbox).toBe(MemoryBackend.outbox);
    expect(first.anymailStatus!.espName).toBe('Memory');
  });

  it('skips a message without recipients (not counted, not in the outbox)', async () => {
    expect(await new MemoryBackend().sendMessages([message('x', { to: [] })])).toBe(0);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });

  it('uses defaultFromEmail for a message without from', async () => {
    configure({ defaultFromEmail: 'default@example.com' });
    const email = new EmailMessage({ subject: 's', to: ['to@example.com'] });
    await new MemoryBackend().sendMessages([email]);
    expect(MemoryBackend.outbox[0]!.from).toBe('default@example.com');
    expect(email.from).toBeUndefined(); // the caller's message is not changed
  });

  it('refuses header injection before anything is stored', async () => {
    const email = message('Bad\r\nBcc: victim@example.com');
    await expect(new MemoryBackend().sendMessages([email])).rejects.toThrow(BadHeaderError);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });
});

describe('DummyBackend', () => {
  it('reports every message sent without doing anything or firing signals', async () => {
    let fired = 0;
    onPreSend(() => fired++);
    onPostSend(() => fired++);
    expect(await new DummyBackend().sendMessages([message(), message()])).toBe(2);
    expect(fired).toBe(0);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });
});

describe('signals on local backends', () => {
  it('fires preSend then postSend for each message with sender and espName', async () => {
    const events: string[] = [];
    onPreSend(({ message: m, espName, sender }) => {
      events.push(`pre:${m.subject}:${espName}:${sender === MemoryBackend}`);
    });
    onPostSend(({ message: m, status, espName }) => {
      events.push(`post:${m.subject}:${espName}:${[...status.status].join()}`);
    });
    await new MemoryBackend().sendMessages([message('A'), message('B')]);
    expect(events).toEqual(['pre:A:Memory:true', 'post:A:Memory:sent', 'pre:B:Memory:true', 'post:B:Memory:sent']);
  });

  it('lets an async preSend receiver edit the message before it is sent', async () => {
    onPreSend(async ({ message: m }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      m.subject = `[edited] ${m.subject}`;
      m.to.push('added@example.com');
    });
    await new MemoryBackend().sendMessages([message('A')]);
    expect(MemoryBackend.outbox[0]!.subject).toBe('[edited] A');
    expect(Object.keys(MemoryBackend.outbox[0]!.anymailStatus!.recipients)).toEqual(['to@example.com', 'added@example.com']);
  });

  it('skips a message silently when preSend throws AnymailCancelSend', async () => {
    const posted: string[] = [];
    onPreSend(({ message: m }) => {
      if (m.subject === 'cancel me') throw new AnymailCancelSend();
    });
    onPostSend(({ message: m }) => posted.push(m.subject));
    const cancelled = message('cancel me');
    const sent = await new MemoryBackend().sendMessages([message('keep 1'), cancelled, message('keep 2')]);
    expect(sent).toBe(2);
    expect(MemoryBackend.outbox.map((m) => m.subject)).toEqual(['keep 1', 'keep 2']);
    expect(posted).toEqual(['keep 1', 'keep 2']);
    expect(cancelled.anymailStatus).toBeUndefined();
  });

  it('propagates another preSend error and stops the send', async () => {
    onPreSend(() => {
      throw new Error('receiver bug');
    });
    await expect(new MemoryBackend().sendMessages([message(), message()])).rejects.toThrow('receiver bug');
    expect(MemoryBackend.outbox).toHaveLength(0);
  });

  it('runs every postSend receiver even if one throws, and still counts the message', async () => {
    const ran: string[] = [];
    onPostSend(() => {
      throw new Error('first receiver fails');
    });
    onPostSend(() => ran.push('second'));
    expect(await new MemoryBackend().sendMessages([message()])).toBe(1);
    expect(ran).toEqual(['second']);
  });

  it('delivers only to receivers connected for that backend class', async () => {
    const got: string[] = [];
    const receiver = ({ espName }: { espName: string }) => got.push(espName);
    preSend.connect(receiver, { sender: ConsoleBackend });
    try {
      await new MemoryBackend().sendMessages([message()]);
      await new ConsoleBackend({ stream: collector().stream }).sendMessages([message()]);
    } finally {
      preSend.disconnect(receiver, { sender: ConsoleBackend });
    }
    expect(got).toEqual(['Console']);
  });
});

describe('failSilently', () => {
  it('swallows send errors and counts only the messages sent', async () => {
    onPreSend(({ message: m }) => {
      if (m.subject === 'fail') throw new AnymailAPIError('transient');
    });
    const backend = new MemoryBackend({ failSilently: true });
    expect(await backend.sendMessages([message('ok'), message('fail'), message('ok too')])).toBe(2);
    expect(MemoryBackend.outbox.map((m) => m.subject)).toEqual(['ok', 'ok too']);
  });

  it('never swallows an error that is not a failed send (a bug in a receiver), like the ESP backends', async () => {
    onPreSend(() => {
      throw new TypeError('receiver bug');
    });
    await expect(new MemoryBackend({ failSilently: true }).sendMessages([message()])).rejects.toThrow(TypeError);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });

  it('swallows a bad header with failSilently', async () => {
    expect(await new MemoryBackend({ failSilently: true }).sendMessages([message('a\nb')])).toBe(0);
  });

  it('swallows a failure to open the connection', async () => {
    class UnreachableBackend extends MemoryBackend {
      override async open(): Promise<boolean> {
        throw new Error('connection refused');
      }
    }
    expect(await new UnreachableBackend({ failSilently: true }).sendMessages([message()])).toBe(0);
    const error = await new UnreachableBackend().sendMessages([message()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnymailAPIError);
    expect(error).toMatchObject({ category: 'network', code: 'ANYMAIL_DELIVERY_FAILED', deliveryUnknown: false });
    expect((error as Error).message).toBe('Memory could not open its connection: connection refused');
  });

  it('never swallows a configuration error', async () => {
    onPreSend(() => {
      throw new AnymailConfigurationError('missing apiKey');
    });
    await expect(new MemoryBackend({ failSilently: true }).sendMessages([message()])).rejects.toThrow('missing apiKey');
  });

});
