/**
 * The admin's only script and style sheet, served as files (`/static/admin.js`,
 * `/static/admin.css`) so no page needs inline script or style. The script confirms state
 * changes and drives the template editor's live preview; every page works without it.
 */

export const ADMIN_JS = `'use strict';
document.addEventListener('submit', function (event) {
  var form = event.target;
  var message = event.submitter && event.submitter.getAttribute('data-confirm');
  if (message && !window.confirm(message)) event.preventDefault();
  void form;
});
(function () {
  var form = document.getElementById('template-form');
  if (!form) return;
  var previewButton = document.getElementById('preview-button');
  var checkUrl = form.getAttribute('data-check');
  var timer = null;
  function showErrors(errors) {
    document.querySelectorAll('.field-error').forEach(function (el) { el.textContent = ''; el.hidden = true; });
    document.querySelectorAll('textarea.has-error').forEach(function (el) { el.classList.remove('has-error'); });
    errors.forEach(function (e) {
      var box = document.getElementById('error-' + e.field);
      var area = document.getElementById('field-' + e.field);
      if (area) area.classList.add('has-error');
      if (!box) return;
      box.hidden = false;
      box.textContent = (e.line ? 'Line ' + e.line + (e.col ? ', column ' + e.col : '') + ': ' : '') + e.message + (e.excerpt ? '\\n' + e.excerpt : '');
      box.setAttribute('data-line', String(e.line || ''));
    });
    var status = document.getElementById('check-status');
    if (status) status.textContent = errors.length ? errors.length + ' error(s)' : 'No errors';
  }
  function check() {
    var data = new FormData(form);
    fetch(checkUrl, { method: 'POST', body: new URLSearchParams(data), headers: { 'x-csrf-token': document.body.getAttribute('data-csrf') || '' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        showErrors(result.errors || []);
        var subject = document.getElementById('preview-subject');
        var text = document.getElementById('preview-text');
        if (subject) subject.textContent = result.subject || '';
        if (text) text.textContent = result.text || '';
        if (!(result.errors || []).length && previewButton) form.requestSubmit(previewButton);
      })
      .catch(function () { /* the next keystroke tries again */ });
  }
  form.addEventListener('input', function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  document.querySelectorAll('.field-error').forEach(function (box) {
    box.addEventListener('click', function () {
      var line = Number(box.getAttribute('data-line'));
      var area = document.getElementById(box.id.replace('error-', 'field-'));
      if (!area || !line) return;
      var lines = area.value.split('\\n');
      var start = lines.slice(0, line - 1).join('\\n').length + (line > 1 ? 1 : 0);
      area.focus();
      area.setSelectionRange(start, start + (lines[line - 1] || '').length);
    });
  });
  check();
})();
`;

export const ADMIN_CSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#111;background:#f6f7f9}
header{display:flex;gap:1.5rem;align-items:center;padding:.6rem 1rem;background:#1f2937;color:#fff}
header nav a{color:#cbd5e1;margin-right:1rem;text-decoration:none}header nav a[aria-current]{color:#fff;font-weight:600}
header .logout{margin-left:auto}header .logout span{color:#cbd5e1}
main{padding:1rem 1.5rem;max-width:1200px}h1{font-size:1.4rem;margin:.3rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}td.num{text-align:right}
.status{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:12px;background:#e5e7eb}
.status-sent{background:#dcfce7}.status-failed{background:#fee2e2}.status-queued{background:#dbeafe}.status-requeued{background:#fef3c7}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}.filters label{display:flex;flex-direction:column;font-size:12px}
input,select,textarea,button{font:inherit}textarea{width:100%;font-family:ui-monospace,monospace;font-size:13px}
textarea.has-error{outline:2px solid #dc2626}
.field-error{white-space:pre-wrap;font-family:ui-monospace,monospace;color:#991b1b;background:#fee2e2;padding:.3rem .5rem;margin:.2rem 0;cursor:pointer}
.flash{padding:.5rem .8rem;border-radius:4px}.flash.ok{background:#dcfce7}.flash.error{background:#fee2e2}
.actions{display:flex;gap:.5rem;margin:.5rem 0}.actions form{display:inline}
iframe.preview{width:100%;height:420px;border:1px solid #cbd5e1;background:#fff}
pre.text{white-space:pre-wrap;background:#fff;border:1px solid #e5e7eb;padding:.5rem}
dl.headers{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;background:#fff;padding:.5rem;border:1px solid #e5e7eb}
dl.headers dt{font-weight:600}dl.headers dd{margin:0;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{background:#fff;border:1px solid #e5e7eb;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.editor{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.login{max-width:22rem;display:flex;flex-direction:column;gap:.6rem}
.editor label{display:block;margin-top:.6rem;font-weight:600}.editor input[name=description]{width:100%}
a.card{text-decoration:none;color:inherit}.card b{color:#1f2937}
.pager{margin:.8rem 0;display:flex;gap:1rem}.empty{color:#6b7280}
`;
