/**
 * FaceForensics++ frame folders (Rössler et al., "FaceForensics++: Learning
 * to Detect Manipulated Facial Images", ICCV 2019), as its download and
 * frame-extraction scripts lay them out (frames in `images/`) or as
 * DeepfakeBench's preprocessing does (`frames/`):
 *
 *   ROOT/original_sequences/<source>/<compression>/{frames|images}/<video>/<frame>.png   real (source: youtube, actors)
 *   ROOT/manipulated_sequences/<method>/<compression>/{frames|images}/<video>/<frame>.png fake (Deepfakes, Face2Face, …)
 *
 * Real videos are named by their id (`000`), manipulated ones by target and
 * source (`000_003`). The official split (FF++'s `dataset/splits/*.json`,
 * lists of id pairs) is used when `ROOT/splits/train.json` and
 * `ROOT/splits/test.json` exist: a real video belongs to a split when its id
 * appears in one of the split's pairs, a manipulated video `a_b` when {a, b}
 * is one of its pairs, so no identity of the test split is seen in training;
 * videos in neither list (e.g. `val.json`'s) are left out. Without the split
 * files everything is training data. Other folders (`masks/`, `videos/`,
 * `landmarks/`) are not read. Frames are sampled evenly per video and the
 * video id is the video folder relative to ROOT, as {@link ForgeryDataset}
 * describes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { check, WavecvError } from '../../errors.js';
import {
  forgeryDataset,
  framesOf,
  framesPerVideoOption,
  isImageName,
  type ForgeryData,
  type ForgeryFrame,
  type ForgeryReaderOptions,
  type ForgerySource,
} from './dataset.js';

const SEQUENCES = [
  { folder: 'original_sequences', label: 0 as const },
  { folder: 'manipulated_sequences', label: 1 as const },
];
const FRAME_FOLDERS = ['frames', 'images'];

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** True when `path` holds `original_sequences/` or `manipulated_sequences/`. */
export function isFaceForensicsFolder(path: string): boolean {
  try {
    return SEQUENCES.some((s) => isDir(join(resolve(path), s.folder)));
  } catch {
    return false;
  }
}

interface VideoFolder {
  dir: string;
  name: string;
  label: 0 | 1;
}

/** Every `<video>` folder of the tree that passes the compression and method filters. */
function videoFolders(root: string, options: ForgeryReaderOptions): VideoFolder[] {
  const out: VideoFolder[] = [];
  for (const { folder, label } of SEQUENCES) {
    const top = join(root, folder);
    if (!isDir(top)) continue;
    for (const group of subfolders(top)) {
      if (label === 1 && options.methods && !options.methods.includes(group)) continue;
      for (const compression of subfolders(join(top, group))) {
        if (options.compression !== undefined && compression !== options.compression) continue;
        for (const frames of FRAME_FOLDERS) {
          const dir = join(top, group, compression, frames);
          if (!isDir(dir)) continue;
          for (const name of subfolders(dir)) out.push({ dir: join(dir, name), name, label });
        }
      }
    }
  }
  return out;
}

/** The id pairs of one FF++ split file, as sorted "a_b" keys, and the ids they hold. */
function readSplit(path: string): { pairs: Set<string>; ids: Set<string> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new WavecvError('split file', path, `a JSON list of id pairs (${(error as Error).message})`);
  }
  const valid = Array.isArray(parsed) && parsed.every((p) => Array.isArray(p) && p.length === 2 && p.every((id) => typeof id === 'string'));
  if (!valid) throw new WavecvError('split file', path, 'a JSON list of id pairs like [["953", "974"], …] (FaceForensics++ dataset/splits)');
  const pairs = new Set<string>();
  const ids = new Set<string>();
  for (const [a, b] of parsed as Array<[string, string]>) {
    pairs.add([a, b].sort().join('_'));
    ids.add(a).add(b);
  }
  return { pairs, ids };
}

function inSplit(video: VideoFolder, split: { pairs: Set<string>; ids: Set<string> }): boolean {
  if (video.label === 0) return split.ids.has(video.name);
  const parts = video.name.split('_');
  return parts.length === 2 && split.pairs.has(parts.sort().join('_'));
}

function framesOfVideos(root: string, videos: VideoFolder[], framesPerVideo: number): ForgeryFrame[] {
  return videos.flatMap((v) => {
    const files = readdirSync(v.dir)
      .filter(isImageName)
      .map((f) => join(v.dir, f));
    return framesOf(files, v.label, root, dirname(v.dir), framesPerVideo);
  });
}

/** Opens a FaceForensics++ frame tree (with its official split when `splits/train.json` and `splits/test.json` are there). */
export async function openFaceForensics(path: string, options: ForgeryReaderOptions = {}): Promise<ForgeryData> {
  const root = resolve(path);
  if (!isFaceForensicsFolder(root)) throw new WavecvError('data', path, 'a FaceForensics++ folder holding original_sequences/ or manipulated_sequences/');
  const framesPerVideo = framesPerVideoOption(options);
  if (options.methods !== undefined) check(Array.isArray(options.methods) && options.methods.length > 0, 'methods', options.methods, 'a non-empty list of manipulation folder names');
  const videos = videoFolders(root, options);
  const wanted = `frame folders original_sequences/<source>/${options.compression ?? '<compression>'}/{frames|images}/<video>/ or manipulated_sequences/${options.methods ? `{${options.methods.join('|')}}` : '<method>'}/…`;
  if (videos.length === 0) throw new WavecvError('data', path, wanted);
  const trainFile = join(root, 'splits', 'train.json');
  const testFile = join(root, 'splits', 'test.json');
  if (!(existsSync(trainFile) && existsSync(testFile))) {
    const train = await forgeryDataset(framesOfVideos(root, videos, framesPerVideo), options, `${path} (${wanted})`);
    return { train, source: root, format: 'faceforensics' };
  }
  const trainSplit = readSplit(trainFile);
  const testSplit = readSplit(testFile);
  const train = await forgeryDataset(framesOfVideos(root, videos.filter((v) => inSplit(v, trainSplit)), framesPerVideo), options, `${trainFile} (videos of its pairs)`);
  const test = await forgeryDataset(framesOfVideos(root, videos.filter((v) => inSplit(v, testSplit)), framesPerVideo), { ...options, size: train.imageShape[0] }, `${testFile} (videos of its pairs)`);
  return { train, test, source: root, format: 'faceforensics' };
}

/** The FaceForensics++ reader (src/data/readers.ts lists it). */
export const FACEFORENSICS_SOURCE: ForgerySource = {
  format: 'faceforensics',
  detect: isFaceForensicsFolder,
  open: openFaceForensics,
};
