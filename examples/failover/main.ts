import { runFailoverDemo } from './failover-demo.js';

await runFailoverDemo();
