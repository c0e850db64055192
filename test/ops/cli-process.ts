import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
// An absolute loader URL, so the CLI also runs with a working folder outside the repository.
export const TSX_LOADER = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lattice <args>` as an operator would, with no terminal on stdin, and collects its output. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' rather than 'exit': it fires once stdout and stderr are fully read.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** A `lattice start` process whose exit code the test can read, unlike TestServer's. */
export class LatticeProcess {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const parts = buffer.split('\n');
        buffer = parts.pop() ?? '';
        this.lines.push(...parts);
      });
    }
  }

  static spawn(configPath: string): LatticeProcess {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'src/cli/main.ts'), 'start', '--config', configPath], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LatticeProcess(child);
  }

  /** Resolves when a line containing the text is printed; rejects if the process exits first. */
  async waitForLine(text: string): Promise<string> {
    for (;;) {
      const found = this.lines.find((line) => line.includes(text));
      if (found) return found;
      const exited = await Promise.race([this.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 50))]);
      if (exited) {
        const late = this.lines.find((line) => line.includes(text));
        if (late) return late;
        throw new Error(`process exited before printing "${text}":\n${this.lines.join('\n')}`);
      }
    }
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }

  /** Kills the process if a failed test left it running. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
