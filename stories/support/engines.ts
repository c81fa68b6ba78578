/**
 * Stories that cannot run in Firefox. The Firefox suite (scripts/test-firefox.mjs) skips a story
 * tagged `chromium-only` and lists it with the reason in its `parameters.chromiumOnly`; a tagged
 * story without a reason fails there.
 */

/** Firefox implements no `OfflineAudioContext.suspend(time)`, which offline renders with parameter changes need. */
export const NEEDS_OFFLINE_SUSPEND =
  'changes parameters mid-render at exact quantum boundaries with OfflineAudioContext.suspend(time), which Firefox does not implement';

/** Firefox has no `renderSizeHint` (nor `renderQuantumSize`): its contexts render 128 frames, whatever is asked. */
export const NEEDS_RENDER_SIZE_HINT =
  'renders at quanta of 64 to 1024 frames through renderSizeHint, which Firefox does not implement (its contexts always render 128)';

/**
 * The parameters of a story that runs in Chromium only, `reason` saying why. The story also lists
 * the tag `chromium-only` in its own `tags` (Storybook reads tags from the source as written).
 */
export function chromiumOnly(reason: string): { chromiumOnly: string } {
  return { chromiumOnly: reason };
}
