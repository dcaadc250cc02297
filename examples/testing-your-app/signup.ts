// The application code under test: a signup that sends a welcome mail through whatever backend
// the app configured (in production: configure({ emailBackend: '@anymail/postmark' })).
import { EmailMessage, type BaseEmailBackend } from '@anymail/core';

export async function signUp(email: string, name: string, connection?: BaseEmailBackend): Promise<string | undefined> {
  const message = new EmailMessage({
    from: 'Shop <hello@shop.example>',
    to: [email],
    subject: `Welcome, ${name}!`,
    body: `Hi ${name}, thanks for signing up.`,
    tags: ['welcome'],
    metadata: { signupSource: 'web' },
    connection,
  });
  message.attachAlternative(`<p>Hi <b>${name}</b>, thanks for signing up.</p>`, 'text/html');
  await message.send();
  const status = message.anymailStatus;
  return typeof status?.messageId === 'string' ? status.messageId : undefined;
}
