import { packageTestConfig } from '../../tooling/vitest-config';

// Node-side code (the reference server, the demo cloud) reads @tillkit packages from source; the
// till itself is built by Vite inside the test, with the same condition (vite.config.ts).
export default packageTestConfig();
