"""The manager's page's own style and script: inline, so the page needs no network (stages/report/page.py)."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;
color:#1d2733;line-height:1.45}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #d5dbe3}
.lead{font-size:1.08em}.muted{color:#5b6675;font-size:.92em}
.verdict{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600}
.fine{background:#dff3e4;color:#1f6b35}.watch{background:#fff1cc;color:#7a5a00}.retrain{background:#fde0dd;color:#8d1c12}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #e3e7ed;padding:4px 6px;
text-align:left;vertical-align:top}td.n,th.n{text-align:right;white-space:nowrap}
#actions th{cursor:pointer;user-select:none;position:sticky;top:0;background:#f4f6f9}
#actions th[aria-sort=ascending]::after{content:' ▲'}#actions th[aria-sort=descending]::after{content:' ▼'}
.filters{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}.filters label{font-size:.9em}
.flags{background:#fff1cc;border-left:4px solid #b88700;padding:6px 12px;margin:8px 0}
.wrap{max-height:640px;overflow:auto;border:1px solid #e3e7ed}td.wide,th.wide{min-width:11em}
"""

SCRIPT = """
(function(){
  const table=document.getElementById('actions');const body=table.tBodies[0];
  const rows=Array.from(body.rows);const shown=document.getElementById('shown');
  const filters=Array.from(document.querySelectorAll('[data-filter]'));
  function apply(){
    let count=0;
    rows.forEach(function(row){
      const ok=filters.every(function(f){return !f.value||row.dataset[f.dataset.filter]===f.value;});
      row.hidden=!ok;if(ok)count++;});
    shown.textContent=count;}
  filters.forEach(function(f){f.addEventListener('change',apply);});
  Array.from(table.tHead.rows[0].cells).forEach(function(th,col){
    th.addEventListener('click',function(){
      const up=th.getAttribute('aria-sort')!=='ascending';
      Array.from(table.tHead.rows[0].cells).forEach(function(o){o.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',up?'ascending':'descending');
      const numeric=th.classList.contains('n');
      const key=function(r){const t=r.cells[col].dataset.v!==undefined?r.cells[col].dataset.v:r.cells[col].textContent;
        return numeric?(t===''?-Infinity:parseFloat(t)):t;};
      rows.sort(function(a,b){const x=key(a),y=key(b);const c=x<y?-1:x>y?1:0;return up?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});});});
  apply();
})();
"""
# the only script the page may run (its content-security policy names this hash: no inline handler, no URL)
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
