/**
 * Measures attention collapse in a deep ViT with and without MAS
 * (src/tasks/attention-collapse.ts): both models trained side by side, the
 * neighbouring-block similarity, centred similarity and sharpness of their
 * attention maps on held-out test images at step 0 and every
 * --snapshot-every steps, then the median step time of each.
 *
 *   node --import tsx scripts/attention_collapse.ts [flags]
 *
 * Flags (defaults in brackets): --out DIR [attention-collapse], --data
 * ALIAS|DIR [fashion-mnist], --depth L [24], --dim D [32], --heads H [4],
 * --patch P [7], --steps N [2000], --batch B [8], --lr R [5e-4], --probe N
 * [64], --snapshot-every N [250], --timing-rounds N [10], --seed S [0],
 * --backend NAME [wasm], --replot REPORT.json (no training: draws the
 * figure of a report written earlier, into --out), --help.
 *
 * Writes, each atomically and again after every measurement (so a run cut
 * short leaves its latest complete state): DIR/attention-collapse.json (the
 * report; `complete` is true once both models finished and the step times
 * were measured), DIR/attention-collapse.png and its vega-lite spec
 * DIR/attention-collapse.vl.json. Prints the summary at the end. Ctrl-C
 * (SIGINT) or SIGTERM ends training early: both models are measured at the
 * step they reached, the step times are taken and the files written as at
 * the end of a full run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine, type BackendName } from '../src/engine/backend.js';
import { WavecvError } from '../src/errors.js';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { writeFigure } from '../src/plot/vega.js';
import { attentionCollapseSpec, measureAttentionCollapse, type AttentionCollapseReport } from '../src/tasks/attention-collapse.js';

const NUMBER_FLAGS = { depth: 24, dim: 32, heads: 4, patch: 7, steps: 2000, batch: 8, lr: 5e-4, probe: 64, 'snapshot-every': 250, 'timing-rounds': 10, seed: 0 };
const STRING_FLAGS = { out: 'attention-collapse', data: 'fashion-mnist', backend: 'wasm', replot: '' };

function parse(argv: string[]): { numbers: Record<keyof typeof NUMBER_FLAGS, number>; strings: Record<keyof typeof STRING_FLAGS, string> } {
  const numbers = { ...NUMBER_FLAGS };
  const strings = { ...STRING_FLAGS };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (name in numbers) {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n)) throw new WavecvError(`--${name}`, value, 'a number');
      numbers[name as keyof typeof NUMBER_FLAGS] = n;
    } else if (name in strings) {
      if (value === undefined) throw new WavecvError(`--${name}`, value, 'a value');
      strings[name as keyof typeof STRING_FLAGS] = value;
    } else {
      throw new WavecvError('flag', argv[i], `one of --${[...Object.keys(NUMBER_FLAGS), ...Object.keys(STRING_FLAGS)].join(', --')}, --help`);
    }
  }
  return { numbers, strings };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const deeperHalf = (v: number[]) => mean(v.slice(Math.floor(v.length / 2)));

function summary(report: AttentionCollapseReport): string {
  const lines = [report.plain, report.mas].map((side) => {
    const first = side.snapshots[0];
    const last = side.snapshots[side.snapshots.length - 1];
    return `${side.mas ? 'MAS  ' : 'plain'}: ${side.parameters} parameters, ${side.stepMs?.toFixed(0) ?? '?'} ms/step wall, ${side.stepCpuMs?.toFixed(0) ?? '?'} ms CPU (medians); step 0 → ${last.step}: cosine mean ${mean(first.similarity).toFixed(3)} → ${mean(last.similarity).toFixed(3)} (deeper half ${deeperHalf(last.similarity).toFixed(3)}), centred ${mean(first.centredSimilarity).toFixed(3)} → ${mean(last.centredSimilarity).toFixed(3)} (deeper half ${deeperHalf(last.centredSimilarity).toFixed(3)}), sharpness ${mean(first.sharpness).toFixed(3)} → ${mean(last.sharpness).toFixed(3)}; probe accuracy ${last.probeAccuracy.toFixed(3)}`;
  });
  const { plain, mas } = report;
  if (plain.stepMs !== undefined && mas.stepMs !== undefined) lines.push(`MAS cost: +${mas.parameters - plain.parameters} parameters (+${((100 * (mas.parameters - plain.parameters)) / plain.parameters).toFixed(3)} %), step time ×${(mas.stepMs / plain.stepMs).toFixed(3)} wall, ×${(mas.stepCpuMs! / plain.stepCpuMs!).toFixed(3)} CPU`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(
      'usage: node --import tsx scripts/attention_collapse.ts [--out DIR] [--data fashion-mnist] [--depth 24] [--dim 32] [--heads 4] [--patch 7] [--steps 2000] [--batch 8] [--lr 5e-4] [--probe 64] [--snapshot-every 250] [--timing-rounds 10] [--seed 0] [--backend wasm] [--replot REPORT.json]\n' +
        'example: nice -n 10 node --import tsx scripts/attention_collapse.ts --out runs/collapse --steps 2000\n',
    );
    return;
  }
  const { numbers: n, strings: s } = parse(argv);
  mkdirSync(s.out, { recursive: true });
  if (s.replot) {
    const saved = JSON.parse(readFileSync(s.replot, 'utf8')) as AttentionCollapseReport;
    await writeFigure(join(s.out, 'attention-collapse.png'), attentionCollapseSpec(saved));
    process.stdout.write(`${summary(saved)}\nwrote ${join(s.out, 'attention-collapse.png')} and its spec\n`);
    return;
  }
  const engine = await initEngine({ backend: s.backend as BackendName });
  process.stderr.write(`backend ${engine.backend}\n`);
  const json = join(s.out, 'attention-collapse.json');
  const png = join(s.out, 'attention-collapse.png');
  let writing = Promise.resolve();
  const stop = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const)
    process.once(name, () => {
      process.stderr.write(`${name}: training stops after the current step; measuring and writing\n`);
      stop.abort();
    });
  const report = await measureAttentionCollapse({
    signal: stop.signal,
    depth: n.depth,
    embedDim: n.dim,
    numHeads: n.heads,
    patchSize: n.patch,
    steps: n.steps,
    batchSize: n.batch,
    lr: n.lr,
    probe: n.probe,
    snapshotEvery: n['snapshot-every'],
    timingRounds: n['timing-rounds'],
    seed: n.seed,
    data: s.data,
    onProgress: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    onSnapshot: (partial) => {
      const copy = structuredClone(partial);
      writing = writing.then(async () => {
        writeJsonAtomic(json, copy);
        await writeFigure(png, attentionCollapseSpec(copy));
      });
    },
  });
  await writing;
  process.stdout.write(`${summary(report)}\nwrote ${json}, ${png} and its spec\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`attention_collapse: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof WavecvError ? 2 : 1);
});
