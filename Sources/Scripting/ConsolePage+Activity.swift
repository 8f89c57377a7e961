/// The console's activity box: events per second (published, and queued for
/// clients), the last reload with when and why, the last distinct script errors,
/// and the Lua VM's memory, from the `activity` member of `/_ssescript/status`.
/// Rates come from two successive totals.
extension ConsolePage {
    static let activityScript = #"""
        let previousActivity = null;
        function perSecond(now, before, key) {
          if (!before || now.time <= before.time) return '…';
          return ((now[key] - before[key]) / (now.time - before.time)).toFixed(1);
        }
        statusRenderers.activity = (activity, box) => {
          const when = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });
          const line = (id, text) => Object.assign(document.createElement('p'), { id, textContent: text });
          const reload = activity.last_reload;
          box.append(
            Object.assign(document.createElement('h3'), { textContent: 'Activity' }),
            line('activity-rate', `events per second: ${perSecond(activity, previousActivity, 'events_published')} published, `
              + `${perSecond(activity, previousActivity, 'events_queued')} to clients`),
            line('activity-reload', reload ? `last reload: ${reload.ok ? 'ok' : 'failed'} at ${when(reload.time)} (${reload.reason}): ${reload.message}`
              : 'last reload: none yet'),
            line('activity-memory', `Lua memory: ${(activity.lua_memory_bytes / 1024).toFixed(0)} KiB, ${activity.timers} timer${activity.timers === 1 ? '' : 's'}`));
          const errors = document.createElement('ul'); errors.id = 'activity-errors';
          for (const error of activity.errors) {
            errors.append(Object.assign(document.createElement('li'), {
              textContent: `${when(error.time)}${error.count > 1 ? ` (${error.count}×)` : ''} ${error.message}` }));
          }
          box.append(line('activity-error-count', `recent script errors: ${activity.errors.length || 'none'}`), errors);
          previousActivity = activity;
        };
        """#
}
