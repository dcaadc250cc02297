// Loopback fake ESP for benchmarks, run in its own process so its CPU isn't counted.
import { createServer } from 'node:http';

const reply = process.env.BENCH_REPLY ?? '{"id":"<bench@example.com>","message":"Queued. Thank you."}';
let served = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    served++;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('message', (message) => {
  if (message === 'count') process.send?.({ served });
  if (message === 'stop') server.close(() => process.exit(0));
});
