export { answerPostmark, postmarkFakeRoutes, type PostmarkFakeAnswer, type PostmarkFakeOptions } from './postmark-fake.js';
export { postmarkMswHandlers } from './postmark-msw.js';
