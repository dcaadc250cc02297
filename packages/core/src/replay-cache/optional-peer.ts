import { AnymailConfigurationError } from '../errors.js';

/**
 * Import an optional peer dependency. When it isn't installed, the error names the package, what
 * needs it and both fixes (install it, or pass a client instance you built yourself).
 */
export async function importOptionalPeer<Module>(name: string, neededBy: string): Promise<Module> {
  try {
    return (await import(name)) as Module;
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new AnymailConfigurationError(
        `${neededBy} needs the package "${name}", an optional peer dependency of @anymail/core that is not installed. ` +
          `Install it (npm install ${name}), or pass a client instance you created.`,
        { cause },
      );
    }
    throw cause;
  }
}
