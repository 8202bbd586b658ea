// `npm start`: the local sandbox. Sets up and builds like `npm test`, then
// runs the bundled app against the embedded Entra emulator.
import { setup } from './setup.mjs';
import { build } from './build.mjs';

setup();
await build();
console.log('\nThe app is built (build/forge). The local sandbox web page is not part of this version yet;');
console.log('run `npm test` to exercise the bundled app under the local Forge runtime.');
