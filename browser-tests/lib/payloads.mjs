// A corpus of XSS payloads for the escaping tests (test/xss.test.mjs).
//
// Every payload, should it ever run, calls `window.__xss(N)` with its own number N, so the
// test sees exactly which one ran. Every payload carries a marker `XSS-NNN` (three digits, so
// no marker is a prefix of another), placed where possible INSIDE the markup (a script body,
// an attribute), so that the marker is visible text only when the payload is shown as text.
//
// kind: 'text' payloads go into plain text fields; 'url' payloads are also fit for URL fields
// (front matter `source.url`, a markdown link target); 'md' payloads only mean something in
// markdown and are used in markdown bodies only.

/** The marker of payload `n`: `XSS-007`. */
export const marker = (n) => `XSS-${String(n).padStart(3, '0')}`;

// Each entry: [kind, (n, m) => payload]; n is the payload's number, m its marker.
const TEMPLATES = [
  // Script tags
  ['text', (n, m) => `<script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `</script><script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `<SCRIPT SRC=data:text/javascript,__xss(${n})//${m}></SCRIPT>`],
  ['text', (n, m) => `<scr<script>ipt>__xss(${n})//${m}</scr</script>ipt>`],
  ['text', (n, m) => `<svg><script>__xss(${n})//${m}</script></svg>`],
  ['text', (n, m) => `<svg><script href="data:,__xss(${n})//${m}"/></svg>`],
  // Event handlers
  ['text', (n, m) => `<img src=x onerror=__xss(${n}) alt="${m}">`],
  ['text', (n, m) => `"><svg onload=__xss(${n})><desc>${m}</desc></svg>`],
  ['text', (n, m) => `<details open ontoggle="__xss(${n})//${m}">`],
  ['text', (n, m) => `<style onload="__xss(${n})//${m}">*{}</style>`],
  ['text', (n, m) => `<body onload="__xss(${n})//${m}">`],
  ['text', (n, m) => `<input autofocus onfocus="__xss(${n})//${m}">`],
  ['text', (n, m) => `<video><source onerror="__xss(${n})//${m}"></video>`],
  ['text', (n, m) => `<svg><animate onbegin="__xss(${n})//${m}" attributeName=x dur=1s>`],
  ['text', (n, m) => `<marquee onstart="__xss(${n})//${m}">`],
  ['text', (n, m) => `<img src=x:x onerror="&#95;&#95;xss(${n})//${m}">`],
  // Broken-out attributes and elements
  ['text', (n, m) => `" autofocus onfocus="__xss(${n})" x="${m}`],
  ['text', (n, m) => `' autofocus onfocus='__xss(${n})' x='${m}`],
  ['text', (n, m) => `</title><script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `</textarea><script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `</style><script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `<!--<img src="--><img src=x onerror=__xss(${n}) alt="${m}">-->`],
  ['text', (n, m) => `<noscript><p title="</noscript><img src=x onerror=__xss(${n}) alt=${m}>">`],
  ['text', (n, m) => `<math><mtext><table><mglyph><style><img src=x onerror=__xss(${n}) alt=${m}>`],
  // JSON / script-context breakouts
  ['text', (n, m) => `"}]</script><script>__xss(${n})//${m}</script>`],
  ['text', (n, m) => `'-__xss(${n})-'${m}`],
  ['text', (n, m) => `"-__xss(${n})-"${m}`],
  ['text', (n, m) => `\`+__xss(${n})+\`\${__xss(${n})}${m}`],
  ['text', (n, m) => `\\u003cscript\\u003e__xss(${n})//${m}\\u003c/script\\u003e`],
  ['text', (n, m) => `\u2028</script><script>__xss(${n})//${m}</script>\u2029`],
  ['text', (n, m) => `]]><script>__xss(${n})//${m}</script>`],
  // Frames, objects, forms, base, meta
  ['text', (n, m) => `<iframe srcdoc="<script>parent.__xss(${n})</script>${m}"></iframe>`],
  ['text', (n, m) => `<object data="javascript:__xss(${n})//${m}"></object>`],
  ['text', (n, m) => `<embed src="javascript:__xss(${n})//${m}">`],
  ['text', (n, m) => `<form action="javascript:__xss(${n})//${m}"><button>go</button></form>`],
  ['text', (n, m) => `<isindex action="javascript:__xss(${n})//${m}" type=submit>`],
  ['text', (n, m) => `<base href="//xss.invalid/${m}/"><img src=x onerror=__xss(${n})>`],
  ['text', (n, m) => `<meta http-equiv="refresh" content="0;url=javascript:__xss(${n})//${m}">`],
  ['text', (n, m) => `<link rel=import href="data:text/html,<script>parent.__xss(${n})</script>${m}">`],
  ['text', (n, m) => `<div style="background:url(javascript:__xss(${n}))">${m}</div>`],
  // Links
  ['text', (n, m) => `<a href="jav&#x09;ascript:__xss(${n})//${m}">x</a>`],
  ['text', (n, m) => `<a href="JaVaScRiPt:__xss(${n})//${m}">x</a>`],
  ['text', (n, m) => `<a href="&#106;avascript:__xss(${n})//${m}">x</a>`],
  ['text', (n, m) => `<a href=" javascript:__xss(${n})//${m}">x</a>`],
  ['text', (n, m) => `<svg><a xlink:href="javascript:__xss(${n})//${m}"><text>x</text></a></svg>`],
  [
    'text',
    (n, m) =>
      `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>` +
      `<image href='1' onerror='__xss(${n})'/></svg>#x"/><desc>${m}</desc></svg>`,
  ],
  // URLs (also used as link targets)
  ['url', (n, m) => `javascript:__xss(${n})//${m}`],
  ['url', (n, m) => `JAVASCRIPT:__xss(${n})//${m}`],
  ['url', (n, m) => `java\u200dscript:__xss(${n})//${m}`],
  ['url', (n, m) => `data:text/html,<script>parent.__xss(${n})</script>${m}`],
  ['url', (n, m) => `\u0020javascript:__xss(${n})//${m}`],
  // Unicode tricks
  ['text', (n, m) => `＜script＞__xss(${n})//${m}＜/script＞`],
  ['text', (n, m) => `\u202e<script>__xss(${n})//${m}</script>\u202c`],
  ['text', (n, m) => `\ufeff<img src=x onerror=__xss(${n}) alt=${m}>`],
  ['text', (n, m) => `<scr\u200bipt>__xss(${n})//${m}</scr\u200bipt>`],
  ['text', (n, m) => `\u00a0<\u0131mg src=x onerror=__xss(${n}) alt=${m}>`],
  // Encodings
  ['text', (n, m) => `%3Cscript%3E__xss(${n})//${m}%3C/script%3E`],
  ['text', (n, m) => `&lt;script&gt;__xss(${n})//${m}&lt;/script&gt;`],
  ['text', (n, m) => `&#60;script&#62;__xss(${n})//${m}&#60;/script&#62;`],
  ['text', (n, m) => `&#x3C;img src=x onerror=__xss(${n}) alt=${m}&#x3E;`],
  // Template syntax (Tera): must reach the page verbatim, never evaluated
  ['text', (n, m) => `{{ site.sign_address }} {{ __xss(${n}) }} ${m}`],
  ['text', (n, m) => `{% raw %}{{ __tera_context }}{% endraw %}{% if true %}${m}{% endif %}{{ __xss(${n}) }}`],
  ['text', (n, m) => `{{ "<script>__xss(${n})</script>" | safe }} ${m}`],
  // Markdown only
  ['md', (n, m) => `[${m}](javascript:__xss(${n}))`],
  ['md', (n, m) => `<javascript:__xss(${n})//${m}>`],
  ['md', (n, m) => `![${m}](x"onerror="__xss(${n}))`],
  ['md', (n, m) => `[${m}](https://a.example/"onmouseover="__xss(${n}))`],
  ['md', (n, m) => `[${m}][r${n}]\n\n[r${n}]: javascript:__xss(${n})`],
  ['md', (n, m) => `[${m}](data:text/html;base64,${btoa(`<script>parent.__xss(${n})</script>`)})`],
  ['md', (n, m) => `[${m}](<jav&#x61;script:__xss(${n})>)`],
  ['md', (n, m) => '```html\n' + `</code></pre><script>__xss(${n})//${m}</script>\n` + '```'],
];

/** `{ n, marker, kind, text }` for every payload, numbered from 1. */
export const PAYLOADS = TEMPLATES.map(([kind, make], i) => {
  const n = i + 1;
  return { n, marker: marker(n), kind, text: make(n, marker(n)) };
});

/**
 * A YAML double-quoted scalar for `text`: JSON's escaping, plus `\uXXXX` for the characters
 * YAML would read as line breaks or that an editor might lose (U+0085, U+2028, U+2029,
 * bidi and zero-width controls, U+FEFF).
 */
export function yamlString(text) {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u00a0\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}
