/**
 * The common in-memory form of an image classification split, as plain bytes: what every reader
 * returns and what transforms/loaders consume. Pixels stay uint8 here; scaling to [0,1] and
 * normalising is the transform's job, exactly as torchvision's ToTensor/Normalize split it.
 */
export interface ImageDataset {
  /** Dataset name, e.g. `cifar10`. */
  name: string;
  /** n × channels × height × width bytes; each image channel-major (CHW), rows top to bottom. */
  images: Uint8Array;
  /** Class index per image, 0 ≤ label < classes. */
  labels: Int32Array;
  n: number;
  channels: number;
  height: number;
  width: number;
  classes: number;
}

export type Split = 'train' | 'test';

export const SPLITS: readonly Split[] = ['train', 'test'];
