import { afterAll } from 'vitest';
import { postgresSchemas } from '../helpers/postgres.js';
import { crashSuite } from './crash-suite.js';

const schemas = postgresSchemas('crash');
afterAll(() => schemas.dropAll());

crashSuite('PostgreSQL', async () => ({ driver: 'postgres', url: await schemas.create() }));
