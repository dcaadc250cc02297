export {
  createFakeMailgun,
  mailgunFakeRoutes,
  mailgunMswHandlers,
  type FakeMailgun,
  type FakeMailgunOptions,
  type FakeMailgunReply,
  type FakeMailgunSend,
} from './mailgun-fake.js';
