// `make bench BENCH_ARGS=--profile`: where burrow's CPU goes. Each burrow-wg runs with `--cpu-prof` (Node writes a
// .cpuprofile when it exits); this reads them back as the functions with the most self time, native calls counted
// in the JavaScript function that made them.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The `top` functions by share of sampled time in each profile in `dir`, as printable lines. */
export async function summarizeProfiles(dir: string, top = 15): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const lines: string[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfTime = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, index) => {
      const frame = byId.get(id)?.callFrame;
      const delta = profile.timeDeltas[index] ?? 0;
      const where = frame ? `${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
      const name = `${frame?.functionName || '(anonymous)'} ${where}`.trim();
      selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
      total += delta;
    });
    lines.push(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
    for (const [name, time] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`  ${((time / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
    }
  }
  return lines;
}
