/**
 * Examples that must stay valid however long the server runs: a date example is written as
 * a placeholder and replaced by a real instant when the document is built (at start), so
 * Swagger UI never prefills a `closesAt` that has passed.
 */
const PLACEHOLDER = /^\{\{now([+-]\d+)d\}\}$/;

/** An example date `days` from the moment the document is built. */
export function relativeDateExample(days: number): string {
  return `{{now${days >= 0 ? '+' : ''}${days}d}}`;
}

/** Whole UTC days keep the example readable and stable within a day. */
function resolve(text: string, now: Date): string {
  const match = PLACEHOLDER.exec(text);
  if (!match) return text;
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(day + Number(match[1]) * 86_400_000).toISOString();
}

/** Replaces every date placeholder in the document (in place) with a date relative to `now`. */
export function resolveRelativeExamples<T>(node: T, now: Date): T {
  if (Array.isArray(node)) {
    const list = node as unknown[];
    list.forEach((item, index) => {
      list[index] =
        typeof item === 'string' ? resolve(item, now) : resolveRelativeExamples(item, now);
    });
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      record[key] =
        typeof value === 'string' ? resolve(value, now) : resolveRelativeExamples(value, now);
    }
  }
  return node;
}
