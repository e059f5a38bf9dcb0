export { Module, Layer, castTensor, moduleTarget, type ModuleTarget, type StateDict } from './module.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { BatchNorm2d, type BatchNormOptions } from './batch-norm.js';
export { BatchCounter } from './batch-counter.js';
export { Linear } from './linear.js';
export { ReLU, Identity, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, Embedding } from './layers.js';
export { Sequential, ModuleList } from './containers.js';
export { kaimingUniform_, resetLinearLike, fans } from './init.js';
export { saveStateDict, loadStateDictFile } from './checkpoint.js';
