/** English for counts, shared by pages, digest and CLI text. */

/** `1 night`, `3 nights`: the count and the word, with an `s` unless the count is one. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
