import { createInterface } from 'node:readline';

/**
 * Asks questions on the terminal; prompts go to stderr so stdout stays clean for output. Lines
 * are read in order from one iterator, so answers pasted ahead of their questions are kept.
 */
export class Prompter {
  private readonly readline = createInterface({ input: process.stdin, terminal: false });
  private readonly lines = this.readline[Symbol.asyncIterator]();

  /** Returns the typed answer, or the default when the answer is empty or input has ended. */
  async ask(question: string, fallback?: string): Promise<string> {
    process.stderr.write(`${question}${fallback ? ` [${fallback}]` : ''}: `);
    const next = await this.lines.next();
    const answer = next.done ? '' : String(next.value).trim();
    return answer === '' ? (fallback ?? '') : answer;
  }

  close(): void {
    this.readline.close();
  }
}
