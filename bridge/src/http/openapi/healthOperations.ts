import { healthResponse, notReadyResponse, readyResponse } from '../routes/health/responses.ts';
import { component } from './components.ts';
import type { Operation } from './operation.ts';

/** routes/health/router.ts: probes and metrics, no key, on every bridge process whatever its roles. */
export const healthOperations: Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Health',
    summary: 'Liveness',
    description: 'Answers while the process runs; it checks nothing else.',
    access: 'public',
    responses: { 200: { description: 'The process is alive.', json: component('Health', healthResponse) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tag: 'Health',
    summary: 'Readiness',
    description: 'Ready when MongoDB and Redis both answer within 1.5 s.',
    access: 'public',
    responses: {
      200: { description: 'MongoDB and Redis are reachable.', json: component('Ready', readyResponse) },
      503: { description: '`not_ready`: one of them is not; `checks` says which.', json: component('NotReady', notReadyResponse) },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'Health',
    summary: 'Prometheus metrics',
    description:
      'No API key; with METRICS_TOKEN set, the scrape must send `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise). ' +
      'With METRICS_PORT set, this route is served on that port alone instead of the API\'s. The metrics are listed in docs/metrics.md.',
    access: 'public',
    responses: {
      200: {
        description: 'The Prometheus text exposition format.',
        content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
      },
    },
    errors: [401],
  },
];
