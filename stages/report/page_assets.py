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
text-align:left;vertical-align:top}td.n,th.n{text-align:right}td.n{white-space:nowrap}
#actions th{cursor:pointer;user-select:none;position:sticky;top:0;background:#f4f6f9}
#actions th[aria-sort=ascending]::after{content:' ▲'}#actions th[aria-sort=descending]::after{content:' ▼'}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin:8px 0}
.filters label{font-size:.9em;display:flex;align-items:center;gap:4px;max-width:100%;min-width:0}
.flags{background:#fff1cc;border-left:4px solid #b88700;padding:6px 12px;margin:8px 0}
.wrap{max-height:calc(100vh - 24px);overflow:auto;border:1px solid #e3e7ed}td.wide,th.wide{min-width:11em}
svg{max-width:100%;height:auto}select{max-width:100%;min-width:0}body{overflow-wrap:break-word}
#actions{font-size:.86em;line-height:1.3}#actions td{padding:3px 6px}
#actions th{white-space:normal;vertical-align:bottom}
#actions .more{display:none}#actions.every .more{display:table-cell}
#actions td.why{min-width:16em}#actions td.act{min-width:12em}#actions th.n{width:6.5em}
#download{font:inherit;font-size:.9em;padding:2px 10px;cursor:pointer}
@media (max-width:600px){
body{padding:8px 12px}table:not(#actions){display:block;overflow-x:auto}
table:not(#actions) :is(td,th){min-width:6em}td.wide,th.wide{min-width:8em}
.wrap{border:0}#actions,#actions tbody{display:block}
#actions thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
#actions tr{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px;border:1px solid #d5dbe3;border-radius:8px;
margin:0 0 10px;padding:6px 10px}#actions tr[hidden]{display:none}
#actions td,#actions.every td.more{display:block;border:0;padding:0;text-align:left;white-space:normal}
#actions td::before{content:attr(data-label);display:block;color:#5b6675;font-size:.85em;line-height:1.25}
#actions td.act,#actions td.why,#actions td.muted{grid-column:1/-1}
#actions td:empty,#actions td.more,#actions.every td.more:empty{display:none}
}
"""

SCRIPT = r"""
(function(){
  const table=document.getElementById('actions');const body=table.tBodies[0];
  const rows=Array.from(body.rows);const shown=document.getElementById('shown');
  const filters=Array.from(document.querySelectorAll('[data-filter]'));
  function apply(){
    let count=0;
    rows.forEach(function(row){
      const ok=filters.every(function(f){return !f.value||row.dataset[f.dataset.filter]===f.value;});
      row.hidden=!ok;if(ok)count++;});
    shown.textContent=String(count).replace(/\B(?=(\d{3})+(?!\d))/g,shown.dataset.separator);}
  filters.forEach(function(f){f.addEventListener('change',apply);});
  const heads=Array.from(table.tHead.rows[0].cells).map(function(th){return th.textContent.trim();});
  rows.forEach(function(r){Array.from(r.cells).forEach(function(c,i){c.dataset.label=heads[i];});});
  const every=document.getElementById('every-column');
  every.addEventListener('change',function(){table.classList.toggle('every',every.checked);});
  function field(text){
    let t=text.trim();
    if(/^[=+\-@\t\r]/.test(t)&&!/^[-+]?\d[\d\s]*([.,]\d+)?\s*%?$/.test(t))t="'"+t;
    return /[;"\r\n]/.test(t)?'"'+t.replace(/"/g,'""')+'"':t;}
  function csv(){
    const lines=[heads.map(field).join(';')];
    Array.from(body.rows).forEach(function(r){
      if(!r.hidden)lines.push(Array.from(r.cells).map(function(c){return field(c.textContent);}).join(';'));});
    return '\ufeff'+lines.join('\r\n')+'\r\n';}
  const download=document.getElementById('download');
  download.addEventListener('click',function(){
    const url=URL.createObjectURL(new Blob([csv()],{type:'text/csv;charset=utf-8'}));
    const a=document.createElement('a');a.href=url;a.download=download.dataset.file;
    document.body.appendChild(a);a.click();a.remove();
    setTimeout(function(){URL.revokeObjectURL(url);},60000);});
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
