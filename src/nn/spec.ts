/** Activation functions a {@link LayerSpec} can name. */
export type ActivationName = "relu" | "leakyRelu" | "tanh" | "sigmoid" | "linear";

/** Padding of convolution layers: `"same"` keeps `size / stride`, `"valid"` adds none. */
export type Padding = "same" | "valid";

/** A fully connected layer. */
export interface DenseSpec {
  /** Discriminant. */
  readonly type: "dense";
  /** Output features. */
  readonly units: number;
  /** @defaultValue true */
  readonly useBias?: boolean;
}

/** A 2-D convolution over NHWC images. */
export interface Conv2dSpec {
  /** Discriminant. */
  readonly type: "conv2d";
  /** Output channels. */
  readonly filters: number;
  /** Square kernel size. */
  readonly kernelSize: number;
  /** @defaultValue 1 */
  readonly strides?: number;
  /** @defaultValue "same" */
  readonly padding?: Padding;
  /** @defaultValue 1 */
  readonly dilationRate?: number;
}

/** A 2-D transposed convolution ("deconvolution") over NHWC images. */
export interface Conv2dTransposeSpec {
  /** Discriminant. */
  readonly type: "conv2dTranspose";
  /** Output channels. */
  readonly filters: number;
  /** Square kernel size. */
  readonly kernelSize: number;
  /** @defaultValue 1 */
  readonly strides?: number;
  /** @defaultValue "same" */
  readonly padding?: Padding;
}

/** 2-D max pooling over NHWC images. */
export interface MaxPool2dSpec {
  /** Discriminant. */
  readonly type: "maxPool2d";
  /** Square pooling window. */
  readonly poolSize: number;
  /** @defaultValue poolSize */
  readonly strides?: number;
  /** @defaultValue "valid" */
  readonly padding?: Padding;
}

/** Batch normalization over the last axis. */
export interface BatchNormSpec {
  /** Discriminant. */
  readonly type: "batchNorm";
  /** @defaultValue 0.99 (tfjs; PyTorch's 0.1 corresponds to 0.9) */
  readonly momentum?: number;
  /** @defaultValue 1e-3 */
  readonly epsilon?: number;
}

/** Dropout, active only in training. */
export interface DropoutSpec {
  /** Discriminant. */
  readonly type: "dropout";
  /** Fraction of units dropped, in [0, 1). */
  readonly rate: number;
}

/** An element-wise activation. */
export interface ActivationSpec {
  /** Discriminant. */
  readonly type: "activation";
  /** Which function. */
  readonly activation: ActivationName;
  /**
   * Negative slope of `"leakyRelu"`.
   * @defaultValue 0.2
   */
  readonly alpha?: number;
}

/** Reshapes each example (the batch axis is kept). */
export interface ReshapeSpec {
  /** Discriminant. */
  readonly type: "reshape";
  /** Shape of one example, e.g. `[7, 7, 256]`. */
  readonly targetShape: readonly number[];
}

/** Flattens each example to a vector. */
export interface FlattenSpec {
  /** Discriminant. */
  readonly type: "flatten";
}

/** One layer of a network, as plain data (so it can be saved in a config and compared). */
export type LayerSpec =
  | DenseSpec
  | Conv2dSpec
  | Conv2dTransposeSpec
  | MaxPool2dSpec
  | BatchNormSpec
  | DropoutSpec
  | ActivationSpec
  | ReshapeSpec
  | FlattenSpec;

/**
 * How a conditional network takes its class label (a one-hot `[B, numClasses]` second input).
 * For a flat input, or an image input whose first layer is a flatten, the label (one-hot, or its
 * learned embedding) is concatenated to the flat vector; for an image input of a convolutional
 * network it is projected by a dense layer to one `H x W` plane and stacked as an extra channel.
 */
export interface ConditionSpec {
  /** Number of classes. */
  readonly numClasses: number;
  /**
   * `"onehot"` concatenates the one-hot vector; `"embedding"` a learned embedding of it
   * (a bias-free dense layer, which is exactly a lookup table on one-hot input).
   * @defaultValue "onehot"
   */
  readonly mode?: "onehot" | "embedding";
  /**
   * Embedding size in `"embedding"` mode.
   * @defaultValue 50
   */
  readonly embeddingDim?: number;
}

/** An output head applied to the trunk's output (e.g. AC-GAN's class head). */
export interface HeadSpec {
  /** Name of the head, used in layer names and errors. */
  readonly name: string;
  /** Its layers. */
  readonly layers: readonly LayerSpec[];
  /** Expected output shape of one example, checked at build time. */
  readonly outputShape?: readonly number[];
}

/** A network as data: input shape, layers, and optionally a label input and extra heads. */
export interface NetworkSpec {
  /** Name of the model, used in layer names and errors, e.g. `"dcgan-generator"`. */
  readonly name: string;
  /** Shape of one input example, e.g. `[100]` or `[28, 28, 1]`. */
  readonly inputShape: readonly number[];
  /** The layers, in order. */
  readonly layers: readonly LayerSpec[];
  /** Expected output shape of one example, checked at build time (first output when there are heads). */
  readonly outputShape?: readonly number[];
  /** Makes the network conditional on a class label. */
  readonly condition?: ConditionSpec;
  /** Extra heads on the trunk; when given, the model's outputs are the trunk's own output followed by each head. */
  readonly heads?: readonly HeadSpec[];
}
