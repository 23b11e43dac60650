// What a page of the site shows that readers would call broken, found by script in the
// page itself (tests/test_pages_browser.py runs it on every page at two widths).
(() => {
  const found = [];
  const article = document.querySelector('article.md-content__inner');
  const column = article.getBoundingClientRect();
  for (const code of article.querySelectorAll('code')) {
    if (code.closest('pre')) continue;
    if (/^(bash|sh|console)\s/.test(code.textContent)) found.push('inline command: ' + code.textContent.slice(0, 60));
    // A command in a table cell wraps in a narrow column and has no copy button.
    // (A tool named in prose, such as `opsbook import`, is not a command: a command has
    // an argument with a path, option or value, or three words at least.)
    const words = code.textContent.trim().split(/\s+/);
    const command = /^(kubectl|curl|opsbook|kamal|helm|docker|npm|git|\.\/\S+)$/.test(words[0]) &&
      (words.length >= 3 || words.slice(1).some(w => /[\/=]|^-/.test(w)));
    if (code.closest('td') && command)
      found.push('command in a table cell: ' + code.textContent.slice(0, 60));
  }
  for (const pre of article.querySelectorAll('pre')) {
    if (pre.classList.contains('mermaid') || pre.closest('.mermaid')) continue;
    if (pre.closest('.opsbook-record')) continue;  // it has its own "Copy command" button
    const box = pre.closest('.highlight') || pre;
    if (!box.querySelector('button.md-clipboard, button[data-md-type="copy"]') && !pre.classList.contains('opsbook-source'))
      found.push('no copy button: ' + pre.textContent.slice(0, 60));
  }
  // The copy button sits in a block's top right corner: no text of the block is under it.
  for (const pre of article.querySelectorAll('pre')) {
    const code = pre.querySelector('code');
    const box = pre.closest('.highlight') || pre;
    const buttons = [...box.querySelectorAll('button')].map(b => b.getBoundingClientRect())
      .filter(b => b.width > 0);
    if (!code || !buttons.length) continue;
    const shown = code.getBoundingClientRect();
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let covered = null;
    for (let node = walker.nextNode(); node && !covered; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.right <= shown.left || r.left >= shown.right) continue;  // scrolled out of view
        if (buttons.some(b => r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top))
          covered = node.textContent.trim().slice(0, 30);
      }
    }
    if (covered) found.push('copy button over text: ' + covered);
  }
  // Material lets code blocks and table boxes bleed a little past the column (to the
  // screen's edge on a phone); anything else wider, or past the screen, is cut off.
  const scrolls = el => {
    for (let at = el; at && at !== article; at = at.parentElement) {
      const o = getComputedStyle(at).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const bleed = 20, screen = document.documentElement.clientWidth;
  for (const el of article.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).position === 'fixed') continue;
    const out = r.right > column.right + bleed || r.left < column.left - bleed ||
      r.right > screen + 0.5 || r.left < -0.5;
    const inBox = el.parentElement && el.parentElement !== article && scrolls(el.parentElement);
    if (out && !inBox)
      found.push('sticks out: <' + el.tagName.toLowerCase() + ' class="' + el.className + '"> ' +
                 Math.round(r.left) + '..' + Math.round(r.right) + ' in ' +
                 Math.round(column.left) + '..' + Math.round(column.right));
  }
  if (document.scrollingElement.scrollWidth > screen + 1)
    found.push('the page scrolls sideways: ' + document.scrollingElement.scrollWidth + ' px');
  for (const box of document.querySelectorAll('input[type=checkbox]')) {
    if (box.closest('.md-nav, .md-header, .md-search, .md-sidebar')) continue;
    if (box.hidden || box.classList.contains('md-toggle') || box.id === '__drawer' || box.id === '__search') continue;
    const named = (box.getAttribute('aria-label') || '').trim() ||
      [...(box.labels || [])].map(l => l.textContent.trim()).join('');
    if (!named) found.push('checkbox without a name in: ' + box.closest('li')?.textContent.slice(0, 60));
  }
  for (const head of article.querySelectorAll('thead')) {
    if (head.getBoundingClientRect().height > 0 && head.textContent.trim() === '')
      found.push('a table starts with an empty header row');
  }
  // A title wraps between its words, never inside one.
  const title = article.querySelector('h1');
  const text = title && [...title.childNodes].find(n => n.nodeType === Node.TEXT_NODE);
  if (text) {
    const words = /[^\s/-]+/g;  // a path or a hyphenated name may wrap at / and -
    for (let m; (m = words.exec(text.data)); ) {
      const range = document.createRange();
      range.setStart(text, m.index);
      range.setEnd(text, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) found.push('title word broken across lines: ' + m[0]);
    }
  }
  return found;
})
