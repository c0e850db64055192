/**
 * Word matching for server-side search. A search term matches a text when every word of the term
 * begins some word of the text, ignoring case, so "mars" finds "Martians" but not "summarise".
 * Words are runs of Unicode letters and digits.
 */

export type SearchKey = 'content.body' | 'content.name' | 'content.topic';

export const SEARCH_KEYS: readonly SearchKey[] = ['content.body', 'content.name', 'content.topic'];

/** The event type whose content each key searches. */
export const KEY_EVENT_TYPES: Record<SearchKey, string> = {
  'content.body': 'm.room.message',
  'content.name': 'm.room.name',
  'content.topic': 'm.room.topic',
};

export interface TextMatch {
  /** Matched word occurrences per word of the text; higher means a closer match. */
  rank: number;
  /** The words of the text that matched, lower-cased, for the client to highlight. */
  matchedWords: string[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Splits text into lower-cased words. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Returns the searchable texts of an event under the requested keys. */
export function searchableTexts(type: string, content: unknown, keys: readonly SearchKey[]): string[] {
  if (typeof content !== 'object' || content === null) return [];
  const fields = content as Record<string, unknown>;
  const texts: unknown[] = [];
  if (type === 'm.room.message' && keys.includes('content.body')) texts.push(fields.body);
  if (type === 'm.room.name' && keys.includes('content.name')) texts.push(fields.name);
  if (type === 'm.room.topic' && keys.includes('content.topic')) texts.push(fields.topic, ...plainTopicBodies(fields['m.topic']));
  return texts.filter((text): text is string => typeof text === 'string');
}

/** Matches the term's words against the texts; undefined unless every word is found in one text. */
export function matchTexts(termWords: readonly string[], texts: readonly string[]): TextMatch | undefined {
  let best: TextMatch | undefined;
  for (const text of texts) {
    const words = searchWords(text);
    const matched = words.filter((word) => termWords.some((termWord) => word.startsWith(termWord)));
    const complete = termWords.every((termWord) => matched.some((word) => word.startsWith(termWord)));
    if (!complete) continue;
    const match = { rank: matched.length / words.length, matchedWords: [...new Set(matched)] };
    if (!best || match.rank > best.rank) best = match;
  }
  return best;
}

/** Returns the `text/plain` bodies of an `m.topic` content block. A representation without a mimetype is plain text. */
function plainTopicBodies(block: unknown): unknown[] {
  const representations = (block as { 'm.text'?: unknown } | null | undefined)?.['m.text'];
  if (!Array.isArray(representations)) return [];
  return representations
    .filter((entry) => {
      const mimetype = (entry as { mimetype?: unknown } | null)?.mimetype;
      return mimetype === undefined || mimetype === 'text/plain';
    })
    .map((entry) => (entry as { body?: unknown }).body);
}
