/**
 * The rules of docker sandboxes that a schema cannot say: which fields need `backend: "docker"`, the agent image,
 * services or compose (not both), dependsOn naming real services without cycles, a planted flag in a real service
 * with a file or an env variable, and the problems of the compose file. Pure: the caller reads the compose file.
 */
import { formatProblem } from '../errors.js';
import type { Sample, ServiceSpec } from '../schema/suite.js';
import { findDependencyCycle } from './find-dependency-cycle.js';
import { parseCompose } from './parse-compose.js';

/** One problem, as a pointer inside the sample and a message. */
export interface SampleIssue {
  pointer: string;
  message: string;
}

/** Reads a compose file named by a sample: its text, or a message saying why it cannot be read. */
export type ComposeReader = (path: string) => { text: string } | { problem: string };

const DOCKER_ONLY = ['image', 'runtime', 'capabilities', 'services', 'compose', 'flag'] as const;

/**
 * The docker-sandbox problems of a schema-valid sample; `readCompose` is absent when files are not checked on disk
 * (then a compose file's services are not known and flag/service checks against them are skipped).
 */
export function checkDockerSandbox(sample: Sample, readCompose?: ComposeReader): SampleIssue[] {
  const sandbox = sample.sandbox;
  if (sandbox === undefined) return [];
  const issues: SampleIssue[] = [];
  const at = (pointer: string, message: string): void => {
    issues.push({ pointer: `/sandbox${pointer}`, message });
  };
  if (sandbox.backend !== 'docker') {
    for (const field of DOCKER_ONLY) {
      if (sandbox[field] !== undefined) {
        at(`/${field}`, `"${field}" is for docker sandboxes only: add "backend": "docker" or remove it`);
      }
    }
    return issues;
  }
  if (sample.agent === undefined) {
    issues.push({
      pointer: '/agent',
      message: 'a docker sandbox needs an "agent" (tools and limits) to run',
    });
  }
  if (sandbox.image === undefined) {
    at('', 'a docker sandbox needs "image": the agent\'s image (with /bin/sh)');
  }
  if (sandbox.network !== undefined) {
    at('/network', 'docker sandboxes have a private network of their own: remove "network"');
  }
  if (sandbox.services !== undefined && sandbox.compose !== undefined) {
    at('/compose', 'give either "services" or "compose", not both');
  }
  let services: Record<string, ServiceSpec> | undefined = sandbox.services ?? {};
  if (sandbox.compose !== undefined) {
    services = undefined;
    const read = readCompose?.(sandbox.compose);
    if (read !== undefined && 'problem' in read) at('/compose', read.problem);
    else if (read !== undefined) {
      const parsed = parseCompose(read.text, sandbox.compose);
      for (const problem of parsed.problems) at('/compose', formatProblem(problem));
      if (parsed.problems.length === 0) services = parsed.services;
    }
  }
  if (services === undefined) return issues;
  const names = Object.keys(services);
  for (const [name, service] of Object.entries(sandbox.services ?? {})) {
    for (const [i, dependency] of (service.dependsOn ?? []).entries()) {
      if (dependency === name)
        at(`/services/${name}/dependsOn/${i}`, `service "${name}" cannot depend on itself`);
      else if (services[dependency] === undefined) {
        at(
          `/services/${name}/dependsOn/${i}`,
          `no service "${dependency}" (services: ${names.join(', ') || 'none'})`,
        );
      }
    }
    const health = service.healthcheck;
    if (
      health !== undefined &&
      'tcp' in health &&
      service.ports !== undefined &&
      !service.ports.includes(health.tcp)
    ) {
      at(
        `/services/${name}/healthcheck/tcp`,
        `port ${health.tcp} is not among the service's "ports"; add it there`,
      );
    }
  }
  const cycle = findDependencyCycle(services);
  if (cycle !== undefined) {
    at('/services', `dependsOn forms a cycle: ${cycle.join(' -> ')}; services must start in some order`);
  }
  const flag = sandbox.flag;
  if (flag !== undefined) {
    if ((flag.file === undefined) === (flag.env === undefined)) {
      at('/flag', 'a planted flag needs exactly one of "file" (an absolute path) or "env" (a variable name)');
    }
    if (services[flag.service] === undefined) {
      at(
        '/flag/service',
        `no service "${flag.service}" to plant the flag in (services: ${names.join(', ') || 'none'})`,
      );
    }
  }
  return issues;
}
