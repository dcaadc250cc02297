export { answerSes, sesFakeRoutes, sesMessageId, type SesFakeAnswer, type SesFakeOptions } from './ses-fake.js';
export { sesMswHandlers } from './ses-msw.js';
