/** Live sources on an AudioContext: the built-in signals and the microphone. Main thread only. */
import { dbToGain, sourceSamples, type SourceSpec } from '../dsp-stages/signals.ts';
import { delayedPair } from '../dsp-stages/delayed-pair.ts';

export interface LiveSource {
  readonly spec: SourceSpec;
  readonly node: AudioNode;
  /** Applies a new frequency or level without rebuilding, when the kind is unchanged. Returns false if it cannot. */
  update(spec: SourceSpec): boolean;
  stop(): void;
}

/** Loop lengths of the buffer-based sources, seconds. */
const LOOP_SECONDS: Record<'sweep' | 'noise' | 'impulse', number> = { sweep: 5, noise: 2, impulse: 1 };

export async function createLiveSource(ctx: AudioContext, spec: SourceSpec): Promise<LiveSource> {
  switch (spec.kind) {
    case 'sine': {
      const osc = new OscillatorNode(ctx, { type: 'sine', frequency: spec.frequencyHz });
      const gain = new GainNode(ctx, { gain: dbToGain(spec.levelDb) });
      osc.connect(gain);
      osc.start();
      return {
        spec,
        node: gain,
        update(next) {
          if (next.kind !== 'sine') return false;
          osc.frequency.setValueAtTime(next.frequencyHz, ctx.currentTime);
          gain.gain.setValueAtTime(dbToGain(next.levelDb), ctx.currentTime);
          return true;
        },
        stop() {
          osc.stop();
          osc.disconnect();
          gain.disconnect();
        },
      };
    }
    case 'sweep':
    case 'noise':
    case 'impulse': {
      const frames = Math.round(LOOP_SECONDS[spec.kind] * ctx.sampleRate);
      const buffer = new AudioBuffer({ length: frames, sampleRate: ctx.sampleRate, numberOfChannels: 1 });
      buffer.getChannelData(0).set(sourceSamples({ ...spec, levelDb: 0 }, ctx.sampleRate, frames));
      const src = new AudioBufferSourceNode(ctx, { buffer, loop: true });
      const gain = new GainNode(ctx, { gain: dbToGain(spec.levelDb) });
      src.connect(gain);
      src.start();
      return {
        spec,
        node: gain,
        update(next) {
          if (next.kind !== spec.kind) return false;
          gain.gain.setValueAtTime(dbToGain(next.levelDb), ctx.currentTime);
          return true;
        },
        stop() {
          src.stop();
          src.disconnect();
          gain.disconnect();
        },
      };
    }
    case 'delayed-noise': {
      // a looped stereo pair: Gaussian noise (channel 0, the reference) and the same noise
      // delayed by an exact fractional delay (channel 1), each with independent noise at snrDb
      const frames = 1 << 17;
      const pair = delayedPair({
        n: frames,
        delay: spec.delaySamples ?? 100.37,
        snrDb: spec.snrDb ?? 30,
        seed: 11,
        rms: 0.25,
        shape: spec.pairShape ?? 'noise',
      });
      const buffer = new AudioBuffer({ length: frames, sampleRate: ctx.sampleRate, numberOfChannels: 2 });
      buffer.getChannelData(0).set(pair.reference);
      buffer.getChannelData(1).set(pair.input);
      const src = new AudioBufferSourceNode(ctx, { buffer, loop: true });
      const gain = new GainNode(ctx, { gain: dbToGain(spec.levelDb), channelCount: 2, channelCountMode: 'explicit' });
      src.connect(gain);
      src.start();
      return {
        spec,
        node: gain,
        update(next) {
          if (
            next.kind !== 'delayed-noise' ||
            next.delaySamples !== spec.delaySamples ||
            next.snrDb !== spec.snrDb ||
            next.pairShape !== spec.pairShape
          )
            return false;
          gain.gain.setValueAtTime(dbToGain(next.levelDb), ctx.currentTime);
          return true;
        },
        stop() {
          src.stop();
          src.disconnect();
          gain.disconnect();
        },
      };
    }
    case 'silence': {
      const src = new ConstantSourceNode(ctx, { offset: 0 });
      src.start();
      return {
        spec,
        node: src,
        update: (next) => next.kind === 'silence',
        stop() {
          src.stop();
          src.disconnect();
        },
      };
    }
    case 'file':
      throw new Error('a file source is not a live source: it is decoded on the worker pool and looped by StagebenchRuntime.playFile');
    case 'mic': {
      if (!navigator.mediaDevices?.getUserMedia) {
        throw new Error('microphone unavailable: this page has no navigator.mediaDevices (it needs https or localhost)');
      }
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        });
      } catch (err) {
        const e = err as DOMException;
        const why =
          e.name === 'NotAllowedError'
            ? 'permission denied (allow the microphone for this site)'
            : e.name === 'NotFoundError'
              ? 'no microphone found'
              : `${e.name}: ${e.message}`;
        throw new Error(`microphone unavailable: ${why}`);
      }
      const src = new MediaStreamAudioSourceNode(ctx, { mediaStream: stream });
      const gain = new GainNode(ctx, { gain: dbToGain(spec.levelDb) });
      src.connect(gain);
      return {
        spec,
        node: gain,
        update(next) {
          if (next.kind !== 'mic') return false;
          gain.gain.setValueAtTime(dbToGain(next.levelDb), ctx.currentTime);
          return true;
        },
        stop() {
          for (const track of stream.getTracks()) track.stop();
          src.disconnect();
          gain.disconnect();
        },
      };
    }
  }
}
