// Loopback fake SparkPost for the bench, in its own process so its CPU is not counted.
// POST /api/v1/transmissions answers every recipient accepted, with an id beyond 2^53.
import { createServer } from 'node:http';

let counter = 11668787484950529n;

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const { recipients } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const count = Array.isArray(recipients) ? recipients.length : 1;
    const reply = `{"results":{"total_rejected_recipients":0,"total_accepted_recipients":${count},"id":"${(counter++).toString()}"}}`;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
