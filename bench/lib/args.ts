import type { BenchOptions } from './types';

export const USAGE = `Usage: npm run bench -- [options]

  --only <a,b>          scenarios to run (default: all)
  --duration <s>        seconds per side and level (default 6; 10 or more for steadier numbers)
  --rounds <n>          slices per side and level, alternating ours/reference (default 4)
  --warmup <s>          seconds of one discarded warm-up run per side (default 4, 0 = none)
  --connections <n,m>   connection levels (default 10,50)
  --no-pin              do not pin servers and load generator to separate CPUs
  --list                list scenarios and exit
  --report-only         rebuild docs/benchmarks.md and plots from docs/bench-data, run nothing
  --help                this text`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs extends BenchOptions {
  list: boolean;
  reportOnly: boolean;
  help: boolean;
}

function positiveNumber(flag: string, value: string | undefined, integer: boolean): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} expects a ${integer ? 'whole ' : ''}number, got "${value}"`);
  }
  return n;
}

/** Parses `--flag value` and `--flag=value`. `pinDefault` is whether pinning is possible here. */
export function parseArgs(argv: string[], pinDefault = true): ParsedArgs {
  const parsed: ParsedArgs = {
    only: null,
    duration: 6,
    rounds: 4,
    warmup: 4,
    connections: [10, 50],
    pin: pinDefault,
    list: false,
    reportOnly: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--only': {
        const names = (value() ?? '').split(',').map((s) => s.trim());
        if (names.some((s) => s === '')) throw new UsageError('--only expects names: a,b');
        parsed.only = names;
        break;
      }
      case '--duration':
        parsed.duration = positiveNumber(flag, value(), false);
        if (parsed.duration < 1) throw new UsageError('--duration must be at least 1 s');
        break;
      case '--rounds':
        parsed.rounds = positiveNumber(flag, value(), true);
        if (parsed.rounds < 1) throw new UsageError('--rounds must be at least 1');
        break;
      case '--warmup':
        parsed.warmup = positiveNumber(flag, value(), false);
        break;
      case '--connections': {
        const raw = value();
        const levels = (raw ?? '').split(',').map((s) => positiveNumber(flag, s.trim(), true));
        if (levels.length === 0 || levels.some((n) => n < 1)) {
          throw new UsageError('--connections expects whole numbers ≥ 1: 10,50');
        }
        parsed.connections = [...new Set(levels)].sort((a, b) => a - b);
        break;
      }
      case '--pin':
        parsed.pin = true;
        break;
      case '--no-pin':
        parsed.pin = false;
        break;
      case '--list':
        parsed.list = true;
        break;
      case '--report-only':
        parsed.reportOnly = true;
        break;
      case '--help':
      case '-h':
        parsed.help = true;
        break;
      default:
        throw new UsageError(`Unknown argument "${arg}"`);
    }
  }
  return parsed;
}
