// Property-based header-injection fuzzing (issue #13), shared by the bounded CI test
// (header-fuzz.test.ts) and the long run (`pnpm fuzz`). Hostile values go into every
// header-bound field of an EmailMessage; the message is rendered through the MIME path and
// sent by each ESP backend to a loopback fake ESP. The output is then checked, not the input:
// no CR, LF or other control character in any header line or header-bound JSON/form field,
// no recipient that was not given, and no failure other than an AnymailError.
//
// This suite crosses packages on purpose (core's MIME and the four ESPs): it lives with core's
// tests and imports the ESP packages through the workspace aliases.
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { simpleParser, type AddressObject } from 'mailparser';
import {
  AnymailError,
  EmailMessage,
  parseAddressList,
  type BaseEspBackend,
  type JsonObject,
} from '@anymail/core';
import { startFakeEsp, type FakeEsp, type FakeEspCall } from '@anymail/core/test';
import { MailgunBackend } from '@anymail/mailgun';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { SendGridBackend } from '@anymail/sendgrid';
import { sendGridFakeRoutes } from '@anymail/sendgrid/test';
import { SesBackend } from '@anymail/ses';
import { sesFakeRoutes } from '@anymail/ses/test';

/** What must never appear in a header line or a header-bound field (TAB is allowed). */
const FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/;

const encodedWord = (text: string, q = false): string =>
  q
    ? `=?utf-8?q?${[...Buffer.from(text)].map((b) => `=${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')}?=`
    : `=?utf-8?b?${Buffer.from(text).toString('base64')}?=`;

const SPECIALS = [
  '\r', '\n', '\r\n', '\r\nBcc: evil@attacker.test', '\nTo: evil@attacker.test', '\u0000', '\u001b', '\u000b', '\u000c',
  '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\t', ' ', '"', '\\', '<', '>', ',', ';', ':', '@', '(', ')', '[', ']',
  '%0d%0a', '%0D%0A', '%22', '=?', '?=', 'é', '⚡', '😀', 'evil@attacker.test', ', evil@attacker.test',
  encodedWord('Name\r\nBcc: evil@attacker.test', true), encodedWord('a\u0000b'), encodedWord('x, evil@attacker.test'),
  encodedWord('a\u2028b'), '=?x-made-up?q?a=0D=0A?=',
];

/** A string made of ordinary text and hostile pieces. */
export const hostileText = (maxPieces = 6): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ maxLength: 6 }), fc.constantFrom('Name', 'x', 'file.txt')), {
      maxLength: maxPieces,
    })
    .map((pieces) => pieces.join(''));

const localPart = fc.oneof(fc.constantFrom('user', 'a.b+tag', '"quoted name"', '"a\\"b"', 'zoë'), hostileText(3));
const domain = fc.oneof(fc.constantFrom('example.com', 'bücher.example', '[192.0.2.1]', 'sub.example.org'), hostileText(2));

/** An address as a caller might write it, with hostile display names and addr-specs. */
export const hostileAddress: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(localPart, domain).map(([local, host]) => `${local}@${host}`),
  fc.tuple(hostileText(), localPart, domain).map(([name, local, host]) => `${name} <${local}@${host}>`),
  fc.tuple(hostileText(), localPart, domain).map(([name, local, host]) => `"${name}" <${local}@${host}>`),
  fc.tuple(hostileText(), fc.constantFrom('a@example.com', 'b@bücher.example')).map(([name, spec]) => `${encodedWord(name)} <${spec}>`),
  hostileText(),
);

const headerName = fc.oneof(fc.constantFrom('X-Campaign', 'X-Tag', 'Reply-To', 'List-Unsubscribe', 'X-Mailgun-Tag'), hostileText(2));

export interface FuzzCase {
  from: string | undefined;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  headers: Array<[string, string]>;
  /** Goes into each ESP's espExtra header field (Mailgun h:, SendGrid headers, Postmark Headers). */
  extraHeader: string;
  /** Goes into each ESP's espExtra address field (Postmark ReplyTo, SES ReplyToAddresses). */
  extraAddress: string;
  attachment: { filename: string; mimetype: string } | undefined;
  tags: string[];
  metadata: Array<[string, string]>;
}

const valid = fc.constantFrom('to@example.com', 'Friend <friend@example.com>');
/** Mostly ordinary values, so that many messages get past the check and their output is examined. */
const mostly = <T>(ordinary: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: ordinary, weight: 5 }, { arbitrary: hostile, weight: 1 });
const plain = fc.constantFrom('Hello', 'Grüße ⚡', 'a, b; c', 'Quote "x"', '=?utf-8?b?WmHDqw==?=', '100%0d%0a', 'tab\there');

/** A message whose header-bound fields are each either ordinary or hostile. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  from: fc.option(mostly(fc.constantFrom('Sender <from@example.com>', '"Sender, Inc" <from@example.com>'), hostileAddress), { nil: undefined }),
  to: fc.array(mostly(valid, hostileAddress), { minLength: 1, maxLength: 3 }),
  cc: fc.array(mostly(valid, hostileAddress), { maxLength: 2 }),
  bcc: fc.array(mostly(valid, hostileAddress), { maxLength: 2 }),
  replyTo: fc.array(mostly(valid, hostileAddress), { maxLength: 2 }),
  subject: mostly(plain, hostileText()),
  headers: fc.array(fc.tuple(mostly(fc.constantFrom('X-Campaign', 'X-Tag'), headerName), mostly(plain, hostileText())), { maxLength: 2 }),
  extraHeader: mostly(plain, hostileText()),
  extraAddress: mostly(valid, hostileAddress),
  attachment: fc.option(
    fc.record({ filename: mostly(fc.constantFrom('file.txt', 'résumé "final".pdf', 'a%0d%0a.txt'), hostileText()), mimetype: mostly(fc.constant('text/plain'), hostileText(3)) }),
    { nil: undefined },
  ),
  tags: fc.array(mostly(fc.constantFrom('welcome', 'été'), hostileText(3)), { maxLength: 2 }),
  metadata: fc.array(fc.tuple(mostly(fc.constantFrom('user', 'order'), hostileText(2)), mostly(plain, hostileText(3))), { maxLength: 2 }),
});

/** How many renders got past every check and were examined (per path), for the long run's report. */
export const examined: Record<string, number> = {};

export function buildMessage(fuzz: FuzzCase, espExtra?: Record<string, unknown>): EmailMessage {
  const message = new EmailMessage({
    from: fuzz.from,
    to: fuzz.to,
    cc: fuzz.cc,
    bcc: fuzz.bcc,
    replyTo: fuzz.replyTo,
    subject: fuzz.subject,
    body: 'Body',
    headers: Object.fromEntries(fuzz.headers),
    tags: fuzz.tags,
    metadata: Object.fromEntries(fuzz.metadata) as JsonObject,
    espExtra,
  });
  if (fuzz.attachment) message.attach(fuzz.attachment.filename, 'attachment text', fuzz.attachment.mimetype);
  return message;
}

/** Bare addresses (ASCII domain, lower case) of every given recipient, or undefined when they don't parse. */
function expectedRecipients(fuzz: FuzzCase): Set<string> | undefined {
  try {
    return new Set(parseAddressList([...fuzz.to, ...fuzz.cc, ...fuzz.bcc], 'recipients').map((a) => normalize(a.addrSpec)));
  } catch {
    return undefined;
  }
}

/** A bare address in one form: local part unquoted, domain in punycode, lower case (mailparser unquotes and gives IDN in Unicode). */
function normalize(address: string): string {
  const at = address.lastIndexOf('@');
  let local = address.slice(0, at);
  if (local.startsWith('"') && local.endsWith('"')) local = local.slice(1, -1).replace(/\\(.)/g, '$1');
  const host = address.slice(at + 1);
  return `${local}@${/[^\x00-\x7f]/.test(host) ? domainToASCII(host) : host}`.toLowerCase();
}

function fail(where: string, problem: string): never {
  throw new Error(`${where}: ${problem}`);
}

/** Every string (and key) of a JSON value must be free of control characters. */
function assertCleanJson(where: string, value: unknown, path = '$'): void {
  if (typeof value === 'string') {
    if (FORBIDDEN.test(value)) fail(where, `control character in ${path}: ${JSON.stringify(value)}`);
  } else if (Array.isArray(value)) value.forEach((item, index) => assertCleanJson(where, item, `${path}[${index}]`));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN.test(key)) fail(where, `control character in a key of ${path}: ${JSON.stringify(key)}`);
      assertCleanJson(where, item, `${path}.${key}`);
    }
  }
}

/** Recipients an ESP request names must be ones the message gave, and no more of them. */
function assertRecipients(where: string, fuzz: FuzzCase, found: string[]): void {
  const expected = expectedRecipients(fuzz);
  if (!expected) fail(where, 'sent although the recipients do not parse');
  const bare = found.flatMap((value) => parseAddressList(value, 'found').map((a) => normalize(a.addrSpec)));
  for (const address of bare) if (!expected.has(address)) fail(where, `extra recipient ${address}`);
  const given = fuzz.to.length + fuzz.cc.length + fuzz.bcc.length;
  if (bare.length > given * 2) fail(where, `${bare.length} recipients for ${given} given`);
}

const ALLOWED_MIME_HEADERS = new Set([
  'from', 'to', 'cc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding',
  'x-tag', 'x-metadata', 'x-campaign', 'list-unsubscribe', 'list', 'x-mailgun-tag', 'content-disposition', 'content-id',
]);

/** An RFC 5322 message: every line free of control characters, only expected header names, no Bcc, no stranger in To/Cc. */
export async function assertCleanMime(where: string, fuzz: FuzzCase, bytes: Uint8Array): Promise<void> {
  const text = Buffer.from(bytes).toString('utf8');
  for (const line of text.split('\r\n')) if (FORBIDDEN.test(line)) fail(where, `control character in MIME line ${JSON.stringify(line.slice(0, 120))}`);
  const parsed = await simpleParser(Buffer.from(bytes));
  const given = new Set(fuzz.headers.map(([name]) => name.toLowerCase()));
  for (const name of parsed.headers.keys()) {
    if (!ALLOWED_MIME_HEADERS.has(name) && !given.has(name)) fail(where, `unexpected header ${name}`);
  }
  if (parsed.headers.has('bcc')) fail(where, 'a Bcc header');
  const listed = (value: AddressObject | AddressObject[] | undefined): string[] =>
    (Array.isArray(value) ? value : value ? [value] : []).flatMap((group) => group.value).flatMap((a) => (a.address ? [a.address] : []));
  const expected = expectedRecipients(fuzz);
  const found = [...listed(parsed.to), ...listed(parsed.cc)];
  if (!given.has('to') && !given.has('cc') && expected) {
    for (const address of found) if (!expected.has(normalize(address))) fail(where, `extra recipient ${address} in To/Cc`);
  }
}

/** The four ESP backends, each against its own loopback fake. */
export interface EspRig {
  name: string;
  backend: BaseEspBackend;
  esp: FakeEsp;
  espExtra(fuzz: FuzzCase): Record<string, unknown>;
  check(fuzz: FuzzCase, call: FakeEspCall): Promise<void>;
}

async function formEntries(call: FakeEspCall): Promise<Array<[string, string]>> {
  const form = await new Response(call.body as unknown as ConstructorParameters<typeof Response>[0], {
    headers: { 'content-type': call.headers['content-type']! },
  }).formData();
  return [...form.entries()].map(([name, value]) => [name, typeof value === 'string' ? value : `${value.name}\u0001${value.type}`.replace('\u0001', ' ')]);
}

export async function startRigs(): Promise<EspRig[]> {
  const mailgun = await startFakeEsp({ '*': { status: 200, body: { id: '<fuzz@example.com>', message: 'Queued. Thank you.' } } });
  const sendgrid = await startFakeEsp({ '*': sendGridFakeRoutes()['POST /v3/mail/send']! });
  const postmark = await startFakeEsp({ '*': postmarkFakeRoutes()['POST /email']! });
  const ses = await startFakeEsp({ '*': sesFakeRoutes()['POST /v2/email/outbound-emails']! });
  const timeoutMs = 5000;
  return [
    {
      name: 'Mailgun',
      esp: mailgun,
      backend: new MailgunBackend({ apiKey: 'fuzz-key', apiUrl: mailgun.url, senderDomain: 'example.com', timeoutMs }),
      espExtra: (fuzz) => ({ 'h:X-Extra': fuzz.extraHeader }),
      async check(fuzz, call) {
        const raw = call.body.toString('utf8');
        // Multipart: every line of the body (part headers included) is clean; urlencoded: every field.
        if (call.headers['content-type']!.startsWith('multipart/')) {
          for (const line of raw.split('\r\n')) if (FORBIDDEN.test(line)) fail('Mailgun', `control character in form line ${JSON.stringify(line.slice(0, 120))}`);
        }
        const entries = await formEntries(call);
        for (const [name, value] of entries) {
          if (FORBIDDEN.test(name) || FORBIDDEN.test(value)) fail('Mailgun', `control character in form field ${name}=${JSON.stringify(value.slice(0, 120))}`);
        }
        assertRecipients('Mailgun', fuzz, entries.filter(([name]) => ['to', 'cc', 'bcc'].includes(name)).map(([, value]) => value));
      },
    },
    {
      name: 'SendGrid',
      esp: sendgrid,
      backend: new SendGridBackend({ apiKey: 'SG.fuzz', apiUrl: `${sendgrid.url}v3/`, timeoutMs }),
      espExtra: (fuzz) => ({ headers: { 'X-Extra': fuzz.extraHeader } }),
      async check(fuzz, call) {
        const body = call.json() as { personalizations: Array<Record<string, Array<{ email: string }> | undefined>> };
        assertCleanJson('SendGrid', body);
        const emails = body.personalizations.flatMap((p) => [...(p.to ?? []), ...(p.cc ?? []), ...(p.bcc ?? [])].map((a) => a.email));
        assertRecipients('SendGrid', fuzz, emails);
      },
    },
    {
      name: 'Postmark',
      esp: postmark,
      backend: new PostmarkBackend({ serverToken: 'fuzz-token', apiUrl: postmark.url, timeoutMs }),
      espExtra: (fuzz) => ({ Headers: [{ Name: 'X-Extra', Value: fuzz.extraHeader }], ReplyTo: fuzz.extraAddress }),
      async check(fuzz, call) {
        const body = call.json() as Record<string, string | undefined>;
        assertCleanJson('Postmark', body);
        assertRecipients('Postmark', fuzz, [body.To, body.Cc, body.Bcc].filter((v): v is string => !!v));
      },
    },
    {
      name: 'Amazon SES',
      esp: ses,
      backend: new SesBackend({ endpoint: ses.url, region: 'us-east-1', accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz-secret', timeoutMs }),
      espExtra: (fuzz) => ({ ReplyToAddresses: [fuzz.extraAddress] }),
      async check(fuzz, call) {
        const body = call.json() as { Destination?: Record<string, string[]>; Content?: { Raw?: { Data: string } } };
        assertCleanJson('Amazon SES', body);
        assertRecipients('Amazon SES', fuzz, Object.values(body.Destination ?? {}).flat());
        if (body.Content?.Raw) await assertCleanMime('Amazon SES raw MIME', fuzz, Buffer.from(body.Content.Raw.Data, 'base64'));
      },
    },
  ];
}

export async function closeRigs(rigs: EspRig[]): Promise<void> {
  for (const rig of rigs) {
    await rig.backend.close();
    await rig.esp.close();
  }
}

/** A failure must be an AnymailError; anything else (TypeError, RangeError...) is a crash. */
function assertAnymailError(where: string, error: unknown): void {
  if (!AnymailError.isInstance(error)) fail(where, `crashed with ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
}

/** The property: one hostile message through the MIME path and every ESP. */
export async function checkCase(fuzz: FuzzCase, rigs: EspRig[]): Promise<void> {
  let mime: Uint8Array | undefined;
  try {
    mime = await buildMessage(fuzz).message();
  } catch (error) {
    assertAnymailError('MIME', error);
  }
  if (mime) {
    await assertCleanMime('MIME', fuzz, mime);
    examined.MIME = (examined.MIME ?? 0) + 1;
  }
  for (const rig of rigs) {
    rig.esp.calls.length = 0;
    const message = buildMessage(fuzz, rig.espExtra(fuzz));
    message.connection = rig.backend;
    try {
      await message.send();
    } catch (error) {
      assertAnymailError(rig.name, error);
    }
    for (const call of rig.esp.calls) await rig.check(fuzz, call);
    if (rig.esp.calls.length > 0) examined[rig.name] = (examined[rig.name] ?? 0) + 1;
  }
}

/** Seed and run count: bounded in CI; `FUZZ_RUNS` / `FUZZ_SEED` for longer or replayed runs. */
export function fuzzParameters(defaultRuns: number): { numRuns: number; seed: number } {
  return { numRuns: Number(process.env.FUZZ_RUNS ?? defaultRuns), seed: Number(process.env.FUZZ_SEED ?? 20261204) };
}
