/** Every sub-command of `wavecv`, one file each. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerEval } from './eval.js';
import { registerTrain } from './train.js';
import { registerTrainFace } from './train-face.js';
import { registerVerify } from './verify.js';
import { registerExplain } from './explain.js';
import { registerDemo } from './demo.js';
import { registerWavelets } from './wavelets.js';
import { registerDwt } from './dwt.js';
import { registerGenerate } from './generate.js';
import { registerTrace } from './trace.js';
import { registerGenerateNeurons } from './generate-neurons.js';
import { registerGenerateForgeries } from './generate-forgeries.js';
import { registerDetect } from './detect.js';
import { registerRegistrationCommands } from './register.js';
import { registerTrainSegment3d } from './train-segment3d.js';
import { registerSegment3d } from './segment3d.js';
import { registerTrainSegment } from './train-segment.js';
import { registerSegment } from './segment.js';
import { registerImport } from './import.js';
import { registerExport } from './export.js';
import { registerTrainForgery } from './train-forgery.js';
import { registerAttention } from './attention.js';

export const COMMANDS: Array<(program: Command) => void> = [registerInfo, registerEval, registerTrain, registerDemo, registerTrainFace, registerVerify, registerExplain, registerWavelets, registerDwt, registerGenerate, registerTrace, registerGenerateNeurons, registerGenerateForgeries, registerDetect, registerRegistrationCommands, registerTrainSegment3d, registerSegment3d, registerTrainSegment, registerSegment, registerImport, registerExport, registerTrainForgery, registerAttention];
