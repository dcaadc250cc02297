import type { z } from 'zod';
import { checkOptions } from '../options-check.js';

/** One ESP's options: the schema, the key under `configure({ anymail })`, and the name errors use. */
export interface EspOptionsDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly espName: string;
  /** Key under `configure({ anymail: { <key>: … } })`, e.g. 'postmark'. */
  readonly settingsKey: string;
  readonly schema: S;
}

// Filled as ESP packages load; configure() checks the blocks of the ESPs it knows.
const registry = new Map<string, EspOptionsDefinition>();

export function registerEspOptions(definition: EspOptionsDefinition): void {
  registry.set(definition.settingsKey.toLowerCase(), definition);
}

/** Check a `configure({ anymail })` block against the ESPs registered so far (others are checked when constructed). */
export function checkAnymailSettings(anymail: Record<string, unknown> | undefined): void {
  if (!anymail) return;
  for (const [key, block] of Object.entries(anymail)) {
    const definition = registry.get(key.toLowerCase());
    if (definition) checkOptions(definition.schema, block, `settings anymail.${key} (${definition.espName})`);
  }
}
