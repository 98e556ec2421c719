/**
 * Measures attention collapse in a deep ViT with and without MAS
 * (src/tasks/attention-collapse.ts) and writes OUT/attention-collapse.json
 * and OUT/attention-collapse.png.
 *
 *   node --import tsx scripts/attention_collapse.ts [--out DIR] [--steps N] [--depth L] [--dim D] [--heads H] [--batch B] [--seed S]
 *
 * Defaults: 24 blocks, D = 64, 4 heads, patch 4 on Fashion-MNIST (28×28,
 * 7×7 tokens), 300 Adam steps of batch 32 per model, wasm backend.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine } from '../src/engine/backend.js';
import { writeFileAtomic, writeJsonAtomic } from '../src/io/atomic.js';
import { attentionCollapseSpec, measureAttentionCollapse } from '../src/tasks/attention-collapse.js';
import { writeFigure } from '../src/plot/vega.js';

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number;
function flag(name: string, fallback: string): string;
function flag(name: string, fallback: number | string): number | string {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = args[i + 1];
  if (typeof fallback === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`--${name}: got ${value}, expected a number`);
    return n;
  }
  return value;
}

const out = flag('out', 'attention-collapse');
mkdirSync(out, { recursive: true });
const engine = await initEngine({ backend: 'wasm' });
process.stderr.write(`backend ${engine.backend}\n`);
const report = await measureAttentionCollapse({
  steps: flag('steps', 300),
  depth: flag('depth', 24),
  embedDim: flag('dim', 64),
  numHeads: flag('heads', 4),
  batchSize: flag('batch', 32),
  seed: flag('seed', 0),
  onProgress: (line) => process.stderr.write(line + '\n'),
});
writeJsonAtomic(join(out, 'attention-collapse.json'), report);
await writeFigure(join(out, 'attention-collapse.png'), attentionCollapseSpec(report));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const deep = (v: number[]) => mean(v.slice(Math.floor(v.length / 2)));
for (const side of [report.plain, report.mas]) {
  process.stdout.write(
    `${side.mas ? 'MAS  ' : 'plain'}: ${side.parameters} parameters, ${side.stepMs.toFixed(0)} ms/step; neighbour-map cosine untrained mean ${mean(side.untrained).toFixed(3)}, trained mean ${mean(side.trained).toFixed(3)} (deeper half ${deep(side.trained).toFixed(3)}); probe accuracy ${side.probeAccuracy.toFixed(3)}\n`,
  );
}
process.stdout.write(`MAS cost: +${report.mas.parameters - report.plain.parameters} parameters, step time ×${(report.mas.stepMs / report.plain.stepMs).toFixed(3)}; wrote ${join(out, 'attention-collapse.json')}, ${join(out, 'attention-collapse.png')}\n`);
