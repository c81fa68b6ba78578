/** Types of the untyped peer of the decode bench, as far as it uses it. */

declare module 'node-wav' {
  /** Decodes a WAV file: one Float32Array per channel (16-bit: integers / 32768 below zero, / 32767 above). */
  function decode(buffer: Uint8Array | ArrayBuffer): { sampleRate: number; channelData: Float32Array[] };
  const nodeWav: { decode: typeof decode };
  export default nodeWav;
}
