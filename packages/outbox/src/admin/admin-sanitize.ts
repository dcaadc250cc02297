/**
 * Server-side cleaning of mail HTML for the preview. The preview is also served with a CSP
 * that forbids script and every remote load, inside an iframe with `sandbox=""`: this is the
 * first of three walls, not the only one. Kept: layout and text markup, inline styles without
 * URLs, style sheets without URLs or imports, images from `data:` (inline `cid:` images are
 * turned into data: URLs). Dropped: script, forms, frames, objects, event handlers, any
 * remote URL in src or CSS.
 */
import sanitizeHtml from 'sanitize-html';

const TAGS = [
  'a', 'abbr', 'address', 'b', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd',
  'del', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li',
  'mark', 'ol', 'p', 'pre', 'q', 's', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul', 'style',
];
const COMMON = ['style', 'align', 'valign', 'width', 'height', 'dir', 'lang', 'title', 'class', 'color', 'bgcolor', 'border'];

/** CSS that could fetch something or run something. */
const UNSAFE_CSS = /url\s*\(|image-set|@import|expression|behavior|binding|javascript:|\\|\/\*/i;

/** Sanitize mail HTML; `inlineImages` maps a Content-ID to a data: URL. */
export function sanitizeMailHtml(html: string, inlineImages: ReadonlyMap<string, string> = new Map()): string {
  return sanitizeHtml(html, {
    allowedTags: TAGS,
    allowedAttributes: {
      '*': COMMON,
      a: [...COMMON, 'href', 'name', 'target', 'rel'],
      img: [...COMMON, 'src', 'alt'],
      td: [...COMMON, 'colspan', 'rowspan'],
      th: [...COMMON, 'colspan', 'rowspan'],
      table: [...COMMON, 'cellpadding', 'cellspacing'],
      font: [...COMMON, 'face', 'size'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    // Drop the contents of these, not just the tags.
    nonTextTags: ['script', 'textarea', 'option', 'noscript', 'title', 'template', 'iframe', 'object', 'xmp'],
    // Style sheets stay (mail is laid out with them) unless they could fetch or hide anything:
    // a block with url(), @import, escapes or comments goes whole. Its text is raw text to
    // the parser, so markup inside it stays text.
    allowVulnerableTags: true,
    exclusiveFilter: (frame) => frame.tag === 'style' && UNSAFE_CSS.test(frame.text),
    transformTags: {
      '*': (tagName, attribs) => {
        if (attribs['style'] !== undefined && UNSAFE_CSS.test(attribs['style'])) delete attribs['style'];
        return { tagName, attribs };
      },
      // A new window, which the sandbox (no allow-popups) refuses: a click loads nothing.
      a: (tagName, attribs) => {
        if (attribs['style'] !== undefined && UNSAFE_CSS.test(attribs['style'])) delete attribs['style'];
        return { tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer' } };
      },
      img: (tagName, attribs) => {
        const src = attribs['src'] ?? '';
        if (/^cid:/i.test(src)) {
          const data = inlineImages.get(decodeURIComponent(src.slice(4)).replace(/^<|>$/g, ''));
          if (data) attribs['src'] = data;
          else delete attribs['src'];
        } else if (!/^data:image\/(png|gif|jpeg|webp);base64,/i.test(src)) {
          // Remote images stay unloaded; say so in the alt text.
          delete attribs['src'];
          if (src) attribs['alt'] = `${attribs['alt'] ?? ''} [remote image not loaded]`.trim();
        }
        if (attribs['style'] !== undefined && UNSAFE_CSS.test(attribs['style'])) delete attribs['style'];
        return { tagName, attribs };
      },
    },
  });
}
