import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The machine and code a result was measured on, recorded beside every number. */
export interface Environment {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryMiB: number;
  node: string;
  commit: string;
  /** True when src/ had uncommitted changes, so the commit alone does not name the code measured. */
  srcDirty: boolean;
  command: string;
}

export function readEnvironment(root: string, command: string): Environment {
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: readCpuModel(),
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    commit: git(root, ['rev-parse', '--short', 'HEAD']),
    srcDirty: git(root, ['status', '--porcelain', '--', 'src']) !== '',
    command,
  };
}

function readCpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Reads the 1-minute load average from /proc/loadavg; returns NaN where /proc is absent. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/**
 * Resident set size of a process in MB (10^6 bytes), from VmRSS in /proc/<pid>/status, which the
 * kernel reports in KiB. Returns undefined once the process has exited.
 */
export function readRssMB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? (Number(match[1]) * 1024) / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture.
const TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process in milliseconds, from /proc/<pid>/stat; undefined once it has exited. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in field 2 may contain spaces, so fields are counted after its closing bracket.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the largest sample. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    const rss = readRssMB(this.pid);
    if (rss !== undefined && rss > this.peak) this.peak = rss;
  }
}
