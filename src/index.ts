/**
 * gen-mnist: train, sample and evaluate GANs and VAEs on MNIST-like 28x28 data with TensorFlow.js.
 *
 * @packageDocumentation
 * @module gen-mnist
 */
export { GenMnistError, InvalidArgumentError, NonFiniteError } from "./errors.js";
export {
  useBackend,
  BACKEND_REQUESTS,
  BackendUnavailableError,
  type BackendRequest,
  type BackendSelection,
  type SkippedBackend,
  type UseBackendOptions,
} from "./backend.js";
export {
  parseIdx,
  readIdx,
  encodeIdx,
  writeIdx,
  isGzip,
  IdxFormatError,
  MAX_IDX_BYTES,
  type IdxArray,
  type IdxDataType,
  type IdxTypedArrays,
  type IdxExpectation,
} from "./data/idx.js";
export {
  Dataset,
  PIXEL_RANGES,
  type PixelRange,
  type Batch,
  type BatchOptions,
  type DatasetOptions,
} from "./data/dataset.js";
export {
  loadMnist,
  loadFashionMnist,
  loadIdxDataset,
  mnistDataDir,
  DataNotFoundError,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_CLASSES,
  type LoadOptions,
  type Split,
} from "./data/mnist.js";
export { imageGrid, encodePng, decodePng, writePng, type GridImage, type GrayImage, type DecodePngOptions, type ImageGridOptions } from "./image/grid.js";
export { reduceLoss, splitPairedOptions, type Reduction, type LossOptions, type PairedLossOptions } from "./losses/reduction.js";
export {
  sigmoidCrossEntropy,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
  wassersteinDiscriminatorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  auxiliaryClassifierLoss,
  type DiscriminatorLossOptions,
} from "./losses/gan.js";
export {
  bceReconstructionLoss,
  mseReconstructionLoss,
  gaussianKlDivergence,
  vaeLoss,
  reparameterize,
  type VaeLossParts,
} from "./losses/vae.js";
export { gradientPenalty, type GradientPenaltyOptions } from "./losses/penalty.js";
export { clipWeights } from "./nn/constraints.js";
export type {
  ActivationName,
  Padding,
  LayerSpec,
  DenseSpec,
  Conv2dSpec,
  Conv2dTransposeSpec,
  MaxPool2dSpec,
  BatchNormSpec,
  DropoutSpec,
  ActivationSpec,
  ReshapeSpec,
  FlattenSpec,
  ConditionSpec,
  HeadSpec,
  NetworkSpec,
} from "./nn/spec.js";
export { buildNetwork, withoutFinalActivation, countTrainableParams, trainableVariables, NetworkShapeError, type BuildNetworkOptions } from "./nn/build.js";
export { createOptimizer, type OptimizerSpec, type AdamSpec, type RmsPropSpec, type SgdSpec } from "./nn/optimizer.js";
export { MNIST_IMAGE_SHAPE, type GenerativeModel, type StepLosses, type TrainBatch, type SampleOptions, type ImageShape, type LatentSampler } from "./nn/model.js";
export { BaseGenerativeModel, resolveBaseConfig, type BaseModelConfig, type CheckedBatch } from "./nn/base-model.js";
export { registerModel, registeredModelKinds, modelFactory, loadModel, type ModelFactory } from "./nn/registry.js";
export {
  isLayersModel,
  isLayersModelRef,
  networkSlot,
  type NetworkSlot,
  type NetworkSlotOptions,
  type NetworkInput,
  type NetworkContext,
  type LayersModelRef,
  type ResolvedNetwork,
} from "./nn/network-slot.js";
export { minimizeWithParts, resolveScalars, type LossParts, type LossToMinimize } from "./nn/step.js";
export {
  mlpGenerator,
  mlpDiscriminator,
  dcganGenerator,
  dcganDiscriminator,
  type GanNetworkOptions,
} from "./gan/architectures.js";
export { GAN_OBJECTIVES, registerGanObjective, ganObjectiveNames, type GanObjective, type GanLoss, type GeneratorLossOptions } from "./gan/objectives.js";
export { resolveGANConfig, type GANConfig, type ResolvedGANConfig, type GanArchitecture } from "./gan/config.js";
export { GAN, type DiscriminatorOutput } from "./gan/gan.js";
export {
  MlpGAN,
  VanillaGAN,
  DCGAN,
  WGAN,
  WGANGP,
  CGAN,
  ACGAN,
  PUBLISHED_MLP_GAN,
  DEFAULT_MLP_GAN,
  PUBLISHED_DCGAN,
  DEFAULT_DCGAN,
  DEFAULT_WGAN,
  DEFAULT_WGAN_GP,
  DEFAULT_CGAN,
  DEFAULT_ACGAN,
} from "./gan/presets.js";
export {
  mlpEncoder,
  mlpDecoder,
  convEncoder,
  convDecoder,
  smallConvEncoder,
  smallConvDecoder,
  type VaeNetworkOptions,
} from "./vae/architectures.js";
export { resolveVAEConfig, type VAEConfig, type ResolvedVAEConfig, type VaeArchitecture, type ReconstructionLoss } from "./vae/config.js";
export { VAE, type Posterior } from "./vae/vae.js";
export {
  MlpVAE,
  ConvVAE,
  CVAE,
  BetaVAE,
  DEFAULT_MLP_VAE,
  DEFAULT_CONV_VAE,
  DEFAULT_CVAE,
  DEFAULT_BETA_VAE,
} from "./vae/presets.js";
export { CheckpointError } from "./nn/persist.js";
export { writeFileAtomic, writeJsonAtomic, TEMPORARY_NAME } from "./_internals/fs.js";
export { MANIFEST_FILE, readModelManifest, type FileDigest, type ModelState, type SavedModelManifest } from "./nn/saved-model.js";
export { findNonFinite, type NonFiniteReport, type FiniteCheckable } from "./nn/finite.js";
export { getLearningRate, setLearningRate } from "./nn/optimizer.js";
export {
  MODEL_PRESETS,
  MODEL_NAMES,
  createModel,
  type ModelName,
  type ModelPreset,
  type GanPreset,
  type VaePreset,
  type ModelOverrides,
} from "./models/registry.js";
export { Trainer, TRAINER_STATE_FILE, type TrainerOptions, type AbortSignalLike, type ResumeOptions, type TrainerState } from "./training/trainer.js";
export type { Callback, TrainContext, BatchEndContext, EpochEndContext, MetricsContext, TrainEndContext } from "./training/callback.js";
export type { History, StepRecord, EpochRecord, EvaluationRecord, Divergence } from "./training/history.js";
export { runFolderFiles, readStepLog, readEvaluationLog, type RunFolderFiles } from "./training/run-folder.js";
export { saveCheckpoint, latestCheckpoint, verifyCheckpoint, type LatestCheckpointOptions } from "./training/checkpoints.js";
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from "./training/callbacks/progress.js";
export { HistoryLogger, type HistoryLoggerOptions } from "./training/callbacks/history-logger.js";
export { Checkpoint, type CheckpointOptions } from "./training/callbacks/checkpoint.js";
export { SampleGrid, type SampleGridOptions } from "./training/callbacks/sample-grid.js";
export { EarlyStopping, type EarlyStoppingOptions } from "./training/callbacks/early-stopping.js";
export { LearningRateScheduler, type LearningRateSchedule } from "./training/callbacks/lr-schedule.js";
export { reconstructionStrip } from "./image/strip.js";
export {
  lossCurvesSvg,
  writeLossPlot,
  metricCurvesSvg,
  writeMetricPlot,
  type LossPoint,
  type LossPlotOptions,
  type MetricPoint,
  type MetricPlotOptions,
} from "./image/plot.js";
export { GEN_MNIST_BACKEND } from "./kernels/names.js";
export { imageSet, imageSetFromTensor, imageSetBatch, takeImages, sampleImageSet, type ImageSet, type ImageSetOptions } from "./data/image-set.js";
export { readImageSet } from "./data/read-images.js";
export { featureMatrix, type FeatureMatrix } from "./metrics/matrix.js";
export { frechetDistance, featureStatistics, type FeatureStatistics, type FrechetDistanceResult } from "./metrics/fid.js";
export { kernelInceptionDistance, type KernelInceptionDistanceOptions, type KernelInceptionDistanceResult } from "./metrics/kid.js";
export { inceptionScore, type InceptionScoreOptions, type InceptionScoreResult } from "./metrics/inception-score.js";
export {
  precisionRecall,
  densityCoverage,
  prdc,
  type PrecisionRecallOptions,
  type PrecisionRecallResult,
  type DensityCoverageOptions,
  type DensityCoverageResult,
  type PrdcResult,
  type PrdcOptions,
} from "./metrics/prdc.js";
export { classCoverage, type ClassCoverageOptions, type ClassCoverageResult, type ClassShares } from "./metrics/class-coverage.js";
export {
  Oracle,
  softmax,
  argmaxRows,
  type OracleInput,
  type OracleInfo,
  type OracleTestSet,
  type OracleEmbedding,
  type OracleOptions,
  type OracleRunOptions,
} from "./metrics/oracle.js";
export {
  trainOracle,
  oracleNetwork,
  oracleFeatureLayer,
  type TrainOracleOptions,
  type TrainedOracle,
  type OracleEpochRecord,
} from "./metrics/oracle-training.js";
export { loadOracle, saveOracle, shippedOracleDir, SHIPPED_ORACLES, type ShippedOracle, type OracleManifest, type SaveOracleOptions } from "./metrics/oracle-io.js";
export { sampleImages, type SampleImagesOptions } from "./metrics/samples.js";
export {
  nearestRealSimilarity,
  pixelFeatures,
  type LabelledFeatures,
  type NearestRealSimilarityOptions,
  type NearestRealSimilarityResult,
} from "./metrics/similarity.js";
export {
  reconstructionError,
  elbo,
  importanceWeightedNll,
  type VaeLikelihoodOptions,
  type ReconstructionErrorResult,
  type ElboResult,
  type ImportanceWeightedNllOptions,
  type ImportanceWeightedNllResult,
} from "./metrics/vae-likelihood.js";
export {
  evaluate,
  prepareReference,
  metricValues,
  METRIC_NAMES,
  SAMPLE_METRICS,
  VAE_METRICS,
  REFERENCE_NAMES,
  type MetricName,
  type ReferenceName,
  type PreparedReference,
  type PrepareReferenceOptions,
  type EvaluateOptions,
  type EvaluationMetrics,
  type EvaluationReport,
  type EvaluationSource,
  type EvaluationReference,
  type EvaluationOracle,
  type NllEvaluationOptions,
} from "./metrics/evaluate.js";
export { Evaluate, type EvaluateCallbackOptions } from "./metrics/evaluate-callback.js";
export { interpolate, interpolateLatents, type InterpolationMethod, type InterpolationOptions } from "./latent/interpolate.js";
export {
  latentEmbedding,
  latentMapSvg,
  latentManifold,
  type LatentEmbedding,
  type LatentEmbeddingOptions,
  type LatentMapOptions,
  type LatentManifoldOptions,
} from "./latent/latent-map.js";
export { PriorSampler, GaussianMixtureSampler, type GaussianMixtureOptions, type MixtureComponent } from "./latent/samplers.js";
export { LatentSpaceAdaptation, type LatentSpaceAdaptationOptions, type LsaClassReport } from "./latent/lsa.js";
export { shapiroWilk, normalCdf, normalQuantile, type ShapiroWilkResult } from "./latent/shapiro-wilk.js";
export { runStudy, type StudyResults, type StudyMachine, type StudyResultFiles } from "./study/run-study.js";
export {
  DEFAULT_STUDY_MODELS,
  describeBudget,
  parseBudget,
  resolveStudyOptions,
  type ResolvedStudyOptions,
  type ResolvedStudyEvaluation,
  type StudyBudget,
  type StudyTimeBudget,
  type StudyEpochBudget,
  type StudyStepBudget,
  type StudyNllOptions,
  type StudyEventRun,
  type StudyRunStartEvent,
  type StudyTrainEvent,
  type StudySnapshotEvent,
  type StudyEvaluateEvent,
  type StudyRunEndEvent,
  type StudyDataName,
  type StudyEvaluationOptions,
  type StudyEvent,
  type StudyOptions,
} from "./study/options.js";
export { BudgetClock, type BudgetClockOptions } from "./study/budget.js";
export type { StudyTrainSummary } from "./study/train-run.js";
export type { StudyLsaClass, StudyLsaFailure, StudyLsaResult, StudyRunFiles, StudyRunResult, StudyTimelinePoint } from "./study/evaluate-run.js";
export {
  pickWinners,
  resultsCsv,
  STUDY_METRICS,
  summarizeModels,
  type StudyLsaStats,
  type StudyMetric,
  type StudyModelSummary,
  type StudyRunnerUp,
  type StudyStat,
  type StudyTrainingStats,
  type StudyWinner,
} from "./study/results.js";
export { studyReportHtml } from "./study/report.js";
