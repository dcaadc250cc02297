export { createMailerSendFake, mailerSendFakeRoutes, type MailerSendFakeAnswer, type MailerSendFakeOptions } from './mailersend-fake.js';
export { mailerSendMswHandlers } from './mailersend-msw.js';
export { mailerSendEmailSchema, mailerSendRequestErrors, type MailerSendEmailBody } from './mailersend-request-schema.js';
