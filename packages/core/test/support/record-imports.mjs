// Child process: import the module given as argv[2] and print every module URL it loaded, as JSON.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { port1, port2 } = new MessageChannel();
const loaded = [];
port1.on('message', (url) => loaded.push(url));
port1.unref();
register(new URL('./record-imports-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });
await import(pathToFileURL(process.argv[2]).href);
// Let the last messages from the hooks thread arrive.
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(JSON.stringify(loaded));
