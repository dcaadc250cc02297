// Loopback fake Resend for the bench, in its own process so its CPU is not counted.
// /emails answers {"id"}; /emails/batch answers {"data": [{"id"}, ...]}, one id per email of the array.
import { createServer } from 'node:http';

let counter = 0;
const id = () => `{"id":"00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}"}`;

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let reply;
    if (request.url === '/emails/batch') {
      const count = JSON.parse(Buffer.concat(chunks).toString('utf8')).length;
      reply = `{"data":[${Array.from({ length: count }, id).join(',')}]}`;
    } else reply = id();
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(reply),
      'ratelimit-limit': '20',
      'ratelimit-remaining': '19',
      'ratelimit-reset': '1',
    });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
