/**
 * Summarises a V8 CPU profile (as `--cpu-prof` or the inspector's Profiler writes it): self time by
 * package (a workspace package, a dependency, Node's core) and the top functions, idle excluded.
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** The parts of a V8 CPU profile the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

function packageOf(frame: ProfileNode['callFrame']): string {
  if (frame.functionName === '(garbage collector)') return '(gc)';
  if (!frame.url) return frame.functionName || '(native)';
  const dependency = frame.url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dependency) return dependency[1] as string;
  const own = frame.url.match(/\/(packages\/[^/]+|functions|scripts\/[^/]+|test)\//);
  if (own) return own[1] as string;
  return frame.url.startsWith('node:') ? 'node (core)' : frame.url;
}

/** Self time by package and the top `top` functions, as text; percentages are of busy time. */
export function summariseProfile(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const name = packageOf(node.callFrame);
    packages.set(name, (packages.get(name) ?? 0) + micros);
    const file = node.callFrame.url.split('/').slice(-2).join('/');
    const label = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
    functions.set(label, (functions.get(label) ?? 0) + micros);
  }
  const line = ([name, micros]: [string, number]) =>
    `  ${(micros / 1000).toFixed(1).padStart(8)} ms ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return [
    `busy ${(busy / 1000).toFixed(1)} ms; self time by package:`,
    ...sorted(packages).slice(0, top).map(line),
    'top functions:',
    ...sorted(functions).slice(0, top).map(line),
  ].join('\n');
}
