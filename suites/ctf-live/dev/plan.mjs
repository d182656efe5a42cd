// Expands suite.json into a plan directory that verify.sh reads with plain shell tools:
//   PLAN/<n>/id, target, timeout, image, agent/ (task files), solution/<k> (one command per file)
//   PLAN/<n>/flag/{service,file,env,format}
//   PLAN/<n>/services (start order, dependsOn first), PLAN/<n>/svc/<name>/{image,command.sh|command.args,env,
//   networks,capabilities,user,health.tcp,health.timeout,root/}
// Usage: node plan.mjs SUITE_JSON PLAN_DIR [sample-id ...]
import fs from 'node:fs';
import path from 'node:path';

const [suitePath, planDir, ...only] = process.argv.slice(2);
const suite = JSON.parse(fs.readFileSync(suitePath, 'utf8'));
const suiteDir = path.dirname(suitePath);

function bytesOf(spec) {
  if (typeof spec === 'string') return Buffer.from(spec, 'utf8');
  if ('base64' in spec) return Buffer.from(spec.base64, 'base64');
  return fs.readFileSync(path.join(suiteDir, spec.path));
}
function put(file, data, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, data, { mode });
  fs.chmodSync(file, mode);
}
function order(services) {
  const done = [];
  const visit = (name, stack) => {
    if (done.includes(name)) return;
    if (stack.includes(name)) throw new Error(`dependsOn cycle at ${name}`);
    for (const dep of services[name].dependsOn ?? []) visit(dep, [...stack, name]);
    done.push(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return done;
}

let n = 0;
for (const sample of suite.samples) {
  if (only.length > 0 && !only.includes(sample.id)) continue;
  const sb = sample.sandbox ?? {};
  if (sb.backend !== 'docker') continue;
  const dir = path.join(planDir, String(n++));
  put(path.join(dir, 'id'), sample.id + '\n');
  put(path.join(dir, 'target'), (Array.isArray(sample.target) ? sample.target[0] : sample.target) + '\n');
  put(path.join(dir, 'timeout'), String(sample.agent?.commandTimeoutS ?? 30) + '\n');
  put(path.join(dir, 'image'), sb.image + '\n');
  fs.mkdirSync(path.join(dir, 'agent'), { recursive: true });
  for (const [rel, spec] of Object.entries(sb.files ?? {})) put(path.join(dir, 'agent', rel), bytesOf(spec));
  (sample.metadata?.solution ?? []).forEach((cmd, k) => put(path.join(dir, 'solution', String(k).padStart(3, '0')), cmd));
  const flag = sb.flag ?? {};
  for (const key of ['service', 'file', 'env', 'format']) if (flag[key] !== undefined) put(path.join(dir, 'flag', key), flag[key]);
  const services = sb.services ?? {};
  put(path.join(dir, 'services'), order(services).join('\n') + '\n');
  for (const [name, svc] of Object.entries(services)) {
    const s = path.join(dir, 'svc', name);
    put(path.join(s, 'image'), svc.image + '\n');
    if (typeof svc.command === 'string') put(path.join(s, 'command.sh'), svc.command);
    else if (Array.isArray(svc.command)) put(path.join(s, 'command.args'), svc.command.join('\0'));
    put(path.join(s, 'env'), Object.entries(svc.env ?? {}).map(([k, v]) => `${k}=${v}\n`).join(''));
    put(path.join(s, 'networks'), (svc.networks ?? ['default']).join('\n') + '\n');
    put(path.join(s, 'capabilities'), (svc.capabilities ?? []).join('\n') + '\n');
    if (svc.user !== undefined) put(path.join(s, 'user'), svc.user + '\n');
    if (svc.healthcheck?.tcp !== undefined) put(path.join(s, 'health.tcp'), String(svc.healthcheck.tcp) + '\n');
    put(path.join(s, 'health.timeout'), String(svc.healthcheck?.timeoutS ?? 30) + '\n');
    fs.mkdirSync(path.join(s, 'root'), { recursive: true });
    for (const [abs, spec] of Object.entries(svc.files ?? {})) put(path.join(s, 'root', abs), bytesOf(spec));
  }
}
console.log(n);
