/**
 * Argument handling shared by the pywt-style wavelet API: conversion of
 * tensors and nested number arrays to float32 tensors, axis normalisation, and
 * pywt's "one value or one per axis" rule for wavelets and modes. Every bad
 * argument throws a WavecvError naming the argument, the value and what was
 * expected.
 *
 * My decision: nested arrays are scanned and rejected if they hold NaN, ±∞ or
 * non-numbers (pywt would silently propagate NaN); tensors are not scanned,
 * because reading a tensor back would stall GPU backends and training loops.
 */
import * as tf from '@tensorflow/tfjs';
import { WavecvError, check } from '../errors.js';
import { MODES, type Mode, checkMode } from './extend.js';
import type { WaveletLike } from './transform.js';

/** A nested array of numbers (any depth ≥ 1), or a typed array for 1-D data. */
export type NumericArray = number[] | NumericArray[] | Float32Array | Float64Array | Int32Array;
/** Data accepted by the wavelet API: a tensor or a nested number array. */
export type ArrayInput = tf.Tensor | NumericArray;

const isTypedArray = (v: unknown): v is Float32Array | Float64Array | Int32Array => v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array;

function arrayShape(value: unknown, argument: string): number[] {
  const shape: number[] = [];
  let v: unknown = value;
  while (Array.isArray(v) || isTypedArray(v)) {
    shape.push(v.length);
    if (isTypedArray(v) || v.length === 0) break;
    v = v[0];
  }
  check(shape.length > 0, argument, value, 'a tf.Tensor or a nested array of numbers');
  return shape;
}

function flattenInto(value: unknown, shape: number[], depth: number, out: Float32Array, offset: number, path: string): number {
  if (depth === shape.length) {
    check(typeof value === 'number' && Number.isFinite(value), path, value, 'a finite number');
    out[offset] = value;
    return offset + 1;
  }
  const ok = (Array.isArray(value) || isTypedArray(value)) && value.length === shape[depth];
  check(ok, path, value, `an array of length ${shape[depth]} (the data must be rectangular, shape [${shape.join(', ')}])`);
  const arr = value as ArrayLike<unknown>;
  if (isTypedArray(value) && depth === shape.length - 1) {
    for (let i = 0; i < arr.length; i++) check(Number.isFinite(arr[i]), `${path}[${i}]`, arr[i], 'a finite number');
    out.set(value as ArrayLike<number>, offset);
    return offset + arr.length;
  }
  for (let i = 0; i < arr.length; i++) offset = flattenInto(arr[i], shape, depth + 1, out, offset, `${path}[${i}]`);
  return offset;
}

/**
 * `data` as a float32 tensor of rank ≥ 1. A float32 tensor is returned as is
 * (not copied); other tensors are cast; arrays are validated and converted.
 * Call inside `tf.tidy` so that converted copies are freed.
 */
export function toFloatTensor(data: unknown, argument = 'data'): tf.Tensor {
  if (data instanceof tf.Tensor) {
    check(data.dtype === 'float32' || data.dtype === 'int32' || data.dtype === 'bool', argument, data, 'a real-valued tensor (float32, int32 or bool)');
    check(data.rank >= 1, argument, data, 'a tensor of rank ≥ 1');
    return data.dtype === 'float32' ? data : tf.cast(data, 'float32');
  }
  const shape = arrayShape(data, argument);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  flattenInto(data, shape, 0, values, 0, argument);
  return tf.tensor(values, shape, 'float32');
}

/** Normalises `axis` for a rank-`rank` input to `0 … rank-1`. */
export function normalizeAxis(axis: unknown, rank: number, argument = 'axis'): number {
  check(typeof axis === 'number' && Number.isInteger(axis) && axis >= -rank && axis < rank, argument, axis, `an integer in [${-rank}, ${rank - 1}] for ${rank}-D data`);
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes; with `unique`, repeated axes are an error (as in pywt's multilevel functions). */
export function normalizeAxes(axes: unknown, rank: number, argument = 'axes', unique = false): number[] {
  check(Array.isArray(axes) && axes.length > 0, argument, axes, 'a non-empty array of axis indices');
  const out = (axes as unknown[]).map((a, i) => normalizeAxis(a, rank, `${argument}[${i}]`));
  if (unique) check(new Set(out).size === out.length, argument, axes, 'distinct axes (each axis transformed once per level)');
  return out;
}

/** pywt's `_wavelets_per_axis` / `_modes_per_axis`: one value for all axes, or exactly one per axis. */
export function perAxis<T>(value: T | readonly T[], count: number, argument: string): T[] {
  if (!Array.isArray(value)) return Array.from({ length: count }, () => value as T);
  const list = value as readonly T[];
  check(list.length === 1 || list.length === count, argument, value, `one value, or one per transformed axis (${count})`);
  return list.length === 1 ? Array.from({ length: count }, () => list[0]) : [...list];
}

/** Per-axis modes, validated. */
export function modesPerAxis(mode: Mode | readonly Mode[] | undefined, count: number): Mode[] {
  return perAxis<Mode>(mode ?? 'symmetric', count, 'mode').map((m) => checkMode(m));
}

/** Per-axis wavelets (validated later by the transform). */
export function wavesPerAxis(wave: WaveletLike | readonly WaveletLike[], count: number): WaveletLike[] {
  if (wave === undefined || wave === null) throw new WavecvError('wave', wave, 'a wavelet name (see wavelist()) or a Wavelet');
  return perAxis<WaveletLike>(wave, count, 'wave');
}

/** Emits a runtime warning the way the platform does (Node: process warning; elsewhere: console). */
export function warn(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (m: string, type: string) => void } }).process;
  if (proc?.emitWarning) proc.emitWarning(message, 'WavecvWarning');
  else console.warn(`WavecvWarning: ${message}`);
}

/** The third argument of a pywt-style function: a mode (pywt's positional `mode`) or an options object. */
export type ModeOrOptions<O extends { mode?: unknown }> = NonNullable<O['mode']> | O;

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof tf.Tensor) && !ArrayBuffer.isView(value);
}

/**
 * The options of a pywt-style call whose third argument is either a mode, as
 * in pywt (`dwt(x, 'db2', 'periodization')`; for the multi-axis functions
 * also a list of modes per axis), followed by optional further options
 * (`wavedec(x, 'db2', 'periodization', { level: 2 })`), or one options
 * object. Nothing is silently dropped: a mode given twice, options after an
 * options object, or a third argument of another kind is an error.
 */
export function resolveOptions<O extends { mode?: unknown }>(third: unknown, fourth: unknown, perAxis: boolean): O {
  const modeHint = perAxis ? 'a mode name, a list of modes (one per axis)' : 'a mode name';
  if (third === undefined) {
    check(fourth === undefined, 'options', fourth, 'no options after an omitted mode (pass them as the third argument)');
    return {} as O;
  }
  if (typeof third === 'string' || (perAxis && Array.isArray(third))) {
    if (fourth === undefined) return { mode: third } as O;
    check(isOptionsObject(fourth), 'options', fourth, 'an options object after the mode');
    check(!('mode' in fourth), 'options.mode', (fourth as { mode?: unknown }).mode, `no second mode (the mode "${String(third)}" was given as the third argument)`);
    return { ...fourth, mode: third } as O;
  }
  check(isOptionsObject(third), 'mode', third, `${modeHint} (one of ${MODES.join(', ')}) or an options object`);
  check(fourth === undefined, 'options', fourth, 'nothing after an options object (put every option in it)');
  return third as O;
}
