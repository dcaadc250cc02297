import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnymailError,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  parseInboundMime,
  sanitizeHeaderText,
  type AnymailInboundMessage,
} from '@anymail/core';

const crlf = (lines: string[]) => lines.join('\r\n');

describe('header injection through parsed names', () => {
  it('CR/LF in RFC 2231 and encoded-word filenames, subjects and display names become spaces', async () => {
    const raw = crlf([
      'From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40example=2Ecom?= <eve@example.com>',
      'To: you@example.com',
      'Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Ecom?=',
      'X-Note: =?utf-8?q?a=0Ab?=',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'body',
      '--b',
      'Content-Type: application/octet-stream',
      "Content-Disposition: attachment; filename*=utf-8''report%0D%0AContent-Type%3A%20text%2Fhtml.pdf",
      '',
      'x',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="=?utf-8?q?a=0D=0Ab.txt?="',
      '',
      'y',
      '--b--',
      '',
    ]);
    const message = await parseInboundMime(raw);
    expect(message.attachments.map((a) => a.filename)).toEqual(['report  Content-Type: text/html.pdf', 'a  b.txt']);
    expect(message.subject).toBe('Hello  Bcc: victim@example.com');
    expect(message.from?.displayName).toBe('Eve  Bcc: victim@example.com');
    expect(message.get('x-note')).toBe('a b');
    for (const text of [message.subject, message.from?.address, ...message.attachments.map((a) => a.filename), ...message.headers.map((h) => h.value)]) {
      expect(text).not.toMatch(/[\r\n]/);
    }
  });

  it('uses core\'s one rule for what a header line cannot hold (C0/C1 controls, DEL, U+2028/U+2029; TAB stays)', () => {
    expect(sanitizeHeaderText('a\r\nb\u0085c\u2028d\u2029e\u007ff\tg')).toBe('a  b c d e f\tg');
  });

  it('fields put back together from an ESP post cannot add a header either', async () => {
    const message = await constructInboundMime({
      headers: [['X-Evil', 'a\r\nBcc: victim@example.com'], ['Subject\r\nBcc', 'x']],
      from: 'Eve <eve@example.com>\r\nBcc: victim@example.com',
      subject: 'Hi\r\nBcc: victim@example.com',
      text: 'body',
      attachments: [{ filename: 'evil\r\nBcc: victim@example.com.txt', content: new Uint8Array([1]), contentId: 'cid\r\nBcc: v' }],
    });
    expect(message.asString()).not.toMatch(/^Bcc:/im);
    expect(message.subject).toBe('Hi  Bcc: victim@example.com');
    expect(message.get('x-evil')).toBe('a  Bcc: victim@example.com');
    expect([...message.inlines.values(), ...message.attachments].map((a) => a.filename)).toEqual(['evil  Bcc: victim@example.com.txt']);
  });
});

describe('nested and many-part messages', () => {
  function nestedRfc822(depth: number): string {
    let message = 'Subject: leaf\r\nContent-Type: text/plain\r\n\r\nleaf\r\n';
    for (let i = 0; i < depth; i++) {
      message = crlf([
        `Subject: level ${i}`,
        `Content-Type: multipart/mixed; boundary="b${i}"`,
        '',
        `--b${i}`,
        'Content-Type: message/rfc822',
        `Content-Disposition: attachment; filename="forwarded-${i}.eml"`,
        '',
        message,
        `--b${i}--`,
        '',
      ]);
    }
    return message;
  }

  it('a message forwarded 2000 levels deep parses; the forwarded message is an attachment', async () => {
    const message = await parseInboundMime(nestedRfc822(2000));
    expect(message.subject).toBe('level 1999');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ contentType: 'message/rfc822', filename: 'forwarded-1999.eml' });
    const inner = await parseInboundMime(message.attachments[0]!.content);
    expect(inner.subject).toBe('level 1998');
  });

  function wide(parts: number): string {
    let text = 'Subject: wide\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="w"\r\n\r\n';
    for (let i = 0; i < parts; i++) text += `--w\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="m${i}.eml"\r\n\r\nSubject: m${i}\r\n\r\nbody\r\n`;
    return `${text}--w--\r\n`;
  }

  it('1001 parts parse (mailparser alone never settles past 1000)', async () => {
    const message = await parseInboundMime(wide(1001));
    expect(message.attachments).toHaveLength(1001);
  });

  it('more than 5000 parts is refused at once with a clear 400, not parsed', async () => {
    const started = Date.now();
    const error = await parseInboundMime(wide(20_000), {}, 'Mailgun').catch((e: unknown) => e);
    expect(AnymailError.isInstance(error) && error.statusCode).toBe(400);
    expect((error as Error).message).toMatch(/Mailgun .* more than 5000 MIME parts/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('broken MIME: a parsed message or a clear error, never a crash', () => {
  const cases: Record<string, string | Uint8Array> = {
    empty: '',
    'headers only, no blank line': 'Subject: x\r\nFrom: a@example.com',
    'no closing boundary': 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64',
    'boundary missing from Content-Type': 'Content-Type: multipart/mixed\r\n\r\n--x\r\nfoo\r\n',
    'unknown charset and encoding': 'Content-Type: text/plain; charset=x-klingon\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n\r\nqapla\r\n',
    'garbage header lines': ':::\r\n\u0000\u0001: \u0002\r\nSubject\r\n\r\nbody',
    'binary noise': new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'a 2 MB header line': `X-Long: ${'a'.repeat(2 * 1024 * 1024)}\r\n\r\nbody`,
    'bad dates and addresses': 'Date: yesterday-ish\r\nFrom: <<<>>>@@\r\nTo: ,,,;\r\n\r\nbody',
  };
  for (const [name, raw] of Object.entries(cases)) {
    it(name, async () => {
      const result = await parseInboundMime(raw, {}, 'TestESP').then(
        (message: AnymailInboundMessage) => message,
        (error: unknown) => error,
      );
      if (AnymailError.isInstance(result)) {
        expect(result.code).toBe('ANYMAIL_WEBHOOK_VALIDATION_FAILURE');
        expect(result.message).toMatch(/TestESP/);
      } else {
        const message = result as AnymailInboundMessage;
        expect(message.asBytes().byteLength).toBe(typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength);
        expect(message.date === undefined || !Number.isNaN(message.date.getTime())).toBe(true);
      }
    });
  }
});

describe('the inbound HTTP handler under hostile clients', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  /** A webhook whose body is a raw MIME message, mounted the way Express users do: `void webhook.node(req, res)`. */
  async function start(maxBodyBytes?: number) {
    const received: AnymailInboundMessage[] = [];
    const webhook = createInboundWebhook<Uint8Array>({
      espName: 'TestESP',
      esp: 'testesp',
      env: {},
      ...(maxBodyBytes ? { maxBodyBytes } : {}),
      contentTypes: ['message/rfc822'],
      readEnvelope: (request) => request.rawBody,
      async parseEvents(raw) {
        const message = await parseInboundMime(raw, {}, 'TestESP');
        received.push(message);
        return [createInboundEvent({ espName: 'TestESP', espEvent: null, timestamp: undefined, eventId: undefined, message })];
      },
    });
    server = createServer((req, res) => {
      void webhook.node(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, received };
  }

  function post(port: number, body: Uint8Array | string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('a client that resets mid-body leaves the process serving', async () => {
    const { port, received } = await start();
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nSubject: cut');
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
      socket.on('error', () => {});
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await post(port, 'Subject: after the reset\r\n\r\nbody\r\n');
    expect(answer.status).toBe(200);
    expect(received.map((m) => m.subject)).toEqual(['after the reset']);
  });

  it('a declared body over maxBodyBytes is answered 413 before it is read', async () => {
    const { port, received } = await start(1024);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString())).on('close', () => resolve(text)).on('error', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(received).toEqual([]);
  });

  it('a chunked body that grows past maxBodyBytes gets 413 (or a closed connection), and nothing is parsed', async () => {
    const { port, received } = await start(64 * 1024);
    const result = await post(port, new Uint8Array(256 * 1024).fill(65), { 'transfer-encoding': 'chunked' }).catch((error: Error) => error);
    if (!(result instanceof Error)) expect(result.status).toBe(413);
    expect(received).toEqual([]);
    expect((await post(port, 'Subject: still up\r\n\r\nx')).status).toBe(200);
  });
});
