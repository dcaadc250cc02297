export { answerMailjet, mailjetFakeRoutes, type MailjetFakeAnswer, type MailjetFakeOptions } from './mailjet-fake.js';
export { mailjetMswHandlers } from './mailjet-msw.js';
