-- wrk script for benchmarks/ingest.py: one alert per POST, each with a key of its own.
--
--   wrk ... -s benchmarks/ingest.lua URL -- FORMAT ROUTING_KEY RUN KEYS_FILE STOP_AFTER
--
-- FORMAT is "pagerduty" (an Events API v2 trigger) or "alertmanager" (a list of one alert for
-- Alertmanager's POST /api/v2/alerts). Either way the alerts differ by host and share their name
-- -- (PagerDuty's `class`, Alertmanager's `alertname`), so both servers put them in one group.
-- KEYS_FILE ("-" for none): each thread N writes the body of every 2xx answer, one a line, to
-- KEYS_FILE.N as it comes (buffered; keeping them in a Lua table slowed wrk by a fifth once it held
-- a hundred thousand), so the caller can check that each accepted alert was stored. STOP_AFTER
-- (0 for none) ends the thread after that many answers and prints "stopped". The last line printed
-- is one JSON object.

local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    format, routing_key, run, keys_file = args[1], args[2], args[3], args[4]
    stop_after = tonumber(args[5] or "0")
    sent, accepted, refused, failed = 0, 0, 0, 0
    stopped = false
    keys_out = keys_file ~= "-" and io.open(keys_file .. "." .. id, "w") or nil
    headers = { ["Content-Type"] = "application/json" }
end

local function body_for(key)
    if format == "pagerduty" then
        return '{"routing_key":"' .. routing_key .. '","event_action":"trigger","dedup_key":"' .. key
            .. '","payload":{"summary":"Disk full on ' .. key .. '","source":"' .. key
            .. '","severity":"critical","class":"DiskFull"}}'
    end
    return '[{"labels":{"alertname":"DiskFull","instance":"' .. key .. '","severity":"critical"},'
        .. '"annotations":{"summary":"Disk full on ' .. key .. '"}}]'
end

function request()
    sent = sent + 1
    return wrk.format("POST", nil, headers, body_for(run .. "-" .. id .. "-" .. sent))
end

function response(status, _, body)
    if status >= 200 and status < 300 then
        accepted = accepted + 1
        if keys_out then
            keys_out:write(body, "\n")
        end
    elseif status >= 500 then
        failed = failed + 1
    else
        refused = refused + 1
    end
    if stop_after > 0 and not stopped and accepted + refused + failed >= stop_after then
        -- wrk itself would sleep out its --duration: the caller interrupts it on this line.
        stopped = true
        if keys_out then
            keys_out:flush()
        end
        io.write("stopped\n")
        io.flush()
        wrk.thread:stop()
    end
end

function done(summary, latency, _)
    local totals = { sent = 0, accepted = 0, refused = 0, failed = 0 }
    for _, thread in ipairs(threads) do
        for name, _ in pairs(totals) do
            totals[name] = totals[name] + thread:get(name)
        end
    end
    local errors = summary.errors
    io.write(string.format(
        '{"duration_us":%d,"requests":%d,"sent":%d,"accepted":%d,"refused":%d,"failed":%d,'
            .. '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
        summary.duration, summary.requests, totals.sent, totals.accepted, totals.refused, totals.failed,
        errors.connect + errors.read + errors.write, errors.timeout,
        latency:percentile(50), latency:percentile(99), latency.max
    ))
end
