// The benchmark peer: the smallest page that signs in with @azure/msal-browser the way
// twinscope does (authorization code with PKCE, redirect, sessionStorage cache).
//
// Like twinscope, it reads its runtime configuration from `/config.json` on its own origin,
// so one bundle serves any emulator port and both pages make that same request.
// `knownAuthorities` names the authority's host, so MSAL trusts it without asking
// login.microsoftonline.com for instance discovery.
import { PublicClientApplication } from "@azure/msal-browser";

const SCOPES = ["openid", "profile", "offline_access"];

function show(main, ...nodes) {
  main.replaceChildren(...nodes);
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

async function start(main) {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = await response.json();
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: [new URL(config.authority).host],
      redirectUri: `${location.origin}/`,
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getAllAccounts()[0];
  if (!account) {
    const button = element("button", { type: "button" }, "Sign in");
    button.addEventListener("click", () => msal.loginRedirect({ scopes: SCOPES }));
    show(main, button);
    return;
  }
  show(main, element("p", { id: "signed-in" }, account.username));
  window.__peerSignedInMs = performance.now();
  window.__peerDone = true;
}

const main = document.querySelector("main");
start(main).catch((error) => {
  show(main, element("p", { role: "alert", id: "peer-error" }, String(error)));
  window.__peerError = String(error);
});
