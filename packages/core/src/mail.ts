import type { BaseEmailBackend } from './backends/base-email-backend.js';
import { getConnection, type GetConnectionOptions } from './connection.js';
import { AnymailConfigurationError } from './errors.js';
import { EmailMessage } from './message.js';
import { getSettings, type BackendSpec } from './settings.js';

export interface SendMailOptions {
  subject: string;
  message: string;
  from?: string;
  recipientList: readonly string[];
  htmlMessage?: string;
  failSilently?: boolean;
  connection?: BaseEmailBackend;
  /** SMTP username for this call (Django's auth_user); for the default connection only. */
  authUser?: string;
  /** SMTP password for this call (Django's auth_password). */
  authPassword?: string;
}

/** Per-call SMTP credentials and failSilently, as getConnection options (undefined ones left out). */
function connectionOptions(options: { failSilently?: boolean; authUser?: string; authPassword?: string }): GetConnectionOptions {
  return {
    failSilently: options.failSilently,
    ...(options.authUser !== undefined ? { username: options.authUser } : {}),
    ...(options.authPassword !== undefined ? { password: options.authPassword } : {}),
  };
}

/** Send one message (Django's send_mail). Resolves to 1 when sent, 0 when not. */
export async function sendMail(options: SendMailOptions): Promise<number> {
  const connection = options.connection ?? (await getConnection(undefined, connectionOptions(options)));
  const message = new EmailMessage({
    subject: options.subject,
    body: options.message,
    from: options.from,
    to: options.recipientList,
    connection,
  });
  if (options.htmlMessage !== undefined) message.attachAlternative(options.htmlMessage, 'text/html');
  return connection.sendMessages([message]);
}

/** [subject, message, from, recipientList] */
export type MassMailTuple = readonly [subject: string, message: string, from: string | undefined, recipientList: readonly string[]];

/** Send several messages over one connection (Django's send_mass_mail). Resolves to the number sent. */
export async function sendMassMail(
  datatuple: Iterable<MassMailTuple>,
  options: { failSilently?: boolean; connection?: BaseEmailBackend; authUser?: string; authPassword?: string } = {},
): Promise<number> {
  const connection = options.connection ?? (await getConnection(undefined, connectionOptions(options)));
  const messages = [...datatuple].map(
    ([subject, body, from, to]) => new EmailMessage({ subject, body, from, to, connection }),
  );
  const opened = await connection.open();
  try {
    return await connection.sendMessages(messages);
  } finally {
    if (opened) await connection.close();
  }
}

export interface MailPeopleOptions {
  failSilently?: boolean;
  connection?: BaseEmailBackend;
  htmlMessage?: string;
}

/**
 * Subject prefix of mailAdmins/mailManagers when `emailSubjectPrefix` is not set (Django's
 * default names its framework, '[Django] '; ours names this library).
 */
export const DEFAULT_SUBJECT_PREFIX = '[Anymail] ';

function formatPerson(person: string | readonly [string, string]): string {
  if (typeof person === 'string') return person;
  const [name, address] = person;
  return `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

async function mailPeople(
  setting: 'admins' | 'managers',
  subject: string,
  body: string,
  options: MailPeopleOptions,
): Promise<number> {
  const settings = getSettings();
  const people = settings[setting] ?? [];
  if (people.length === 0) return 0;
  if (!people.every((person) => typeof person === 'string' || (Array.isArray(person) && person.length === 2))) {
    throw new AnymailConfigurationError(`The ${setting} setting must be a list of addresses or [name, address] pairs.`);
  }
  const connection = options.connection ?? (await getConnection(undefined, { failSilently: options.failSilently }));
  const message = new EmailMessage({
    subject: `${settings.emailSubjectPrefix ?? DEFAULT_SUBJECT_PREFIX}${subject}`,
    body,
    from: settings.serverEmail ?? 'root@localhost',
    to: people.map(formatPerson),
    connection,
  });
  if (options.htmlMessage !== undefined) message.attachAlternative(options.htmlMessage, 'text/html');
  return connection.sendMessages([message]);
}

/** Mail the `admins` setting (Django's mail_admins), with `emailSubjectPrefix`. */
export function mailAdmins(subject: string, message: string, options: MailPeopleOptions = {}): Promise<number> {
  return mailPeople('admins', subject, message, options);
}

/** Mail the `managers` setting (Django's mail_managers), with `emailSubjectPrefix`. */
export function mailManagers(subject: string, message: string, options: MailPeopleOptions = {}): Promise<number> {
  return mailPeople('managers', subject, message, options);
}

/**
 * Django's `with get_connection() as connection:` for Node 20 (no `await using`): get a
 * connection, open it once, run `use` with it, and close it afterwards, even when `use` throws.
 * A connection already open before the call is left open.
 */
export async function withConnection<T>(use: (connection: BaseEmailBackend) => Promise<T>): Promise<T>;
export async function withConnection<T>(
  backend: BackendSpec | undefined,
  use: (connection: BaseEmailBackend) => Promise<T>,
): Promise<T>;
export async function withConnection<T>(
  backend: BackendSpec | undefined,
  options: GetConnectionOptions,
  use: (connection: BaseEmailBackend) => Promise<T>,
): Promise<T>;
export async function withConnection<T>(...args: unknown[]): Promise<T> {
  const use = args.pop() as (connection: BaseEmailBackend) => Promise<T>;
  if (typeof use !== 'function') throw new AnymailConfigurationError('withConnection needs a callback: withConnection(backend?, options?, async (connection) => { ... })');
  const [backend, options] = args as [BackendSpec | undefined, GetConnectionOptions | undefined];
  const connection = await getConnection(backend as string | undefined, options);
  const opened = await connection.open();
  try {
    return await use(connection);
  } finally {
    if (opened) await connection.close();
  }
}
