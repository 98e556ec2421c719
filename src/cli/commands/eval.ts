/**
 * `wavecv eval <what>`: evaluations of trained models. Each evaluation is a
 * sub-command registered by one function in {@link EVAL_SUBCOMMANDS}; adding
 * one (e.g. `eval verification`) is one import and one entry in that list.
 *
 * `wavecv eval robustness`: clean, corruption (ImageNet-C style) and
 * adversarial (FGSM, PGD) accuracy of one or more classifiers, with CE/mCE
 * against a baseline (src/tasks/robustness.ts).
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { parseCorruptionList } from '../../data/corruptions/index.js';
import { check } from '../../errors.js';
import { checkOutputPath } from '../../io/output-path.js';
import { evaluateRobustness, type RobustnessReport } from '../../tasks/robustness.js';
import { choice, nonNegativeInteger, numberInRange, parseIntegerList, parseNumberList, positiveInteger } from '../option-parsers.js';
import { startEngine } from '../engine-option.js';
import { registerEvalVerification } from './eval-verification.js';
import { registerEvalSwc } from './eval-swc.js';
import { registerEvalRegister } from './register.js';
import { registerEvalSegment } from './eval-segment.js';
import { registerEvalForgery } from './eval-forgery.js';
import { examples } from '../help-examples.js';

/** Registers one `eval` sub-command on the `eval` command it is given. */
export type EvalSubcommand = (evalCommand: Command) => void;

export const EVAL_SUBCOMMANDS: EvalSubcommand[] = [registerEvalRobustness, registerEvalVerification, registerEvalSwc, registerEvalRegister, registerEvalSegment, registerEvalForgery];

export function registerEval(program: Command): void {
  const evalCommand = program.command('eval').description('evaluate trained models (see `wavecv eval <what> --help`)');
  for (const register of EVAL_SUBCOMMANDS) register(evalCommand);
}

interface RobustnessCliOptions {
  model: string[];
  name?: string;
  baseline?: string;
  data: string;
  corruptions: string;
  severities: string;
  noiseSigmas?: string;
  parameterSet: 'auto' | 'cifar' | 'imagenet';
  eps?: string;
  attacks: string;
  pgdSteps: number;
  pgdStepSize?: number;
  limit?: number;
  attackLimit?: number;
  batchSize: number;
  seed: number;
  out: string;
  json?: boolean;
}

const pct = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '   -  ' : `${(100 * v).toFixed(2).padStart(6)}`);

/** A plain-text table of the report (one row per model). */
export function formatRobustnessTable(report: RobustnessReport): string {
  const eps = report.config.epsilons as number[];
  const attackCols = eps.flatMap((e) => (['fgsm', 'pgd'] as const).filter((k) => report.models.some((m) => m.adversarial[k])).map((k) => ({ k, e })));
  const sigmas = (report.config.noiseSigmas as number[] | undefined) ?? [];
  const header = ['model'.padEnd(24), 'clean@1', 'clean@5', 'corr@1', '  mCE ', ' rmCE ', ...sigmas.map((s) => `σ=${s}`.padStart(8)), ...attackCols.map(({ k, e }) => `${k}@${e}`.padStart(10))];
  const rows = report.models.map((m) => [
    m.name.slice(0, 24).padEnd(24),
    ` ${pct(m.clean.top1)}`,
    ` ${pct(m.clean.top5)}`,
    `${pct(m.meanCorruptionTop1)}`,
    m.errors ? (100 * m.errors.mCE).toFixed(1).padStart(6) : '   -  ',
    m.errors ? (100 * m.errors.relativeMCE).toFixed(1).padStart(6) : '   -  ',
    ...sigmas.map((_, k) => pct(m.gaussianNoise?.top1[k]).padStart(8)),
    ...attackCols.map(({ k, e }) => pct(m.adversarial[k]?.[String(e)]).padStart(10)),
  ]);
  return [header.join('  '), ...rows.map((r) => r.join('  '))].join('\n') + `\n(accuracies in %, mCE and relative mCE in % of baseline ${report.baseline})\n`;
}

function registerEvalRobustness(evalCommand: Command): void {
  evalCommand
    .command('robustness')
    .description('clean, corruption (ImageNet-C style) and adversarial (FGSM/PGD) accuracy of classifiers, with CE/mCE against a baseline')
    .addHelpText('after', examples({ note: 'train a classifier first (wavecv train classify --help)', run: 'wavecv train classify --model cnn28 --wavelet haar --data fashion-mnist --train-limit 2000 --test-limit 500 --epochs 1 --out runs/cnn28-haar' }, 'wavecv eval robustness --model runs/cnn28-haar --data fashion-mnist --limit 500 --corruptions noise --noise-sigmas 0.1,0.2 --eps 0.03 --attack-limit 200 --out runs/cnn28-haar/robustness --json'))
    .requiredOption('--model <dir>', 'run folder of `wavecv train classify` (or a folder with model.json); repeat for several models', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <names>', 'comma-separated display names, one per --model (default: folder names)')
    .option('--baseline <dir>', 'model that CE/mCE are relative to (default: the first --model)')
    .requiredOption('--data <path|alias>', 'test data: a data alias (fashion-mnist) or a folder (IDX, CIFAR binary, image folders)')
    .option('--corruptions <list>', "'all', 'none', families (noise, blur, weather, digital) or names, comma-separated", 'all')
    .option('--severities <list>', 'severities, e.g. 1-5 or 1,3,5', '1-5')
    .option('--noise-sigmas <list>', 'also sweep additive Gaussian noise of these standard deviations, e.g. 0.1,0.2,0.3')
    .option('--parameter-set <set>', 'severity table: auto (CIFAR-10-C for ≤ 64 px, else ImageNet-C), cifar, imagenet', choice('parameter-set', ['auto', 'cifar', 'imagenet'] as const), 'auto')
    .option('--eps <list>', 'L∞ radii of FGSM/PGD in [0, 1] pixel units, e.g. 0.01,0.03 (default: no attacks)')
    .option('--attacks <list>', 'which attacks run for each ε', 'fgsm,pgd')
    .option('--pgd-steps <n>', 'PGD steps', positiveInteger('pgd-steps'), 10)
    .option('--pgd-step-size <α>', 'PGD step size (default 2.5·ε/steps)', numberInRange('pgd-step-size', 0, 1))
    .option('--limit <n>', 'evaluate on the first n test images (default: all; they are held in memory)', positiveInteger('limit'))
    .option('--attack-limit <n>', 'attack only the first n evaluated images (default: all)', positiveInteger('attack-limit'))
    .option('--batch-size <n>', 'images per forward pass', positiveInteger('batch-size'), 100)
    .option('--seed <n>', 'seed of the corruptions, the noise sweep and PGD random starts', nonNegativeInteger('seed'), 0)
    .requiredOption('--out <dir>', 'output folder for robustness.json, robustness.md and the charts (robustness.png, noise.png, adversarial.png)')
    .option('--json', 'print the report as JSON instead of a table')
    .action(async (options: RobustnessCliOptions, command: Command) => {
      checkOutputPath(options.out, 'folder');
      await startEngine(command.parent!);
      const attacks = options.attacks.split(',').map((a) => a.trim()).filter(Boolean);
      attacks.forEach((a) => check(a === 'fgsm' || a === 'pgd', 'attacks', options.attacks, 'fgsm, pgd or both, comma-separated'));
      const names = options.name?.split(',').map((n) => n.trim());
      if (names) check(names.length === options.model.length, 'name', options.name, `${options.model.length} comma-separated names, one per --model`);
      const report = await evaluateRobustness({
        models: options.model,
        names,
        baseline: options.baseline,
        data: options.data,
        corruptions: options.corruptions.trim() === 'none' ? [] : parseCorruptionList(options.corruptions),
        noiseSigmas: options.noiseSigmas ? parseNumberList(options.noiseSigmas, 'noise-sigmas', 0, 10) : [],
        severities: parseIntegerList(options.severities, 'severities', 1, 5),
        parameterSet: options.parameterSet,
        epsilons: options.eps ? parseNumberList(options.eps, 'eps', 0, 1) : [],
        attacks: attacks as Array<'fgsm' | 'pgd'>,
        pgdSteps: options.pgdSteps,
        pgdStepSize: options.pgdStepSize,
        limit: options.limit,
        attackLimit: options.attackLimit,
        batchSize: options.batchSize,
        seed: options.seed,
        out: options.out,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      const files = ['robustness.json', 'robustness.md'];
      if ((report.config.corruptions as string[]).length) files.push('robustness.png');
      if ((report.config.noiseSigmas as number[]).length) files.push('noise.png');
      if ((report.config.epsilons as number[]).length) files.push('adversarial.png');
      process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatRobustnessTable(report) + `wrote ${files.map((f) => join(options.out, f)).join(', ')} (${report.seconds.toFixed(1)} s)\n`);
    });
}
