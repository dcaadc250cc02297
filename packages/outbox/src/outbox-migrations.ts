/**
 * Versioned migrations, run by `outbox.migrate()` and `anymail-outbox migrate`. Kysely's
 * Migrator records what ran and holds a lock (an advisory lock on PostgreSQL), so two
 * workers starting at once do not both migrate. Never edit a released migration: add one.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { AnymailConfigurationError } from '@anymail/core';
import type { OutboxDialect } from './outbox-database.js';
import { legacyMessage, storedMessage, type LegacyRow } from './outbox-stored-message.js';

type AnyDb = Kysely<any>;

function types(dialect: OutboxDialect) {
  const pg = dialect === 'postgres';
  return {
    id: pg ? sql`bigserial` : sql`integer`,
    bigint: pg ? sql`bigint` : sql`integer`,
    blob: pg ? sql`bytea` : sql`blob`,
  };
}

function idColumn(dialect: OutboxDialect) {
  return (column: any) => (dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement());
}

function initial(dialect: OutboxDialect): Migration {
  const t = types(dialect);
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('outbox_template')
        .addColumn('id', t.id, idColumn(dialect))
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('content', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('html_content', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('language', 'varchar(12)', (c) => c.notNull().defaultTo(''))
        .addColumn('default_template_id', t.bigint, (c) => c.references('outbox_template.id').onDelete('cascade'))
        .addColumn('created', t.bigint, (c) => c.notNull())
        .addColumn('last_updated', t.bigint, (c) => c.notNull())
        .addUniqueConstraint('outbox_template_name_language', ['name', 'language'])
        .execute();
      await db.schema
        .createTable('outbox_email')
        .addColumn('id', t.id, idColumn(dialect))
        .addColumn('from_email', 'text', (c) => c.notNull())
        .addColumn('to', 'text', (c) => c.notNull())
        .addColumn('cc', 'text', (c) => c.notNull())
        .addColumn('bcc', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('html_message', 'text', (c) => c.notNull())
        .addColumn('headers', 'text')
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('status', 'varchar(12)', (c) => c.notNull())
        .addColumn('scheduled_time', t.bigint)
        .addColumn('expires_at', t.bigint)
        .addColumn('number_of_retries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('backend_alias', 'varchar(64)', (c) => c.notNull().defaultTo('default'))
        .addColumn('template_id', t.bigint, (c) => c.references('outbox_template.id').onDelete('set null'))
        .addColumn('language', 'varchar(12)', (c) => c.notNull().defaultTo(''))
        .addColumn('context', 'text')
        .addColumn('render_on_delivery', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('message_id', 'varchar(255)')
        .addColumn('locked_by', 'varchar(128)')
        .addColumn('locked_until', t.bigint)
        .addColumn('created', t.bigint, (c) => c.notNull())
        .addColumn('last_updated', t.bigint, (c) => c.notNull())
        .execute();
      // The claim query walks this index: only mail still to send, in the default order.
      await db.schema
        .createIndex('outbox_email_due')
        .on('outbox_email')
        .columns(['priority desc', 'id'])
        .where(sql.ref('status'), 'in', ['queued', 'requeued'])
        .execute();
      await db.schema.createIndex('outbox_email_created').on('outbox_email').column('created').execute();
      await db.schema
        .createTable('outbox_log')
        .addColumn('id', t.id, idColumn(dialect))
        .addColumn('email_id', t.bigint, (c) => c.notNull().references('outbox_email.id').onDelete('cascade'))
        .addColumn('status', 'varchar(12)', (c) => c.notNull())
        .addColumn('exception_type', 'varchar(255)', (c) => c.notNull().defaultTo(''))
        .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('date', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbox_log_email').on('outbox_log').column('email_id').execute();
      await db.schema
        .createTable('outbox_attachment')
        .addColumn('id', t.id, idColumn(dialect))
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('mimetype', 'varchar(255)', (c) => c.notNull())
        .addColumn('headers', 'text')
        .addColumn('content', t.blob)
        .addColumn('file_path', 'text')
        .addColumn('created', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('outbox_email_attachment')
        .addColumn('email_id', t.bigint, (c) => c.notNull().references('outbox_email.id').onDelete('cascade'))
        .addColumn('attachment_id', t.bigint, (c) => c.notNull().references('outbox_attachment.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('outbox_email_attachment_pk', ['email_id', 'attachment_id'])
        .execute();
      await db.schema
        .createIndex('outbox_email_attachment_attachment')
        .on('outbox_email_attachment')
        .column('attachment_id')
        .execute();
    },
  };
}

/** Anymail's ESP features (metadata, tags, merge data, espExtra, …) as JSON text; null on older rows. */
const espOptions: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('outbox_email').addColumn('esp_options', 'text').execute();
  },
};

/**
 * The whole message in core's codec (message_json) and each attachment's place (position).
 * Existing rows get their message built from their columns, as the previous version
 * delivered them, so one code path reads every row afterwards.
 */
const messageCodec: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('outbox_email').addColumn('message_json', 'text').execute();
    await db.schema.alterTable('outbox_email_attachment').addColumn('position', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    let after = -1;
    for (;;) {
      const rows = await db
        .selectFrom('outbox_email')
        .select(['id', 'from_email', 'to', 'cc', 'bcc', 'subject', 'message', 'html_message', 'headers', 'esp_options', 'render_on_delivery'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(500)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        // Left as the earlier version stored it (no key here): sealing applies to mail queued from now on.
        const { json } = storedMessage(legacyMessage(row as LegacyRow), undefined, false);
        await db.updateTable('outbox_email').set({ message_json: json }).where('id', '=', row.id).execute();
      }
      after = Number(rows.at(-1)!.id);
    }
  },
};

/** What the ESP said: columns on the email, and a row per recipient that tracking events find by ESP message id. */
function sendResult(dialect: OutboxDialect): Migration {
  const t = types(dialect);
  return {
    async up(db: AnyDb) {
      for (const [column, type] of [['esp_name', 'varchar(64)'], ['esp_message_id', 'varchar(255)'], ['delivery_status', 'varchar(16)'], ['send_result', 'text']] as const) {
        await db.schema.alterTable('outbox_email').addColumn(column, type).execute();
      }
      await db.schema
        .createTable('outbox_recipient')
        .addColumn('email_id', t.bigint, (c) => c.notNull().references('outbox_email.id').onDelete('cascade'))
        .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
        .addColumn('esp_name', 'varchar(64)', (c) => c.notNull())
        .addColumn('esp_message_id', 'varchar(255)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('updated', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('outbox_recipient_pk', ['email_id', 'recipient'])
        .execute();
      await db.schema.createIndex('outbox_recipient_esp_message_id').on('outbox_recipient').column('esp_message_id').execute();
      await db.schema.createIndex('outbox_email_esp_message_id').on('outbox_email').column('esp_message_id').execute();
    },
  };
}

/** FailoverBackend's breaker state, shared by every worker through `outbox.healthStore()`. */
function backendHealth(dialect: OutboxDialect): Migration {
  const t = types(dialect);
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('outbox_backend_health')
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
        .addColumn('open_until', t.bigint, (c) => c.notNull())
        .addColumn('updated', t.bigint, (c) => c.notNull())
        .execute();
    },
  };
}

/** Every migration, by name; names sort in the order they run. */
export function outboxMigrations(dialect: OutboxDialect): Record<string, Migration> {
  return { '0001_initial': initial(dialect), '0002_esp_options': espOptions, '0003_message_codec': messageCodec, '0004_send_result': sendResult(dialect), '0005_backend_health': backendHealth(dialect) };
}

/**
 * Run every pending migration, or (`target`, for upgrade tests) only those up to and
 * including the named one. Resolves to the names that ran.
 */
export async function migrateOutbox(db: AnyDb, dialect: OutboxDialect, schema: string | undefined, target?: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => outboxMigrations(dialect) };
  const migrator = new Migrator({
    db: schema === undefined ? db : db.withSchema(schema),
    provider,
    migrationTableName: 'outbox_migration',
    migrationLockTableName: 'outbox_migration_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  if (schema !== undefined) await db.schema.createSchema(schema).ifNotExists().execute();
  const { error, results } = target === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(target);
  if (error) {
    throw new AnymailConfigurationError(`Outbox migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
