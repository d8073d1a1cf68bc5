import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on nearly every Linux). */
export function clockTicks(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return out.status === 0 && n > 0 ? n : 100;
}

/** Busy jiffies of the whole machine from /proc/stat, or null off Linux. */
export function machineBusyTicks(): number | null {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal (guest time is already in user)
    const f = first.trim().split(/\s+/).slice(1, 9).map(Number);
    return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  } catch {
    return null;
  }
}

/** utime + stime of one process (all its threads) in jiffies, or null if unreadable. */
export function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

export interface CpuWindow {
  /** Cores kept busy by the server under test, by everything else (minus the load generator). */
  finish(
    wallSeconds: number,
    generatorCores: number,
  ): { server: number | null; other: number | null };
}

/** Starts measuring CPU use of `serverPid` and of the rest of the machine. */
export function cpuWindow(serverPid: number | undefined, ticksPerSecond: number): CpuWindow {
  const machine0 = machineBusyTicks();
  const server0 = serverPid ? processTicks(serverPid) : null;
  return {
    finish(wallSeconds, generatorCores) {
      const machine1 = machineBusyTicks();
      const server1 = serverPid ? processTicks(serverPid) : null;
      const cores = (a: number | null, b: number | null) =>
        a === null || b === null ? null : (b - a) / ticksPerSecond / wallSeconds;
      const server = cores(server0, server1);
      const machine = cores(machine0, machine1);
      const other = machine === null ? null : Math.max(0, machine - (server ?? 0) - generatorCores);
      return { server, other };
    },
  };
}
