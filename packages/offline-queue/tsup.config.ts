import { packageConfig } from '../../tooling/tsup-config';

export default packageConfig({ index: 'src/index.ts' });
