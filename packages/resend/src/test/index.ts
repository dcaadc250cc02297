export { answerResend, createResendFakeState, resendFakeRoutes, type ResendFakeAnswer, type ResendFakeOptions, type ResendFakeState } from './resend-fake.js';
export { resendMswHandlers } from './resend-msw.js';
