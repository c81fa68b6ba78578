/**
 * Playback without SharedArrayBuffer: decoded chunks arrive at the AudioWorklet by message and
 * wait here until played. `process` fills one quantum per call from the queued planes (copying,
 * no allocation), counting underruns the way the shared ring does (stream.ts): quanta that found
 * fewer frames than they needed while playing, not before the first frame, and not the partial
 * last quantum once the stream has ended.
 */
export class PlaybackQueue {
  private readonly chunks: Float32Array[][] = [];
  private pos = 0;
  private ended = false;
  private playing = false;
  framesRead = 0;
  underruns = 0;
  bufferedFrames = 0;

  /** Queues planar frames (one or two channels); a mono chunk plays on both outputs. */
  push(planes: Float32Array[], end: boolean): void {
    if (planes.length > 0 && planes[0]!.length > 0) {
      this.chunks.push(planes);
      this.bufferedFrames += planes[0]!.length;
    }
    if (end) this.ended = true;
  }

  get finished(): boolean {
    return this.ended && this.bufferedFrames === 0;
  }

  /** Fills `outputs` (one or two channel arrays of one quantum); returns the frames taken. */
  process(outputs: Float32Array[]): number {
    const out0 = outputs[0];
    if (!out0) return 0;
    const out1 = outputs[1];
    const n = out0.length;
    let got = 0;
    while (got < n && this.chunks.length > 0) {
      const planes = this.chunks[0]!;
      const left = planes[0]!;
      const right = planes[1] ?? left;
      const take = Math.min(n - got, left.length - this.pos);
      out0.set(left.subarray(this.pos, this.pos + take), got);
      if (out1) out1.set(right.subarray(this.pos, this.pos + take), got);
      got += take;
      this.pos += take;
      if (this.pos >= left.length) {
        this.chunks.shift();
        this.pos = 0;
      }
    }
    out0.fill(0, got);
    out1?.fill(0, got);
    this.bufferedFrames -= got;
    this.framesRead += got;
    if (got > 0) this.playing = true;
    if (this.playing && got < n) {
      if (this.finished) this.playing = false;
      else this.underruns++;
    }
    return got;
  }
}
