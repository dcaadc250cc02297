/**
 * What to suggest for an email backend name that is neither an alias, a built-in nor a
 * loadable module: the nearest built-in ('consol' → 'console'), or the ESP package a name
 * points at ('postmark', 'PostmarkBackend', 'postmrk' → '@anymail/postmark').
 */
const ESP_PACKAGES: Record<string, string> = {
  mailgun: '@anymail/mailgun',
  sendgrid: '@anymail/sendgrid',
  postmark: '@anymail/postmark',
  ses: '@anymail/ses',
  amazonses: '@anymail/ses',
  outbox: '@anymail/outbox',
};

/** Edit distance (insert, delete, substitute), for short names. */
function distance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      // A swap of neighbours ('smpt') counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j]!, beforePrevious[j - 2]! + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(name, candidate);
    // Allow one typo in four letters (at most two), so 'ses' does not match 'file'.
    if (score <= Math.min(2, Math.floor(candidate.length / 4) || 1) && (!best || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

/** A sentence to append to the unknown-backend error, or '' when nothing is close. */
export function suggestBackend(specifier: string, builtIns: readonly string[]): string {
  const moduleName = specifier.split('#')[0]!;
  const isPackageName = moduleName.startsWith('@') || moduleName.includes('/');
  if (isPackageName) {
    const espPackage = Object.values(ESP_PACKAGES).find((name) => name === moduleName);
    return espPackage
      ? ` It is an Anymail ESP package: install it in your app (npm install ${espPackage}).`
      : ` If it is a package, install it in your app (npm install ${moduleName}); otherwise fix the name.`;
  }
  const key = moduleName.toLowerCase().replace(/[-_\s]/g, '').replace(/(email)?backend$/, '');
  const builtIn = builtIns.includes(key) ? key : nearest(key, builtIns);
  if (builtIn) return ` Did you mean the built-in ${JSON.stringify(builtIn)}?`;
  const esp = ESP_PACKAGES[key] ?? ESP_PACKAGES[nearest(key, Object.keys(ESP_PACKAGES)) ?? ''];
  if (esp) return ` Did you mean the ESP package ${JSON.stringify(esp)}? Install it (npm install ${esp}) and use emailBackend: ${JSON.stringify(esp)}.`;
  return ` Use a built-in, an alias, an ESP package such as "@anymail/postmark", or a module path such as "./mail-backend.js#MyBackend".`;
}
