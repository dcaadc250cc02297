export { answerBrevo, brevoFakeRoutes, fakeBrevoMessageId, type BrevoFakeAnswer, type BrevoFakeOptions } from './brevo-fake.js';
export { brevoMswHandlers } from './brevo-msw.js';
