import { BerthError, notFound } from '../../../lib/errors.js';
import { filtersParam } from '../query.js';
import type { Router } from '../router.js';
import { sendJson } from '../server.js';

/** dockerd's answer on a node with swarm inactive, which clients probe for and handle. */
const NOT_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

const notManager = async (): Promise<void> => {
  throw new BerthError('Unavailable', 'not_swarm_manager', NOT_MANAGER);
};

const unsupported = (what: string) => async (): Promise<void> => {
  throw new BerthError('NotImplemented', `${what}_not_supported`, `${what} is not supported by berth`);
};

/** Swarm-mode routes: the node never joins a swarm, so every manager-only call is refused as dockerd refuses it. */
const MANAGER_ROUTES: [string, string][] = [
  ['GET', '/swarm'],
  ['POST', '/swarm/update'],
  ['GET', '/swarm/unlockkey'],
  ['POST', '/swarm/unlock'],
  ...(['services', 'nodes', 'tasks', 'secrets', 'configs'] as const).flatMap((kind): [string, string][] => [
    ['GET', `/${kind}`],
    ['GET', `/${kind}/{id}`],
  ]),
  ...(['services', 'secrets', 'configs'] as const).flatMap((kind): [string, string][] => [
    ['POST', `/${kind}/create`],
    ['POST', `/${kind}/{id}/update`],
    ['DELETE', `/${kind}/{id}`],
  ]),
  ['POST', '/nodes/{id}/update'],
  ['DELETE', '/nodes/{id}'],
  ['GET', '/services/{id}/logs'],
  ['GET', '/tasks/{id}/logs'],
];

/** Swarm, services, nodes, tasks, secrets, configs and plugins: berth has none of them. */
export function swarmRoutes(router: Router): void {
  for (const [method, path] of MANAGER_ROUTES) router.add(method, path, notManager);
  router.add('POST', '/swarm/leave', async () => {
    throw new BerthError('Unavailable', 'no_swarm', 'This node is not part of a swarm');
  });
  router.add('POST', '/swarm/init', unsupported('swarm mode'));
  router.add('POST', '/swarm/join', unsupported('swarm mode'));

  router.add('GET', '/plugins', async (ctx) => {
    filtersParam(ctx.query);
    sendJson(ctx, 200, []);
  });
  router.add('GET', '/plugins/privileges', unsupported('plugins'));
  router.add('POST', '/plugins/pull', unsupported('plugins'));
  router.add('POST', '/plugins/create', unsupported('plugins'));
  const noSuchPlugin = async (ctx: { params: Record<string, string> }): Promise<void> => {
    throw notFound('plugin_not_found', `plugin "${ctx.params['name'] ?? ''}" not found`);
  };
  router.add('GET', '/plugins/{name*}/json', noSuchPlugin);
  for (const action of ['enable', 'disable', 'push', 'upgrade', 'set']) router.add('POST', `/plugins/{name*}/${action}`, noSuchPlugin);
  router.add('DELETE', '/plugins/{name*}', noSuchPlugin);
}
