import { setTimeout as sleep } from 'node:timers/promises';
import { readRssMB } from '../proc.js';
import { LatticeProcess, type LaunchOptions, type ServerBuild } from '../server.js';
import { median } from '../stats.js';

export interface StartupResult {
  /** Milliseconds from spawning the process to the first 200 response to GET /versions, on a new database. */
  freshMs: { median: number; min: number; samples: number[] };
  /** The same on the database a previous start created, so migrations and key generation are skipped. */
  restartMs: { median: number; min: number; samples: number[] };
  /** CPU time (user plus system) the process used until /versions first responded, on a new database. */
  freshCpuMs: { median: number; min: number; samples: number[] };
  /** RSS one second after each fresh start, with no client connected. */
  idleRssMB: { median: number; max: number; samples: number[] };
}

// The idle RSS is read this long after /versions first responds, once start-up work has settled.
const IDLE_SETTLE_MS = 1000;

/** Starts and stops Lattice `repeats` times on new databases and again on each one's existing database. */
export async function runStartup(build: ServerBuild, launch: LaunchOptions, repeats: number, log: (message: string) => void): Promise<StartupResult> {
  const fresh: number[] = [];
  const freshCpu: number[] = [];
  const restart: number[] = [];
  const idle: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const first = await LatticeProcess.start(build, launch);
    fresh.push(first.startupMs);
    freshCpu.push(first.startup.startupCpuMs);
    await sleep(IDLE_SETTLE_MS);
    const rss = readRssMB(first.pid);
    if (rss !== undefined) idle.push(rss);
    await first.stop();
    const second = await LatticeProcess.start(build, launch, first);
    restart.push(second.startupMs);
    await second.dispose();
    log(`startup: fresh ${first.startupMs.toFixed(0)} ms (CPU ${first.startup.startupCpuMs.toFixed(0)} ms), restart ${second.startupMs.toFixed(0)} ms, idle RSS ${rss?.toFixed(1)} MB`);
  }
  return {
    freshMs: { median: median(fresh), min: Math.min(...fresh), samples: fresh },
    freshCpuMs: { median: median(freshCpu), min: Math.min(...freshCpu), samples: freshCpu },
    restartMs: { median: median(restart), min: Math.min(...restart), samples: restart },
    idleRssMB: { median: median(idle), max: Math.max(...idle), samples: idle },
  };
}
