/** Hash of the build's inputs: their paths and contents. */
export function sourceHash(): string;
/** Whether dist/ was built from the current sources. */
export function isBuildCurrent(): boolean;
