import { AnymailWebhookValidationFailure } from '../errors.js';
import type { WebhookRequest } from '../tracking/webhook-request.js';

const forms = new WeakMap<WebhookRequest, Promise<FormData>>();

/** Whether the request carries an HTML form (multipart/form-data or urlencoded). */
export function isFormRequest(request: WebhookRequest): boolean {
  return /multipart\/form-data|application\/x-www-form-urlencoded/i.test(request.headers.get('content-type') ?? '');
}

/** The request's form fields, parsed once per request (verify and parse share it). A malformed form is a 400. */
export function requestForm(request: WebhookRequest, espName: string): Promise<FormData> {
  let form = forms.get(request);
  if (!form) {
    const contentType = request.headers.get('content-type') ?? '';
    form = new Response(request.rawBody, { headers: { 'content-type': contentType } }).formData().catch((cause: unknown) => {
      throw new AnymailWebhookValidationFailure(`${espName} inbound form body could not be parsed`, { statusCode: 400, espName, cause });
    });
    forms.set(request, form);
  }
  return form;
}

/** A form field as text ('' when absent; a file field is read as UTF-8 text only through `formBytes`). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** A form field's bytes, whether it was posted as a file or as a text field. */
export async function formBytes(form: FormData, name: string): Promise<Uint8Array | undefined> {
  const value = form.get(name);
  if (value === null) return undefined;
  return typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(await value.arrayBuffer());
}

/** Every text field, as a plain object (for `espEvent`); files are listed by name, size and type. */
export function formToObject(form: FormData): Record<string, string | { filename: string; size: number; type: string }> {
  const result: Record<string, string | { filename: string; size: number; type: string }> = Object.create(null);
  for (const [name, value] of form.entries()) {
    if (name in result) continue;
    result[name] = typeof value === 'string' ? value : { filename: value.name, size: value.size, type: value.type };
  }
  return result;
}

/** JSON from a form field, or undefined when absent or malformed. */
export function formJson(form: FormData, name: string): unknown {
  const text = formText(form, name);
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The raw bytes of one text field of a multipart/form-data request (the first with that name), for
 * fields the ESP says are in a charset other than UTF-8 (FormData decodes every text field as UTF-8).
 */
export function formFieldBytes(request: WebhookRequest, name: string): Uint8Array | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers.get('content-type') ?? '');
  if (!boundary) return undefined;
  const body = Buffer.from(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`, 'latin1');
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const headersStart = start + delimiter.length + 2; // past the CRLF after the delimiter
    const headersEnd = body.indexOf('\r\n\r\n', headersStart, 'latin1');
    if (headersEnd < 0) return undefined;
    const next = body.indexOf(delimiter, headersEnd);
    if (next < 0) return undefined;
    const partHeaders = body.subarray(headersStart, headersEnd).toString('latin1');
    const partName = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(partHeaders)?.[1];
    if (partName === name) return new Uint8Array(body.subarray(headersEnd + 4, next - 2)); // without the CRLF before the delimiter
    start = next;
  }
  return undefined;
}
