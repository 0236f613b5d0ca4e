// The walkthrough lives in src/cli/walkthrough/, one file per vendor step.
export { runWalkthrough } from '../walkthrough/run-walkthrough.js';
