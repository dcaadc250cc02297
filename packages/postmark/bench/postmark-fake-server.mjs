// Loopback fake Postmark for the bench, in its own process so its CPU is not counted.
// /email answers one result; /email/batch answers one result per message of the array.
import { createServer } from 'node:http';

let counter = 0;
const result = () =>
  `{"To":"to@example.com","SubmittedAt":"2026-01-01T00:00:00.0000000Z","MessageID":"00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}","ErrorCode":0,"Message":"OK"}`;

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let reply;
    if (request.url === '/email/batch') {
      const count = JSON.parse(Buffer.concat(chunks).toString('utf8')).length;
      reply = `[${Array.from({ length: count }, result).join(',')}]`;
    } else reply = result();
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
