import type { paths } from './schema';

/** Response bodies, named by what the page shows, derived from the generated OpenAPI paths. */
export type SystemStatus = paths['/api/system/status']['get']['responses'][200]['content']['application/json'];
export type NetworkInterfaceStatus = SystemStatus['interfaces'][number];
