/**
 * Progress of long work for the `wavecv` commands: a live bar (cli-progress)
 * when the stream is a terminal, plain lines otherwise (CI logs, files,
 * pipes) — one every `everySteps` steps or `everySeconds` seconds, whichever
 * comes first, plus the first and the last step. News lines (evaluation
 * results, checkpoints) are printed above the bar or as lines of their own.
 * Implements the trainer's {@link ProgressReporter}.
 *
 * Counted work outside the trainer (cubes of a volume, pairs of an
 * evaluation, volumes of a generator) uses {@link createCountProgress}: the
 * same bar on a terminal, otherwise a line at every tenth of the total and at
 * the end.
 */
import cliProgress from 'cli-progress';
import type { ProgressReporter } from '../train/trainer.js';

export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Force the bar (true) or plain lines (false); default: bar on a TTY. */
  tty?: boolean;
  /** Plain mode: a line every this many steps (default 50). */
  everySteps?: number;
  /** Plain mode: a line at least every this many seconds (default 30). */
  everySeconds?: number;
  label?: string;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function describe(values: { loss: number; lr: number; metrics: Record<string, number> }): string {
  const metrics = Object.entries(values.metrics).map(([k, v]) => `${k} ${formatValue(v)}`);
  return [`loss ${formatValue(values.loss)}`, ...metrics, `lr ${values.lr.toExponential(2)}`].join('  ');
}

export function createProgress(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  return tty ? new BarProgress(stream, options.label ?? 'train') : new LineProgress(stream, options);
}

class BarProgress implements ProgressReporter {
  private multibar?: cliProgress.MultiBar;
  private bar?: cliProgress.SingleBar;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  start(info: { totalSteps: number; startStep: number }): void {
    this.multibar = new cliProgress.MultiBar(
      {
        stream: this.stream,
        format: `${this.label} {bar} {percentage}% | step {value}/{total} | epoch {epoch} | {stats} | eta {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multibar.create(info.totalSteps, info.startStep, { epoch: '-', stats: '' });
  }

  update(step: number, values: { epoch: number; loss: number; lr: number; metrics: Record<string, number> }): void {
    this.bar?.update(step, { epoch: values.epoch + 1, stats: describe(values) });
  }

  message(line: string): void {
    if (this.multibar) {
      this.multibar.log(`${line}\n`);
      this.multibar.update(); // print it now, above the bar
    } else this.stream.write(`${line}\n`);
  }

  stop(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bar = undefined;
  }
}

class LineProgress implements ProgressReporter {
  private total = 0;
  private startStep = 0;
  private startedAt = 0;
  private lastPrintedAt = 0;
  private lastStep = -1;
  private readonly everySteps: number;
  private readonly everySeconds: number;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    options: ProgressOptions,
  ) {
    this.everySteps = options.everySteps ?? 50;
    this.everySeconds = options.everySeconds ?? 30;
  }

  start(info: { totalSteps: number; startStep: number; stepsPerEpoch: number }): void {
    this.total = info.totalSteps;
    this.startStep = info.startStep;
    this.startedAt = Date.now();
    this.lastPrintedAt = this.startedAt;
    this.stream.write(`training ${info.totalSteps} steps (${info.stepsPerEpoch} per epoch)${info.startStep > 0 ? `, resuming at step ${info.startStep}` : ''}\n`);
  }

  update(step: number, values: { epoch: number; loss: number; lr: number; metrics: Record<string, number> }): void {
    const now = Date.now();
    const due = step === this.startStep + 1 || step === this.total || step % this.everySteps === 0 || now - this.lastPrintedAt >= this.everySeconds * 1000;
    this.lastStep = step;
    if (!due) return;
    this.lastPrintedAt = now;
    const done = step - this.startStep;
    const rate = done / Math.max(1e-3, (now - this.startedAt) / 1000);
    const eta = (this.total - step) / rate;
    const percent = ((100 * step) / this.total).toFixed(1);
    this.stream.write(`step ${step}/${this.total} (${percent}%) epoch ${values.epoch + 1}  ${describe(values)}  ${rate.toFixed(2)} steps/s  eta ${formatDuration(eta)}\n`);
  }

  message(line: string): void {
    this.stream.write(`${line}\n`);
  }

  /** The closing line says whether every step ran ("finished") or the run ended early ("stopped": Ctrl-C, a NaN loss, an error). */
  stop(): void {
    if (this.lastStep < 0) return;
    const elapsed = formatDuration((Date.now() - this.startedAt) / 1000);
    this.stream.write(this.lastStep >= this.total ? `finished ${this.total} steps after ${elapsed}\n` : `stopped at step ${this.lastStep} of ${this.total} after ${elapsed}\n`);
  }
}

/** Progress of counted work: `update(done, total)` as items finish, `stop()` at the end. */
export interface CountProgress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A {@link CountProgress} labelled `label` (e.g. `cubes`), a bar on a TTY, lines otherwise (see the module comment). */
export function createCountProgress(label: string, options: Pick<ProgressOptions, 'stream' | 'tty'> = {}): CountProgress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  return {
    update(done, total) {
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({ format: `${label} {bar} {value}/{total} | eta {eta_formatted}`, hideCursor: true, stream }, cliProgress.Presets.shades_classic);
          bar.start(total, 0);
        }
        bar.update(done);
      } else if (done === total || done - lastLine >= Math.max(1, Math.ceil(total / 10))) {
        stream.write(`${label} ${done}/${total}\n`);
        lastLine = done;
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
