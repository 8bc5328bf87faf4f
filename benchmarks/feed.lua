-- wrk script for benchmarks/feed.py: GET one query of the in-app notice feed, conditionally or not.
--
--   wrk ... -s benchmarks/feed.lua URL -- ETAG
--
-- ETAG ("-" for none) is sent as If-None-Match. Counts answers by class: 304 (not modified), other 2xx,
-- 4xx, 5xx. The last line printed is one JSON object.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    etag = args[1] or "-"
    not_modified, ok, refused, failed = 0, 0, 0, 0
    if etag ~= "-" then
        wrk.headers["If-None-Match"] = etag
    end
end

function response(status, _, _)
    if status == 304 then
        not_modified = not_modified + 1
    elseif status >= 200 and status < 300 then
        ok = ok + 1
    elseif status >= 500 then
        failed = failed + 1
    else
        refused = refused + 1
    end
end

function done(summary, latency, _)
    local totals = { not_modified = 0, ok = 0, refused = 0, failed = 0 }
    for _, thread in ipairs(threads) do
        for name, _ in pairs(totals) do
            totals[name] = totals[name] + thread:get(name)
        end
    end
    local errors = summary.errors
    io.write(string.format(
        '{"duration_us":%d,"requests":%d,"not_modified":%d,"ok":%d,"refused":%d,"failed":%d,'
            .. '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\n',
        summary.duration, summary.requests, totals.not_modified, totals.ok, totals.refused, totals.failed,
        errors.connect + errors.read + errors.write, errors.timeout,
        latency:percentile(50), latency:percentile(99)
    ))
end
