// Loopback fake ESP for `pnpm bench`, in its own process so its CPU is not counted. It answers
// every ESP's send API with a canned success, by the end of the path: Postmark /email and
// /email/batch, Mailgun /…/messages, SendGrid /mail/send, SES /outbound-emails, Resend /emails(/batch), SparkPost /transmissions, MailerSend /v1/email, Brevo /v3/smtp/email, Mailjet /v3.1/send; anything else
// (the raw baseline) gets a small JSON body.
import { createServer } from 'node:http';

const json = (body) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const postmarkResult = (i) => ({ To: 'to@example.com', SubmittedAt: '2026-12-04T00:00:00Z', MessageID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ErrorCode: 0, Message: 'OK' });
let counter = 0;

function answer(path, body) {
  if (path.endsWith('/v3.1/send')) {
    // Mailjet MessageIDs exceed 2^53: written as bare digits, as Mailjet does.
    const messages = JSON.parse(body).Messages.map((m) => ({
      Status: 'success',
      CustomID: '',
      To: m.To.map((to) => ({ Email: to.Email, MessageUUID: `uuid-${++counter}`, MessageID: `@@${288230376151711744n + BigInt(counter)}@@`, MessageHref: 'https://api.mailjet.com/v3/REST/message/1' })),
      Cc: [],
      Bcc: [],
    }));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Messages: messages }).replace(/"@@(\d+)@@"/g, '$1') };
  }
  if (path.endsWith('/smtp/email')) {
    const versions = JSON.parse(body).messageVersions;
    if (versions) return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messageIds: versions.map(() => `<${++counter}.bench@smtp-relay.mailin.fr>`) }) };
    return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messageId: `<${++counter}.bench@smtp-relay.mailin.fr>` }) };
  }
  if (path.endsWith('/v1/bulk-email')) return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'The bulk email is being processed.', bulk_email_id: `bulk${++counter}` }) };
  if (path.endsWith('/v1/email')) return { status: 202, headers: { 'x-message-id': `ms${(++counter).toString(16).padStart(24, '0')}` }, body: '' };
  if (path.includes('/transmissions')) {
    const accepted = (JSON.parse(body).recipients ?? []).length;
    return json({ results: { total_rejected_recipients: 0, total_accepted_recipients: accepted, id: String(7000000000000000000n + BigInt(++counter)) } });
  }
  if (path.endsWith('/emails/batch')) return json({ data: JSON.parse(body).map(() => ({ id: `resend-${++counter}` })) });
  if (path.endsWith('/emails')) return json({ id: `resend-${++counter}` });
  if (path.endsWith('/email/batch')) return json(JSON.parse(body).map(() => postmarkResult(++counter)));
  if (path.endsWith('/email')) return json(postmarkResult(++counter));
  if (path.endsWith('/messages')) return json({ id: `<bench.${++counter}@example.com>`, message: 'Queued. Thank you.' });
  if (path.endsWith('/mail/send')) return { status: 202, headers: { 'x-message-id': `benchmessageid${++counter}` }, body: '' };
  if (path.endsWith('/outbound-emails')) return json({ MessageId: `0100018c-bench-${++counter}-000000` });
  return json({ id: `raw-${++counter}` });
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const { status, headers, body } = answer(request.url ?? '/', Buffer.concat(chunks).toString());
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
