import NIOCore
import NIOHTTP1
import PushServer

/// The developer console served at `/` when the script has nothing there: one
/// page, no build step. Several streams side by side, each read either with
/// `fetch` (the raw bytes as received next to the events a spec parser in the
/// page makes of them, reconnecting as `EventSource` does) or with the browser's
/// own `EventSource`; per stream a Last-Event-ID field, reconnect, close, and the
/// server-side faults (drop the connection, stall it); the server's state (streams
/// and clients, the last reload); a form for the script's HTTP handlers, one to
/// publish; and the script's log, live. Its data comes from `/_ssescript/status`
/// (see `Console`), polled every second.
enum ConsolePage {
    static func response(streams: [String], events: [String], reloadError: String?) -> Response {
        let config = ConsoleJSON.object([
            ("streams", .array(streams.map { .string($0) })), ("events", .array(events.map { .string($0) })),
            ("reloadError", .string(reloadError)),
        ])
        let page = html.replacing("/*SCRIPT*/", with: script, maxReplacements: 1)
            .replacing("/*CONFIG*/null", with: config.text, maxReplacements: 1)
        return Response(
            status: .ok,
            headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")],
            body: ByteBuffer(string: page))
    }

    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ssescript console</title>
        <style>
          :root { --line: #e3e3e3; --soft: #f6f6f4; --ok: #cdeccf; --bad: #f6cccc; --warn: #fbe7b5; --ink: #1d1d1f; }
          * { box-sizing: border-box; }
          body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: var(--ink); background: #fff; }
          code, pre, .mono, td.data { font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; }
          header.top { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
          header.top h1 { font-size: 1.1rem; margin: 0; }
          .badge { display: inline-block; padding: 0 .45em; border-radius: 3px; background: #e4e4e4; font-size: 12px; }
          .badge.ok, .badge.open { background: var(--ok); } .badge.bad, .badge.closed, .badge.failed { background: var(--bad); }
          .badge.reconnecting, .badge.connecting, .badge.stalled { background: var(--warn); }
          #reload-error { margin: 0; padding: .5rem 1rem; background: #fdecea; white-space: pre-wrap; }
          main { display: grid; grid-template-columns: minmax(0, 1fr) 25rem; gap: 0; min-height: calc(100vh - 3rem); }
          @media (max-width: 70rem) { main { grid-template-columns: 1fr; } }
          #streams-area { padding: .8rem 1rem; border-right: 1px solid var(--line); min-width: 0; }
          aside { padding: .8rem 1rem; background: var(--soft); min-width: 0; }
          aside section { margin-bottom: 1.2rem; } h2 { font-size: .95rem; margin: 0 0 .4rem; } h3 { font-size: .8rem; margin: .2rem 0; color: #555; }
          form.row { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin-bottom: .8rem; }
          input, select, textarea, button { font: inherit; font-size: 13px; }
          textarea { width: 100%; min-height: 4rem; font-family: ui-monospace, monospace; }
          button { cursor: pointer; }
          #panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(30rem, 1fr)); gap: .8rem; }
          .panel { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .6rem; min-width: 0; background: #fff; }
          .panel header { display: flex; gap: .5rem; align-items: baseline; }
          .panel header .url { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          .panel .controls { display: flex; flex-wrap: wrap; gap: .3rem; margin: .4rem 0; align-items: center; }
          .panel .facts { font-size: 12px; color: #555; min-height: 1.2em; }
          .panel .views { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: .5rem; }
          .panel.eventsource .views { grid-template-columns: minmax(0, 1fr); } .panel.eventsource .raw { display: none; }
          .panel .scroll { max-height: 22rem; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
          table { border-collapse: collapse; width: 100%; }
          td, th { text-align: left; padding: .1rem .35rem; border-bottom: 1px solid #f0f0f0; vertical-align: top; font-size: 12px; }
          td.data { white-space: pre-wrap; word-break: break-word; } td.nowrap { white-space: nowrap; }
          tr.gap td { background: var(--warn); } tr.note td { color: #666; font-style: italic; }
          pre.bytes { margin: 0; padding: .3rem; white-space: pre-wrap; word-break: break-all; }
          .bytes .at { color: #888; } .bytes .ctl { color: #b0306a; } .bytes .mark { color: #555; font-style: italic; }
          #log-lines { list-style: none; margin: 0; padding: 0; max-height: 24rem; overflow: auto; background: #fff; border: 1px solid var(--line); }
          #log-lines li { padding: .1rem .4rem; border-bottom: 1px solid #f3f3f3; white-space: pre-wrap; word-break: break-word; }
          #log-lines li.error, #log-lines li.critical { background: #fdecea; } #log-lines li.warning { background: #fff6dd; }
          #log-lines li.reload { border-left: 3px solid #6a8; } #log-lines li.reload-failed { border-left: 3px solid #c44; }
          #log-lines .when { color: #888; margin-right: .4em; }
          #status { overflow-x: auto; } #status table td:last-child { white-space: nowrap; }
          #status button { font-size: 11px; padding: 0 .3em; }
          .muted { color: #777; font-size: 12px; }
          #response { white-space: pre-wrap; margin-top: .4rem; max-height: 12rem; overflow: auto; background: #fff; border: 1px solid var(--line); padding: .3rem; }
          #response:empty { display: none; }
        </style>
        </head>
        <body>
        <header class="top">
          <h1>ssescript console</h1>
          <code id="script"></code>
          <span id="health" class="badge">…</span>
          <span id="counts" class="muted"></span>
        </header>
        <pre id="reload-error" hidden></pre>
        <main>
          <section id="streams-area">
            <form id="open-form" class="row">
              <select id="path" aria-label="stream"></select>
              <input id="query" placeholder="query, e.g. name=ada" size="16" aria-label="query">
              <input id="open-last-id" placeholder="Last-Event-ID" size="12" aria-label="Last-Event-ID">
              <select id="mode" aria-label="reader">
                <option value="fetch">fetch: raw bytes and parsed events</option>
                <option value="eventsource">EventSource: the browser's own</option>
              </select>
              <button id="open">Open stream</button>
              <span id="connection-note" class="muted"></span>
            </form>
            <div id="panels"></div>
          </section>
          <aside>
            <section id="status">
              <h2>Server</h2>
              <div id="status-streams"></div>
              <div id="status-clients"></div>
              <div id="status-extra"></div>
            </section>
            <section id="request">
              <h2>Send a request to the script</h2>
              <form id="request-form" class="row">
                <select id="request-method" aria-label="method">
                  <option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>GET</option>
                </select>
                <input id="request-path" list="handler-paths" placeholder="/path" size="14" aria-label="path">
                <datalist id="handler-paths"></datalist>
                <input id="request-type" value="application/json" size="16" aria-label="content type">
                <textarea id="request-body" placeholder='{"text": "hello"}' aria-label="body"></textarea>
                <button id="send">Send</button>
              </form>
              <pre id="response"></pre>
            </section>
            <section id="publish">
              <h2>Publish to a topic</h2>
              <form id="publish-form" class="row">
                <input id="publish-topic" list="stream-paths" placeholder="/topic" size="10" aria-label="topic">
                <datalist id="stream-paths"></datalist>
                <input id="publish-event" placeholder="event" size="8" aria-label="event">
                <input id="publish-id" placeholder="id" size="5" aria-label="id">
                <textarea id="publish-data" placeholder="data" aria-label="data"></textarea>
                <button id="publish-send">Publish</button>
                <span id="publish-result" class="muted"></span>
              </form>
            </section>
            <section id="log">
              <h2>Log</h2>
              <ol id="log-lines"></ol>
            </section>
          </aside>
        </main>
        <template id="panel-template">
          <article class="panel">
            <header><code class="url"></code><span class="state badge">connecting</span><span class="who muted"></span>
              <button class="remove" title="close this panel">×</button></header>
            <div class="controls">
              <label>Last-Event-ID <input class="last-id" size="10"></label>
              <button class="reconnect">Reconnect</button>
              <button class="close">Close</button>
              <button class="drop" title="the server kills the connection without the end of the stream">Drop connection</button>
              <button class="stall" title="the server writes nothing to this stream for 3 s">Stall 3 s</button>
              <button class="clear">Clear</button>
              <input class="listen" placeholder="listen for event…" size="12" hidden>
            </div>
            <div class="facts"></div>
            <div class="views">
              <div><h3>Events</h3><div class="scroll"><table><thead><tr><th>time</th><th>type</th><th>id</th><th>data</th></tr></thead>
                <tbody class="events"></tbody></table></div></div>
              <div class="raw"><h3>Raw bytes</h3><div class="scroll"><pre class="bytes"></pre></div></div>
            </div>
          </article>
        </template>
        <script>
        /*SCRIPT*/
        </script>
        </body>
        </html>
        """#
}
