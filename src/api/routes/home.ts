/**
 * GET / : the first-run setup form while no org exists (plain HTML, no outside assets),
 * otherwise the web UI (its command center, or its sign-in page).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { sendApp } from './web.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;background:#2f5bea;color:#fff;border:0;border-radius:4px}
code{background:#eef1f6;padding:.1rem .3rem;border-radius:3px}.err{color:#b00020}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const SETUP_SCRIPT = `document.getElementById('setup').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const res = await fetch('/api/setup', {method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify(Object.fromEntries(f))});
  const out = await res.json();
  const msg = document.getElementById('msg');
  if (res.ok) {
    msg.className = '';
    msg.textContent = 'Done. Your API token (for the API and the CLI): ' + out.token + ' ';
    const a = document.createElement('a'); a.href = '/'; a.textContent = 'Open Flowgate'; msg.appendChild(a);
  }
  else { msg.className = 'err'; msg.textContent = out.error.message; }
});`;

export function homeRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const any = await ctx.db.k.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!any) {
      return page(
        'Set up Flowgate',
        `<h1>Set up Flowgate</h1><p>Create your organization and its first owner. This account is also the instance admin.</p>
<form id="setup"><label for="orgName">Organization</label><input id="orgName" name="orgName" required>
<label for="name">Your name</label><input id="name" name="name" required>
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="password">Password (8 characters or more)</label><input id="password" name="password" type="password" minlength="8" required>
<button type="submit">Create</button></form><p id="msg" role="status"></p><script>${SETUP_SCRIPT}</script>`,
      );
    }
    return sendApp(reply);
  });
}
