/**
 * Robustness metrics of Hendrycks & Dietterich, "Benchmarking Neural Network
 * Robustness to Common Corruptions and Perturbations" (ICLR 2019), §3:
 *
 *   corruption error     CE_c^f  = Σ_s E_{s,c}^f / Σ_s E_{s,c}^base
 *   mean CE              mCE^f   = mean over corruptions c of CE_c^f
 *   relative CE          rCE_c^f = Σ_s (E_{s,c}^f − E_clean^f) / Σ_s (E_{s,c}^base − E_clean^base)
 *   relative mCE         mean of rCE_c^f
 *
 * with E the top-1 error (1 − accuracy) at severity s, and "base" the
 * baseline model (AlexNet in the paper; any model here). Errors are fractions in [0, 1]; CE values are ratios (the
 * paper prints them ×100 as percentages).
 */
import { check, WavecvError } from '../errors.js';

function checkErrors(errors: number[], argument: string): void {
  check(Array.isArray(errors) && errors.length > 0, argument, errors, 'a non-empty list of errors, one per severity');
  errors.forEach((e, i) => check(Number.isFinite(e) && e >= 0 && e <= 1, `${argument}[${i}]`, e, 'an error rate in [0, 1]'));
}

/** CE_c = Σ_s E_s / Σ_s E_s^base (the paper's un-normalised CE before averaging). */
export function corruptionError(errors: number[], baselineErrors: number[]): number {
  checkErrors(errors, 'errors');
  checkErrors(baselineErrors, 'baselineErrors');
  check(errors.length === baselineErrors.length, 'baselineErrors', baselineErrors.length, `${errors.length} severities, as errors`);
  const base = baselineErrors.reduce((a, b) => a + b, 0);
  if (base === 0) throw new WavecvError('baselineErrors', baselineErrors, 'at least one non-zero error (CE divides by their sum)');
  return errors.reduce((a, b) => a + b, 0) / base;
}

/** rCE_c = Σ_s (E_s − E_clean) / Σ_s (E_s^base − E_clean^base). */
export function relativeCorruptionError(errors: number[], cleanError: number, baselineErrors: number[], baselineCleanError: number): number {
  checkErrors(errors, 'errors');
  checkErrors(baselineErrors, 'baselineErrors');
  checkErrors([cleanError], 'cleanError');
  checkErrors([baselineCleanError], 'baselineCleanError');
  check(errors.length === baselineErrors.length, 'baselineErrors', baselineErrors.length, `${errors.length} severities, as errors`);
  const base = baselineErrors.reduce((a, e) => a + (e - baselineCleanError), 0);
  if (base === 0) throw new WavecvError('baselineErrors', baselineErrors, 'errors that differ from the baseline clean error (rCE divides by their excess)');
  return errors.reduce((a, e) => a + (e - cleanError), 0) / base;
}

export interface CorruptionErrorSummary {
  /** CE per corruption. */
  ce: Record<string, number>;
  /** Mean of CE over the corruptions. */
  mCE: number;
  /** Relative CE per corruption. */
  relativeCE: Record<string, number>;
  /** Mean of relative CE. */
  relativeMCE: number;
}

/**
 * CE, mCE, relative CE and relative mCE of a model against a baseline, from
 * top-1 errors per corruption and severity (`errors[c][s−1]`) and the clean
 * errors. Both must cover the same corruptions and severities. A relative CE
 * whose denominator is zero (the baseline is not hurt at all) is reported as
 * NaN and left out of the relative mean.
 */
export function summarizeCorruptionErrors(
  errors: Record<string, number[]>,
  cleanError: number,
  baselineErrors: Record<string, number[]>,
  baselineCleanError: number,
): CorruptionErrorSummary {
  const names = Object.keys(errors);
  check(names.length > 0, 'errors', errors, 'errors for at least one corruption');
  const ce: Record<string, number> = {};
  const relativeCE: Record<string, number> = {};
  for (const name of names) {
    const base = baselineErrors[name];
    if (!base) throw new WavecvError('baselineErrors', Object.keys(baselineErrors), `errors for corruption ${name}`);
    ce[name] = corruptionError(errors[name], base);
    const excess = base.reduce((a, e) => a + (e - baselineCleanError), 0);
    relativeCE[name] = excess === 0 ? NaN : relativeCorruptionError(errors[name], cleanError, base, baselineCleanError);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const finiteRelative = Object.values(relativeCE).filter(Number.isFinite);
  return { ce, mCE: mean(Object.values(ce)), relativeCE, relativeMCE: finiteRelative.length ? mean(finiteRelative) : NaN };
}
