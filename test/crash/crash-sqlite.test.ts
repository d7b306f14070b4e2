import { crashSuite } from './crash-suite.js';

crashSuite('SQLite', async () => undefined);
