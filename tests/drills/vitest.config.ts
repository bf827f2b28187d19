import { packageTestConfig } from '../../tooling/vitest-config';

// Reads every @tillkit package from source (the @tillkit/source condition), like the packages' own tests.
export default packageTestConfig();
