import { createInterface } from 'node:readline/promises';

/** Asks questions on the terminal; prompts go to stderr so stdout stays clean for output. */
export class Prompter {
  private readonly readline = createInterface({ input: process.stdin, output: process.stderr });

  /** Returns the typed answer, or the default when the answer is empty. */
  async ask(question: string, fallback?: string): Promise<string> {
    const suffix = fallback ? ` [${fallback}]` : '';
    const answer = (await this.readline.question(`${question}${suffix}: `)).trim();
    return answer === '' ? (fallback ?? '') : answer;
  }

  close(): void {
    this.readline.close();
  }
}
