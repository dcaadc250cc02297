import { describeOutboxStoreConformance } from '../src/test/index.js';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';

const schema = uniqueSchema();

describeOutboxStoreConformance({
  name: 'PostgreSQL',
  async setup() {
    return { database: POSTGRES_URL, schema };
  },
  async teardown() {
    await dropSchema(schema);
  },
});
