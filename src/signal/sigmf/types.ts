// Types for the SigMF recordings and collections we write (see write.ts for the spec notes).

/** A receiver position, WGS84: latitude/longitude in decimal degrees, altitude in metres above the ellipsoid. */
export interface SigmfGeolocationInput {
  lat: number;
  lon: number;
  altM: number;
}

/** One entry of `core:extensions`: the spec allows exactly these three keys. */
export interface SigmfExtension {
  name: string;
  version: string;
  /** false: a reader MUST support this extension to parse the recording. */
  optional: boolean;
}

export interface SigmfAnnotationInput {
  /** Index of the first complex sample the annotation covers. */
  sampleStart: number;
  sampleCount: number;
  label?: string;
  comment?: string;
  /** Both edges or neither (the spec forbids giving only one). */
  freqLowerEdgeHz?: number;
  freqUpperEdgeHz?: number;
}

export interface SigmfRecordingInput {
  /**
   * Interleaved I,Q,I,Q… samples: float32 (full scale ±1) written as cf32_le, or int16 written as
   * ci16_le (read back as v / 32768).
   */
  iq: Float32Array | Int16Array;
  sampleRateHz: number;
  centerFreqHz: number;
  /** Time of the first sample. */
  datetime: Date;
  /** Nanoseconds to add below `datetime`'s millisecond (0–999999), for GPS-disciplined timestamps. */
  datetimeExtraNs?: number;
  geolocation?: SigmfGeolocationInput;
  description?: string;
  author?: string;
  recorder?: string;
  hw?: string;
  /** Extra `global` fields; keys must be namespaced (`heimdall:snr_db`) and not in `core`. */
  extraGlobal?: Record<string, unknown>;
  extensions?: SigmfExtension[];
  annotations?: SigmfAnnotationInput[];
  /**
   * fsync each file before the rename (default true). Bulk writers that make a whole folder
   * visible by one rename at the end (the simulator) pass false: per-file fsyncs cost more than
   * generating the data, and the folder rename already keeps readers from half-written output.
   */
  durable?: boolean;
}

export interface SigmfRecordingResult {
  metaPath: string;
  dataPath: string;
  /** SHA512 (hex) of the `.sigmf-meta` file's bytes: what a collection's `core:streams` hash refers to. */
  sha512: string;
}

export interface SigmfStreamRef {
  baseName: string;
  metaSha512: string;
}

export interface SigmfCollectionInput {
  streams: SigmfStreamRef[];
  description?: string;
  /** Extra `collection` fields; keys must be namespaced and not in `core`. */
  extra?: Record<string, unknown>;
  /** fsync before the rename (default true); see SigmfRecordingInput.durable. */
  durable?: boolean;
}

// ---- Shapes of the JSON we write ----

/** RFC 7946 GeoJSON Point; coordinates are [longitude, latitude, altitude]. */
export interface SigmfGeoJsonPoint {
  type: 'Point';
  coordinates: [number, number, number];
}

export interface SigmfGlobal {
  'core:datatype': 'cf32_le' | 'ci16_le';
  'core:version': string;
  'core:sample_rate': number;
  /** SHA512 of the dataset file. */
  'core:sha512': string;
  'core:description'?: string;
  'core:author'?: string;
  'core:recorder'?: string;
  'core:hw'?: string;
  'core:geolocation'?: SigmfGeoJsonPoint;
  'core:extensions'?: SigmfExtension[];
  [namespacedKey: string]: unknown;
}

export interface SigmfCapture {
  'core:sample_start': number;
  'core:frequency': number;
  'core:datetime': string;
}

export interface SigmfAnnotation {
  'core:sample_start': number;
  'core:sample_count': number;
  'core:label'?: string;
  'core:comment'?: string;
  'core:freq_lower_edge'?: number;
  'core:freq_upper_edge'?: number;
}

export interface SigmfMeta {
  global: SigmfGlobal;
  captures: SigmfCapture[];
  annotations: SigmfAnnotation[];
}

export interface SigmfCollectionFile {
  collection: {
    'core:version': string;
    'core:description'?: string;
    'core:streams': { name: string; hash: string }[];
    [namespacedKey: string]: unknown;
  };
}
