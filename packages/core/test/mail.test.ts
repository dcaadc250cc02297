import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailAPIError } from '../src/errors.js';
import { MemoryBackend } from '../src/backends/memory-backend.js';
import { DEFAULT_SUBJECT_PREFIX, mailAdmins, mailManagers, sendMail, sendMassMail } from '../src/mail.js';
import type { EmailMessage } from '../src/message.js';
import { configure } from '../src/settings.js';
import { preSend } from '../src/signals.js';
import { closeTestSmtpServers, startTestSmtp } from './support/test-smtp.js';

/** A MemoryBackend that counts how often a connection was really opened and closed. */
class CountingBackend extends MemoryBackend {
  static opens = 0;
  static closes = 0;
  static sendCalls = 0;
  #open = false;
  override async open(): Promise<boolean> {
    if (this.#open) return false;
    this.#open = true;
    CountingBackend.opens++;
    return true;
  }
  override async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    CountingBackend.closes++;
  }
  override async sendMessages(messages: readonly EmailMessage[]): Promise<number> {
    CountingBackend.sendCalls++;
    return super.sendMessages(messages);
  }
}

beforeEach(() => {
  configure({ emailBackend: 'memory' });
  MemoryBackend.outbox.length = 0;
  CountingBackend.opens = CountingBackend.closes = CountingBackend.sendCalls = 0;
});
afterEach(() => {
  configure({});
  MemoryBackend.outbox.length = 0;
});

describe('sendMail', () => {
  it('sends one message through the default connection and resolves to 1', async () => {
    const sent = await sendMail({
      subject: 'Subject',
      message: 'Text body',
      from: 'from@example.com',
      recipientList: ['a@example.com', 'b@example.com'],
      htmlMessage: '<p>HTML body</p>',
    });
    expect(sent).toBe(1);
    expect(MemoryBackend.outbox).toHaveLength(1);
    const [email] = MemoryBackend.outbox;
    expect(email!.subject).toBe('Subject');
    expect(email!.body).toBe('Text body');
    expect(email!.from).toBe('from@example.com');
    expect(email!.to).toEqual(['a@example.com', 'b@example.com']);
    expect(email!.alternatives).toEqual([{ content: '<p>HTML body</p>', mimetype: 'text/html' }]);
  });

  it('uses defaultFromEmail when from is missing, else webmaster@localhost', async () => {
    configure({ emailBackend: 'memory', defaultFromEmail: 'app@example.com' });
    await sendMail({ subject: 's', message: 'm', recipientList: ['a@example.com'] });
    configure({ emailBackend: 'memory' });
    await sendMail({ subject: 's', message: 'm', recipientList: ['a@example.com'] });
    expect(MemoryBackend.outbox.map((m) => m.from)).toEqual(['app@example.com', 'webmaster@localhost']);
  });

  it('uses the connection given', async () => {
    const connection = new CountingBackend();
    await sendMail({ subject: 's', message: 'm', from: 'f@example.com', recipientList: ['a@example.com'], connection });
    expect(CountingBackend.sendCalls).toBe(1);
  });

  it('resolves to 0 with failSilently when the send fails', async () => {
    const receiver = () => {
      throw new AnymailAPIError('down');
    };
    preSend.connect(receiver);
    try {
      const options = { subject: 's', message: 'm', from: 'f@example.com', recipientList: ['a@example.com'] };
      expect(await sendMail({ ...options, failSilently: true })).toBe(0);
      await expect(sendMail(options)).rejects.toThrow('down');
    } finally {
      preSend.disconnect(receiver);
    }
  });
});

describe('sendMassMail', () => {
  it('sends every tuple over one connection, opened and closed once', async () => {
    configure({ emailBackend: CountingBackend });
    const sent = await sendMassMail([
      ['First', 'Body 1', 'a@example.com', ['x@example.com']],
      ['Second', 'Body 2', undefined, ['y@example.com', 'z@example.com']],
    ]);
    expect(sent).toBe(2);
    expect([CountingBackend.opens, CountingBackend.closes, CountingBackend.sendCalls]).toEqual([1, 1, 1]);
    expect(MemoryBackend.outbox.map((m) => [m.subject, m.from, m.to])).toEqual([
      ['First', 'a@example.com', ['x@example.com']],
      ['Second', 'webmaster@localhost', ['y@example.com', 'z@example.com']],
    ]);
  });

  it('leaves a connection the caller opened open', async () => {
    const connection = new CountingBackend();
    await connection.open();
    await sendMassMail([['s', 'm', 'a@example.com', ['x@example.com']]], { connection });
    expect([CountingBackend.opens, CountingBackend.closes]).toEqual([1, 0]);
  });

  it('uses one SMTP connection for all messages', async () => {
    const smtp = await startTestSmtp();
    try {
      configure({ emailBackend: 'smtp', smtp: { host: '127.0.0.1', port: smtp.port } });
      const tuples = [1, 2, 3].map((n) => [`Mass ${n}`, 'body', 'from@example.com', [`r${n}@example.com`]] as const);
      expect(await sendMassMail(tuples)).toBe(3);
      expect(smtp.received.map((mail) => mail.to)).toEqual([['r1@example.com'], ['r2@example.com'], ['r3@example.com']]);
      expect(smtp.connections).toBe(1);
    } finally {
      await closeTestSmtpServers();
    }
  });
});

describe('mailAdmins / mailManagers', () => {
  it('mails the admins with the subject prefix, from serverEmail', async () => {
    configure({
      emailBackend: 'memory',
      admins: ['ops@example.com', ['Ann "The" Admin', 'ann@example.com']],
      serverEmail: 'server@example.com',
      emailSubjectPrefix: '[myapp] ',
    });
    expect(await mailAdmins('Disk full', 'Details', { htmlMessage: '<b>Details</b>' })).toBe(1);
    const [email] = MemoryBackend.outbox;
    expect(email!.subject).toBe('[myapp] Disk full');
    expect(email!.from).toBe('server@example.com');
    expect(email!.to).toEqual(['ops@example.com', '"Ann \\"The\\" Admin" <ann@example.com>']);
    expect(email!.recipientEmails()).toEqual(['ops@example.com', 'ann@example.com']);
    expect(email!.alternatives).toEqual([{ content: '<b>Details</b>', mimetype: 'text/html' }]);
  });

  it('mails the managers, with the default prefix and root@localhost', async () => {
    configure({ emailBackend: 'memory', managers: ['boss@example.com'] });
    expect(await mailManagers('Report', 'Numbers')).toBe(1);
    const [email] = MemoryBackend.outbox;
    expect(email!.subject).toBe(`${DEFAULT_SUBJECT_PREFIX}Report`);
    expect(email!.from).toBe('root@localhost');
    expect(email!.to).toEqual(['boss@example.com']);
  });

  it('sends nothing when the list is empty or unset', async () => {
    configure({ emailBackend: 'memory', admins: [] });
    expect(await mailAdmins('s', 'm')).toBe(0);
    expect(await mailManagers('s', 'm')).toBe(0);
    expect(MemoryBackend.outbox).toHaveLength(0);
  });

  it('goes through the connection given', async () => {
    configure({ emailBackend: 'dummy', admins: ['ops@example.com'] });
    const connection = new CountingBackend();
    expect(await mailAdmins('s', 'm', { connection })).toBe(1);
    expect(CountingBackend.sendCalls).toBe(1);
  });
});
