/// The console's stream panels: a parser of the event-stream format as the WHATWG
/// spec gives it, and a panel that reads one stream with `fetch` (raw bytes and
/// the parsed events side by side, reconnecting after `retry` with
/// `Last-Event-ID` as `EventSource` does) or with the browser's `EventSource`.
extension ConsolePage {
    static var script: String { streamsScript + "\n" + serverScript + "\n" + activityScript }

    static let streamsScript = #"""
        const config = /*CONFIG*/null;
        const $ = (selector, root = document) => root.querySelector(selector);
        const clock = () => { const d = new Date(); return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0'); };
        const post = (url) => fetch(url, { method: 'POST' }).then(async (r) => ({ ok: r.ok, status: r.status, text: await r.text() }));
        const eventNames = new Set(['message', 'ssescript-gap', ...config.events]);
        const panels = [];
        let panelCount = 0;

        // https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
        class EventStreamParser {
          constructor(handlers) { Object.assign(this, handlers); this.decoder = new TextDecoder(); this.pending = ''; this.afterCR = false; this.data = ''; this.type = ''; this.lastEventId = ''; }
          feed(bytes) { this.lines(this.decoder.decode(bytes, { stream: true })); }
          lines(text) {
            let start = 0;
            for (let i = 0; i < text.length; i++) {
              const c = text[i];
              if (this.afterCR) { this.afterCR = false; if (c === '\n') { start = i + 1; continue; } }
              if (c !== '\r' && c !== '\n') continue;
              this.line(this.pending + text.slice(start, i));
              this.pending = ''; start = i + 1; this.afterCR = c === '\r';
            }
            this.pending += text.slice(start);
          }
          line(line) {
            if (line === '') return this.dispatch();
            if (line[0] === ':') return;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? '' : line.slice(colon + 1);
            if (value[0] === ' ') value = value.slice(1);
            if (field === 'event') this.type = value;
            else if (field === 'data') this.data += value + '\n';
            else if (field === 'id') { if (!value.includes('\0')) this.lastEventId = value; }
            else if (field === 'retry') { if (/^[0-9]+$/.test(value)) this.onRetry(Number(value)); }
          }
          dispatch() {
            if (this.data === '') { this.type = ''; return; }
            this.onEvent({ type: this.type || 'message', data: this.data.slice(0, -1), lastEventId: this.lastEventId });
            this.data = ''; this.type = '';
          }
        }

        // The bytes as they came: CR, LF, tab, a BOM and other controls made visible.
        function showBytes(target, text, at) {
          const line = document.createElement('span');
          const stamp = document.createElement('span'); stamp.className = 'at'; stamp.textContent = `${at} `; line.append(stamp);
          let plain = '';
          const flush = () => { if (plain) { line.append(plain); plain = ''; } };
          const control = (shown, after = '') => { flush(); const s = document.createElement('span'); s.className = 'ctl'; s.textContent = shown; line.append(s, after); };
          for (const c of text) {
            if (c === '\n') control('\\n', '\n');
            else if (c === '\r') control('\\r');
            else if (c === '\t') control('\\t');
            else if (c === '\uFEFF') control('<BOM>');
            else if (c < ' ' || c === '\x7f') control('\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
            else plain += c;
          }
          flush();
          if (!text.endsWith('\n')) line.append('\n');
          target.append(line);
          while (target.childNodes.length > 400) target.firstChild.remove();
        }

        class Panel {
          constructor({ path, query, lastId, mode }) {
            this.token = `p${++panelCount}-${Math.random().toString(36).slice(2, 7)}`;
            Object.assign(this, { path, query: query.replace(/^\?/, ''), mode, retry: 3000, reconnects: 0, lastEventId: lastId || '' });
            this.root = $('#panel-template').content.firstElementChild.cloneNode(true);
            this.ui = Object.fromEntries(['url', 'state', 'who', 'facts', 'events', 'bytes', 'last-id', 'listen'].map((n) => [n, $('.' + n, this.root)]));
            this.ui['last-id'].value = this.lastEventId;
            const on = (name, fn) => $('.' + name, this.root).addEventListener('click', fn);
            on('reconnect', () => this.reconnect());
            on('close', () => { this.stop(); this.setState('closed', 'closed by you'); });
            on('drop', () => this.fault('drop'));
            on('stall', () => this.fault('stall', '&seconds=3'));
            on('clear', () => { this.ui.events.replaceChildren(); this.ui.bytes.replaceChildren(); });
            on('remove', () => this.remove());
            if (mode === 'eventsource') {
              this.root.classList.add('eventsource');
              this.ui.listen.hidden = false;
              this.ui.listen.addEventListener('change', () => { const n = this.ui.listen.value.trim(); if (n) { eventNames.add(n); this.source?.addEventListener(n, this.show); } this.ui.listen.value = ''; });
            }
            $('#panels').append(this.root);
            panels.push(this);
            this.connect(this.lastEventId);
          }
          url(lastId) {
            const params = new URLSearchParams(this.query);
            params.set('ssescript_console', this.token);
            if (lastId && this.mode === 'eventsource') params.set('lastEventId', lastId);
            return `${this.path}?${params}`;
          }
          setState(state, fact) {
            this.ui.state.textContent = state; this.ui.state.className = 'state badge ' + state.split(' ')[0];
            if (fact !== undefined) this.fact(fact);
          }
          fact(text) {
            const retry = this.mode === 'fetch' ? `retry ${this.retry} ms` : 'EventSource: its bytes and retry are the browser\'s';
            this.ui.facts.textContent = `${text}  ·  ${retry}  ·  ${this.reconnects} reconnect${this.reconnects === 1 ? '' : 's'}`;
          }
          note(text, kind = 'note') {
            const row = document.createElement('tr'); row.className = kind;
            const cell = document.createElement('td'); cell.colSpan = 4; cell.textContent = `${clock()}  ${text}`; row.append(cell);
            this.append(row);
          }
          append(row) {
            const body = this.ui.events, scroller = body.closest('.scroll');
            const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
            body.append(row);
            while (body.rows.length > 500) body.rows[0].remove();
            if (atEnd) scroller.scrollTop = scroller.scrollHeight;
          }
          show = (event) => {
            const row = document.createElement('tr');
            if (event.type === 'ssescript-gap') row.className = 'gap';
            for (const text of [clock(), event.type, event.lastEventId, event.data]) {
              const cell = document.createElement('td'); cell.textContent = text; cell.className = 'nowrap'; row.append(cell);
            }
            row.lastChild.className = 'data';
            this.append(row);
            if (event.lastEventId !== undefined) { this.lastEventId = event.lastEventId; this.ui['last-id'].value = event.lastEventId; }
          };
          raw(text) { showBytes(this.ui.bytes, text, `+${((performance.now() - this.openedAt) / 1000).toFixed(3)}`); }
          connect(lastId) {
            this.ui.url.textContent = this.url(lastId); this.ui.url.title = this.ui.url.textContent;
            this.mode === 'fetch' ? this.connectFetch(lastId) : this.connectEventSource(lastId);
          }
          async connectFetch(lastId) {
            const controller = new AbortController(); this.controller = controller;
            this.setState('connecting', lastId ? `asking for events after ${lastId}` : 'connecting');
            const headers = { Accept: 'text/event-stream' };
            if (lastId) headers['Last-Event-ID'] = lastId;
            let response;
            try { response = await fetch(this.url(), { headers, cache: 'no-store', signal: controller.signal }); }
            catch (e) { if (!controller.signal.aborted) this.lost(`cannot connect: ${e.message}`); return; }
            const type = response.headers.get('content-type') || '';
            if (response.status !== 200 || !type.startsWith('text/event-stream')) {
              const text = await response.text();
              this.setState('failed', `${response.status}: ${text.trim()} (an EventSource would not reconnect)`);
              return this.note(`${response.status} ${text.trim()}`, 'gap');
            }
            this.openedAt = performance.now();
            this.setState('open', `open over ${location.protocol === 'https:' ? 'TLS' : 'HTTP'}${lastId ? `, Last-Event-ID ${lastId}` : ''}`);
            this.note(lastId ? `connected with Last-Event-ID: ${lastId}` : 'connected');
            const raw = new TextDecoder('utf-8', { ignoreBOM: true });
            const parser = new EventStreamParser({ onEvent: this.show, onRetry: (ms) => { this.retry = ms; this.fact('retry set by the server'); } });
            parser.lastEventId = lastId || '';
            const reader = response.body.getReader();
            try {
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                this.raw(raw.decode(value, { stream: true }));
                parser.feed(value);
              }
              this.lost('the server ended the stream');
            } catch (e) {
              if (!controller.signal.aborted) this.lost(`the connection broke (${e.message}): no clean end of the stream`);
            }
          }
          connectEventSource(lastId) {
            const source = new EventSource(this.url(lastId)); this.source = source;
            this.setState('connecting', 'connecting');
            for (const name of eventNames) source.addEventListener(name, this.show);
            source.onopen = () => {
              const after = this.lostAt ? ` after ${((performance.now() - this.lostAt) / 1000).toFixed(2)} s` : '';
              if (this.lostAt) { this.reconnects++; this.note(`the browser reconnected${after}`); }
              this.lostAt = null;
              this.setState('open', `open${after ? ', reconnected' + after : ''}`);
            };
            source.onerror = () => {
              if (source.readyState === EventSource.CONNECTING) {
                if (!this.lostAt) { this.lostAt = performance.now(); this.note('the connection was lost: the browser reconnects after retry'); }
                this.setState('reconnecting', 'the browser waits for retry, then sends Last-Event-ID');
              } else {
                this.setState('closed', 'the browser gave up (an HTTP error or not text/event-stream)');
              }
            };
          }
          lost(why) {
            this.note(why, 'gap');
            this.setState('reconnecting', `${why}; reconnecting in ${this.retry} ms`);
            this.timer = setTimeout(() => { this.reconnects++; this.connect(this.lastEventId); }, this.retry);
          }
          stop() {
            clearTimeout(this.timer); this.controller?.abort(); this.source?.close(); this.source = null; this.lostAt = null;
          }
          reconnect() {
            this.stop();
            this.lastEventId = this.ui['last-id'].value.trim();
            this.note('reconnecting as asked');
            this.connect(this.lastEventId);
          }
          async fault(name, extra = '') {
            const result = await post(`/_ssescript/${name}?console=${encodeURIComponent(this.token)}${extra}`);
            this.note(result.ok ? `${name}: the server did it (client ${JSON.parse(result.text).clients.join(', ')})` : `${name}: ${result.status} ${result.text}`, result.ok ? 'note' : 'gap');
          }
          remove() { this.stop(); this.root.remove(); panels.splice(panels.indexOf(this), 1); connectionNote(); }
        }
        """#
}
