// Evaluated by tests/desk/chinese_pages.py in the page: every piece of text an officer sees.
(watermarks) => {
  const found = [];
  const shown = (element) => {
    if (!element || element.closest(watermarks)) return false;
    if (element.closest('[aria-hidden="true"]')) return false;
    if (typeof element.checkVisibility === 'function') {
      return element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    }
    return element.getClientRects().length > 0;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || !parent || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) continue;
    if (!shown(parent) && !parent.closest('.sr-only')) continue;
    found.push({ where: parent.tagName.toLowerCase() + (parent.className && typeof parent.className === 'string' ? '.' + parent.className.split(' ')[0] : ''), text });
  }
  for (const element of document.body.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
    if (!shown(element)) continue;
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = element.getAttribute(name);
      if (value && value.trim()) found.push({ where: `${element.tagName.toLowerCase()}[${name}]`, text: value.trim() });
    }
  }
  for (const title of document.body.querySelectorAll('svg title')) {
    if (shown(title.parentElement) && title.textContent.trim()) found.push({ where: 'svg title', text: title.textContent.trim() });
  }
  return found;
}
