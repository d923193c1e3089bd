// mxkit console, the browser side. Plain JavaScript, no framework, no build step: served as is
// from the binary. It talks to /ui/* (session) and /api/v1 (everything else) only.
//
// Every value from the server reaches the page through textContent or an attribute set by the
// DOM API, never through innerHTML, so a record value such as "<img src=x onerror=...>" is
// shown as the text it is. The Content-Security-Policy forbids inline script on top of that.
'use strict';

(() => {
  const RECORD_TYPES = ['MX', 'A', 'AAAA', 'CNAME', 'TXT', 'NS', 'SRV', 'CAA', 'PTR', 'TLSA', 'SOA'];
  const PER_PAGE = 50;
  const FIELDS = ['name', 'ttl', 'type', 'priority', 'value'];

  const state = {
    csrf: null,
    zone: null,
    page: 1,
    total: 0,
    filterName: '',
    filterType: '',
    pendingRecord: null,  // the record the preview was made for
    pendingId: null,      // set when the preview is of an edit
  };

  const $ = (id) => document.getElementById(id);

  // ---- small DOM helpers: text only ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(node, visible) { node.hidden = !visible; }
  function status(message, kind) {
    const s = $('status');
    s.textContent = message || '';
    s.className = kind || '';
  }

  // ---- HTTP ----
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || `HTTP ${status}`);
      this.status = status;
      this.body = body || {};
    }
  }

  async function request(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // The CSRF token goes with every write (issue 13, "Security").
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await response.json().catch(() => ({})) : await response.text();
    if (response.status === 401 && !path.startsWith('/ui/')) {
      state.csrf = null;
      showLogin('Your session has ended: log in again.');
    }
    if (!response.ok) throw new ApiError(response.status, typeof data === 'object' ? data : { error: data });
    return data;
  }
  const api = (method, path, body) => request(method, '/api/v1' + path, body);
  const zonePath = (zone) => '/zones/' + encodeURIComponent(zone);

  // ---- views ----
  function showView(id) {
    for (const view of ['login-view', 'zones-view', 'zone-view']) show($(view), view === id);
    show($('logout'), id !== 'login-view');
  }

  function showLogin(message) {
    showView('login-view');
    status(message || '', message ? 'error' : '');
    $('login-key').focus();
  }

  async function route() {
    if (!state.csrf) {
      try {
        state.csrf = (await request('GET', '/ui/session')).csrf_token;
      } catch (e) {
        showLogin();
        return;
      }
    }
    const hash = location.hash || '#/';
    const match = hash.match(/^#\/zone\/(.+)$/);
    if (match) await openZone(decodeURIComponent(match[1]));
    else await openZones();
  }

  // ---- login ----
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('login-key').value;
    setFieldMessages('login-key', []);
    try {
      const data = await request('POST', '/ui/login', { api_key: key });
      state.csrf = data.csrf_token;
      $('login-key').value = '';
      status('Logged in.', 'ok');
      await route();
    } catch (e) {
      const retry = e.status === 429 ? ' (too many attempts: wait a minute)' : '';
      setFieldMessages('login-key', [{ message: e.message + retry, severity: 'error' }]);
      $('login-key').focus();
    }
  });

  $('logout').addEventListener('click', async () => {
    try { await request('POST', '/ui/logout', {}); } catch (e) { /* the cookie is cleared anyway */ }
    state.csrf = null;
    location.hash = '#/';
    showLogin('Logged out.');
  });

  // ---- zones ----
  function listOf(data, key) {
    if (Array.isArray(data)) return data;
    return (data && Array.isArray(data[key])) ? data[key] : [];
  }

  async function openZones() {
    showView('zones-view');
    state.zone = null;
    const body = $('zones-table').tBodies[0];
    clear(body);
    try {
      const zones = listOf(await api('GET', '/zones'), 'zones');
      for (const zone of zones) {
        const link = el('a', { href: '#/zone/' + encodeURIComponent(zone.name), text: zone.name });
        const cells = [el('td', {}, link), el('td', { text: zone.serial ?? '' }),
          el('td', { text: zone.updated_at || '' })];
        if (zone.read_only) cells[0].append(el('span', { class: 'muted', text: ' (read-only, from a file)' }));
        body.append(el('tr', {}, ...cells));
      }
      show($('zones-empty'), zones.length === 0);
    } catch (e) {
      status('Could not list the zones: ' + e.message, 'error');
    }
  }

  $('zone-create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = $('zone-name').value.trim();
    const text = $('zone-text').value;
    setFieldMessages('zone-name', []);
    setFieldMessages('zone-text', []);
    setFieldMessages('zone-ns', []);
    const body = { name };
    const ns = $('zone-ns').value.split(/[\s,]+/).filter((n) => n !== '');
    if (text.trim() !== '') body.zone_text = text;
    else if (ns.length) body.ns = ns;
    try {
      const created = await api('POST', '/zones', body);
      $('zone-name').value = '';
      $('zone-text').value = '';
      $('zone-ns').value = '';
      const saved = (created.zone && created.zone.name) || created.name || name;
      status(`Zone ${saved} created.`, 'ok');
      location.hash = '#/zone/' + encodeURIComponent(saved);
    } catch (e) {
      const messages = problemsOf(e);
      const named = { name: 'zone-name', zone_text: 'zone-text', ns: 'zone-ns' };
      let placed = false;
      for (const m of messages) {
        const target = named[baseField(m.field)] || 'zone-text';
        appendFieldMessage(target, m);
        placed = true;
      }
      if (!placed) setFieldMessages('zone-name', [{ message: e.message, severity: 'error' }]);
    }
  });

  // ---- one zone ----
  async function openZone(zone) {
    showView('zone-view');
    if (state.zone !== zone) {
      state.zone = zone;
      state.page = 1;
      state.filterName = '';
      state.filterType = '';
      $('filter-name').value = '';
      $('filter-type').value = '';
      resetRecordForm();
      clear($('propagation-table').tBodies[0]);
      show($('check-report'), false);
      show($('zone-export-text'), false);
    }
    $('zone-title').textContent = zone;
    try {
      const info = await api('GET', zonePath(zone));
      const z = info.zone || info;
      $('zone-meta').textContent = `Serial ${z.serial ?? '?'}` + (z.updated_at ? `, updated ${z.updated_at}` : '');
    } catch (e) {
      status('Could not open the zone: ' + e.message, 'error');
      return;
    }
    await Promise.all([loadRecords(), loadAudit(), loadPropagation()]);
  }

  async function loadRecords() {
    const params = new URLSearchParams({ page: String(state.page), per_page: String(PER_PAGE) });
    if (state.filterName) params.set('name', state.filterName);
    if (state.filterType) params.set('type', state.filterType);
    const body = $('records-table').tBodies[0];
    try {
      const data = await api('GET', zonePath(state.zone) + '/records?' + params.toString());
      const records = listOf(data, 'records');
      state.total = typeof data.total === 'number' ? data.total : records.length;
      clear(body);
      for (const record of records) body.append(recordRow(record));
      if (records.length === 0) {
        body.append(el('tr', {}, el('td', { colspan: '6', text: 'No records match.' })));
      }
      const pages = Math.max(1, Math.ceil(state.total / PER_PAGE));
      $('page-info').textContent = `Page ${state.page} of ${pages} (${state.total} records)`;
      $('page-prev').disabled = state.page <= 1;
      $('page-next').disabled = state.page >= pages;
    } catch (e) {
      status('Could not load the records: ' + e.message, 'error');
    }
  }

  function recordRow(record) {
    const label = `${record.name} ${record.type}`;
    const edit = el('button', { type: 'button', 'aria-label': 'Edit ' + label, text: 'Edit',
      onclick: () => editRecord(record) });
    const remove = el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + label,
      text: 'Delete', onclick: () => deleteRecord(record) });
    const actions = record.type === 'SOA' ? el('span', { text: '' }) : el('div', { class: 'row-actions' }, edit, remove);
    return el('tr', { 'data-id': String(record.id) },
      el('td', { 'data-label': 'Domain', text: record.name }),
      el('td', { 'data-label': 'TTL', text: record.ttl }),
      el('td', { 'data-label': 'Type', text: record.type }),
      el('td', { 'data-label': 'Priority', text: record.priority ?? '' }),
      el('td', { 'data-label': 'Value', class: 'value', text: record.value }),
      el('td', { 'data-label': 'Actions' }, actions));
  }

  $('filter-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.filterName = $('filter-name').value.trim();
    state.filterType = $('filter-type').value;
    state.page = 1;
    loadRecords();
  });
  $('page-prev').addEventListener('click', () => { if (state.page > 1) { state.page--; loadRecords(); } });
  $('page-next').addEventListener('click', () => { state.page++; loadRecords(); });

  // ---- the record form: inline validation, preview, save ----
  const fieldInput = (field) => $('record-' + field);

  // "records[0].value", "changes[1].record.priority" and "value" all name the value field.
  function baseField(field) {
    if (!field) return '';
    const parts = String(field).split(/[.\[\]]/).filter((p) => p !== '' && !/^\d+$/.test(p));
    return parts.length ? parts[parts.length - 1] : '';
  }

  function problemsOf(error) {
    const b = error.body || {};
    const out = [];
    for (const e of b.errors || []) out.push({ ...e, severity: 'error' });
    for (const w of b.warnings || []) out.push({ ...w, severity: 'warning' });
    for (const n of b.notices || []) out.push({ ...n, severity: 'notice' });
    if (out.length === 0 && b.error) out.push({ message: b.error, field: b.field, severity: 'error' });
    return out;
  }

  function setFieldMessages(id, messages) {
    const box = $(id + '-error');
    const input = $(id);
    clear(box);
    box.classList.remove('warning');
    input.removeAttribute('aria-invalid');
    for (const m of messages) appendFieldMessage(id, m);
    show(box, messages.length > 0);
  }

  function appendFieldMessage(id, m) {
    const box = $(id + '-error');
    const line = el('span', { class: 'sev-' + m.severity },
      el('span', { class: 'sev-label', text: m.severity }), m.message || m.code || 'invalid');
    if (m.code) line.append(el('span', { class: 'code', text: ` (${m.code})` }));
    if (box.childNodes.length) box.append(el('br'));
    box.append(line);
    if (m.severity === 'error') $(id).setAttribute('aria-invalid', 'true');
    show(box, true);
  }

  function clearRecordMessages() {
    for (const f of FIELDS) setFieldMessages('record-' + f, []);
    clear($('record-general-errors'));
    show($('record-general-errors'), false);
  }

  // Shows 422's errors and warnings beside the fields they name; returns whether any were
  // warnings only (then the checkbox to accept them appears).
  function showProblems(problems) {
    clearRecordMessages();
    let firstBad = null;
    for (const p of problems) {
      const field = baseField(p.field);
      if (FIELDS.includes(field)) {
        appendFieldMessage('record-' + field, p);
        if (!firstBad) firstBad = fieldInput(field);
      } else {
        const general = $('record-general-errors');
        general.append(el('p', { class: p.severity }, el('span', { class: 'sev-label', text: p.severity }),
          p.message || p.code || 'invalid'));
        show(general, true);
      }
    }
    const onlyWarnings = problems.some((p) => p.severity === 'warning')
      && problems.every((p) => p.severity !== 'error');
    show($('accept-warnings-field'), onlyWarnings);
    if (firstBad) firstBad.focus();
    return onlyWarnings;
  }

  function recordFromForm() {
    const type = fieldInput('type').value;
    const record = {
      name: fieldInput('name').value.trim(),
      ttl: Number(fieldInput('ttl').value),
      type,
      value: fieldInput('value').value.trim(),
    };
    if (type === 'MX' || type === 'SRV') record.priority = Number(fieldInput('priority').value);
    return record;
  }

  function syncPriority() {
    const type = fieldInput('type').value;
    const needs = type === 'MX' || type === 'SRV';
    fieldInput('priority').disabled = !needs;
    $('record-priority').closest('.field').classList.toggle('inactive', !needs);
  }

  function resetRecordForm() {
    $('record-id').value = '';
    fieldInput('name').value = state.zone || '';
    fieldInput('ttl').value = '3600';
    fieldInput('type').value = 'MX';
    fieldInput('priority').value = '10';
    fieldInput('value').value = '';
    $('accept-warnings').checked = false;
    show($('accept-warnings-field'), false);
    $('record-form-title').textContent = 'Add a record';
    show($('preview'), false);
    state.pendingRecord = null;
    state.pendingId = null;
    clearRecordMessages();
    syncPriority();
  }

  function editRecord(record) {
    resetRecordForm();
    $('record-id').value = String(record.id);
    fieldInput('name').value = record.name;
    fieldInput('ttl').value = String(record.ttl);
    fieldInput('type').value = record.type;
    fieldInput('priority').value = record.priority ?? '';
    fieldInput('value').value = record.value;
    $('record-form-title').textContent = `Edit ${record.name} ${record.type}`;
    syncPriority();
    fieldInput('value').focus();
  }

  // The change as POST /zones/{zone}/changes takes it: one add, or an update of one id, with
  // the record's fields beside "op".
  function changeBody(record, id, dryRun) {
    const change = id ? { op: 'update', id: Number(id), ...record } : { op: 'add', ...record };
    const body = { changes: [change], dry_run: dryRun };
    if ($('accept-warnings').checked) body.accept_warnings = true;
    return body;
  }

  $('record-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const record = recordFromForm();
    const id = $('record-id').value;
    clearRecordMessages();
    try {
      const preview = await api('POST', zonePath(state.zone) + '/changes', changeBody(record, id, true));
      state.pendingRecord = record;
      state.pendingId = id || null;
      renderPreview(preview);
    } catch (e) {
      show($('preview'), false);
      if (e.status === 422 || e.status === 400) showProblems(problemsOf(e));
      else status('The preview failed: ' + e.message, 'error');
    }
  });

  function renderPreview(preview) {
    const body = $('preview-table').tBodies[0];
    clear(body);
    const rrsets = preview.rrsets || preview.records || [];
    for (const r of rrsets) {
      // An RRset may come as one row per record, or as {name, ttl, type, records: [...]}.
      const rows = Array.isArray(r.records) ? r.records.map((x) => ({ ...r, ...x })) : [r];
      for (const row of rows) {
        body.append(el('tr', {},
          el('td', { text: row.name ?? '' }), el('td', { text: row.ttl ?? '' }),
          el('td', { text: row.type ?? '' }), el('td', { text: row.priority ?? '' }),
          el('td', { class: 'value', text: row.value ?? '' })));
      }
    }
    const findings = $('preview-findings');
    clear(findings);
    const list = [...(preview.errors || []).map((e) => ({ ...e, severity: 'error' })),
      ...(preview.warnings || []).map((w) => ({ ...w, severity: 'warning' })),
      ...(preview.notices || []).map((n) => ({ ...n, severity: 'notice' }))];
    for (const f of list) findings.append(findingItem(f));
    const serial = preview.next_serial;
    $('preview-summary').textContent = 'Nothing is saved yet. The zone after the change'
      + (serial !== undefined ? `, at serial ${serial}:` : ':');
    show($('preview'), true);
    $('preview').focus();
  }

  $('record-save').addEventListener('click', async () => {
    if (!state.pendingRecord) return;
    try {
      await api('POST', zonePath(state.zone) + '/changes',
        changeBody(state.pendingRecord, state.pendingId, false));
      status(`Saved ${state.pendingRecord.name} ${state.pendingRecord.type}.`, 'ok');
      resetRecordForm();
      await openZone(state.zone);
      fieldInput('name').focus();
    } catch (e) {
      show($('preview'), false);
      if (e.status === 422 || e.status === 400) showProblems(problemsOf(e));
      else status('The save failed: ' + e.message, 'error');
    }
  });
  $('preview-cancel').addEventListener('click', () => {
    show($('preview'), false);
    fieldInput('value').focus();
  });
  $('record-cancel').addEventListener('click', () => { resetRecordForm(); fieldInput('name').focus(); });
  fieldInput('type').addEventListener('change', syncPriority);

  async function deleteRecord(record) {
    if (!window.confirm(`Delete ${record.name} ${record.type} ${record.value}?`)) return;
    try {
      await api('DELETE', zonePath(state.zone) + '/records/' + encodeURIComponent(record.id));
      status(`Deleted ${record.name} ${record.type}.`, 'ok');
      await openZone(state.zone);
    } catch (e) {
      status('The delete failed: ' + e.message, 'error');
    }
  }

  // ---- findings (preview, Test) ----
  function findingItem(f) {
    const severity = String(f.severity || f.level || f.status || 'info').toLowerCase();
    const item = el('li', { class: 'sev-' + severity },
      el('span', { class: 'sev-label', text: severity }),
      f.message || f.summary || f.title || '');
    if (f.subject) item.append(el('span', { class: 'subject', text: ` — ${f.subject}` }));
    if (f.code) item.append(el('span', { class: 'code', text: ` (${f.code})` }));
    if (f.fix) item.append(el('div', { class: 'fix', text: 'Fix: ' + f.fix }));
    if (f.area) item.prepend(el('span', { class: 'area', text: f.area + ': ' }));
    return item;
  }

  // ---- propagation ----
  async function loadPropagation() {
    const body = $('propagation-table').tBodies[0];
    try {
      const data = await api('GET', zonePath(state.zone) + '/propagation');
      clear(body);
      const servers = listOf(data, 'servers');
      for (const s of servers) {
        // {name, address, port, serial, caught_up, caught_up_at, error}
        const where = s.address ? ` (${s.address}${s.port && s.port !== 53 ? ':' + s.port : ''})` : '';
        const verdict = s.error ? 'no answer: ' + s.error : (s.caught_up ? 'caught up' : 'behind');
        body.append(el('tr', {},
          el('td', { text: (s.name || '') + where }),
          el('td', { text: s.serial ?? '—' }),
          el('td', { class: s.error ? 'sev-error' : (s.caught_up ? 'sev-ok' : 'sev-warning'), text: verdict }),
          el('td', { text: s.caught_up_at || '' })));
      }
      if (servers.length === 0) body.append(el('tr', {}, el('td', { colspan: '4', text: 'No servers to ask.' })));
    } catch (e) {
      clear(body);
      body.append(el('tr', {}, el('td', { colspan: '4', text: 'Propagation unavailable: ' + e.message })));
    }
  }
  $('propagation-refresh').addEventListener('click', loadPropagation);

  // ---- the Test button ----
  $('check-run').addEventListener('click', async () => {
    const button = $('check-run');
    button.disabled = true;
    status('Testing…');
    try {
      const report = await api('POST', zonePath(state.zone) + '/check', {});
      const findings = $('check-findings');
      clear(findings);
      const list = listOf(report, 'findings');
      for (const f of list) findings.append(findingItem(f));
      const sum = report.summary || {};
      const counts = ['errors', 'warnings', 'notices', 'info'].filter((k) => typeof sum[k] === 'number')
        .map((k) => `${sum[k]} ${k}`).join(', ');
      $('check-summary').textContent = `Report for ${state.zone} at serial ${report.serial ?? '?'}: `
        + `${list.length} finding(s)` + (counts ? ` (${counts})` : '')
        + (typeof report.status === 'string' ? `; ${report.status}` : '') + '.';
      show($('check-report'), true);
      status('Test finished.', 'ok');
      $('check-report').focus();
    } catch (e) {
      status('The test failed: ' + e.message, 'error');
    } finally {
      button.disabled = false;
    }
  });

  // ---- audit log ----
  async function loadAudit() {
    const body = $('audit-table').tBodies[0];
    try {
      const entries = listOf(await api('GET', zonePath(state.zone) + '/audit'), 'entries');
      clear(body);
      for (const a of entries) {
        const detail = typeof a.detail === 'string' ? a.detail : JSON.stringify(a.detail);
        body.append(el('tr', {},
          el('td', { text: a.at || '' }), el('td', { text: a.actor || '' }),
          el('td', { text: a.action || '' }),
          el('td', { text: `${a.serial_before ?? ''} → ${a.serial_after ?? ''}` }),
          el('td', { class: 'detail', text: detail || '' })));
      }
    } catch (e) {
      clear(body);
      body.append(el('tr', {}, el('td', { colspan: '5', text: 'Audit log unavailable: ' + e.message })));
    }
  }
  $('audit-refresh').addEventListener('click', loadAudit);

  $('zone-export').addEventListener('click', async () => {
    try {
      const response = await fetch('/api/v1' + zonePath(state.zone) + '/export', { credentials: 'same-origin' });
      const text = await response.text();
      $('zone-export-text').textContent = text;
      show($('zone-export-text'), true);
    } catch (e) {
      status('The export failed: ' + e.message, 'error');
    }
  });

  // ---- start ----
  for (const select of [fieldInput('type'), $('filter-type')]) {
    for (const t of RECORD_TYPES) {
      if (select === fieldInput('type') && t === 'SOA') continue;
      select.append(el('option', { value: t, text: t }));
    }
  }
  window.addEventListener('hashchange', route);
  route();
})();
