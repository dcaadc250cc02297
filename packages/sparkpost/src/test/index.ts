export { answerSparkPost, sparkPostFakeRoutes, type SparkPostFakeAnswer, type SparkPostFakeOptions } from './sparkpost-fake.js';
export { sparkPostMswHandlers } from './sparkpost-msw.js';
