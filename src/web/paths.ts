/** Every route of the HTTP server; deployment manifests and tests take the paths from here. */
export const paths = {
  live: '/live',
  ready: '/ready',
  metrics: '/metrics',
  dashboard: '/',
  jobs: '/api/v1/jobs',
  job: '/api/v1/jobs/:id',
  products: '/api/v1/products',
  quarantine: '/api/v1/quarantine',
  openapi: '/api/v1/openapi.json',
} as const;
