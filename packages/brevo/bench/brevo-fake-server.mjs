// Loopback fake Brevo for the bench, in its own process so its CPU is not counted.
// POST /v3/smtp/email answers {messageId}, or {messageIds} (one per messageVersions entry).
import { createServer } from 'node:http';

let counter = 0;
const id = () => `"<202601010000.${String(++counter).padStart(11, '0')}@smtp-relay.mailin.fr>"`;

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const versions = JSON.parse(Buffer.concat(chunks).toString('utf8')).messageVersions;
    const reply = Array.isArray(versions) ? `{"messageIds":[${versions.map(id).join(',')}]}` : `{"messageId":${id()}}`;
    response.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
