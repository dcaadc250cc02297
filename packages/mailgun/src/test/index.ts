export {
  createFakeMailgun,
  type FakeMailgun,
  type FakeMailgunOptions,
  type FakeMailgunReply,
  type FakeMailgunSend,
} from './mailgun-fake.js';
