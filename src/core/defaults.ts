/** Defaults shared by more than one factory, in one place. */

/** The deadline of a run of the application checks, and of each environment section, in ms. */
export const DEFAULT_TIMEOUT = 5000;
