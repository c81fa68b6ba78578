/** Types of the untyped peer of the eq bench, as far as it uses it. */

declare module 'fili' {
  /** One biquad section: y = k x filtered by b0 + b1 z^-1 + b2 z^-2 over 1 + a1 z^-1 + a2 z^-2. */
  interface IirSection {
    k: number;
    a: [number, number];
    b: [number, number, number];
  }
  interface IirFilter {
    /** Filters `input` sample by sample through every section; with `overwrite`, in place. */
    multiStep(input: ArrayLike<number> & { [i: number]: number }, overwrite?: boolean): ArrayLike<number>;
    singleStep(x: number): number;
    /** Clears every section's state. */
    reinit(): void;
  }
  const Fili: { IirFilter: new (sections: IirSection[]) => IirFilter };
  export default Fili;
}
