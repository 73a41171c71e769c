-- bench/wrk/bench.lua: the one wrk script of bench/run, set up by
-- environment variables:
--
--   BENCH_METHOD     GET (default) or POST
--   BENCH_HEADERS    request headers, one "Name: value" per line
--   BENCH_BODY       a file holding the request body (sent as it is, gzip
--                    included)
--   BENCH_LINES      a file of bodies, one per line: each request takes the
--                    next line (single events of varied types)
--   BENCH_WINDOW_MS  the measured window: after it no request is started,
--                    so that wrk, run a little longer, ends with nothing in
--                    flight and every request it sent is answered and
--                    counted (the database must hold exactly what was
--                    acknowledged)
--   BENCH_RATE       total requests per second over all threads (a paced
--                    background load); unset: as fast as answers come
--   BENCH_THREADS    wrk's -t, for BENCH_RATE
--   BENCH_STATUS     1: count the answers by status code
--   BENCH_CONNS      connections per thread (wrk's -c divided by -t)
--   BENCH_OUT        where done() writes its JSON summary; once the window
--                    is over and a thread has every answer it waits for,
--                    it creates BENCH_OUT.done.N, so that bench/run can stop
--                    wrk (SIGINT) without waiting for the longest drain
--
-- Latencies are wrk's own (from the first byte sent to the last byte
-- received), and do not include the pacing delays.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local function slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return s
end

local method = os.getenv("BENCH_METHOD") or "GET"
local window = tonumber(os.getenv("BENCH_WINDOW_MS") or "0")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local conns = tonumber(os.getenv("BENCH_CONNS") or "1")
local out = os.getenv("BENCH_OUT")
local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
	local k, v = line:match("^([^:]+):%s*(.*)$")
	if k then headers[k] = v end
end

wrk.method = method
wrk.headers = headers
if os.getenv("BENCH_BODY") then
	wrk.body = slurp(os.getenv("BENCH_BODY"))
end

-- Rotating bodies: the requests are formatted once per thread (in
-- init, when wrk has added the Host header), then cycled.
local lines_file = os.getenv("BENCH_LINES")
local reqs = {}
if lines_file then
	local i = 0
	function request()
		i = i + 1
		if i > #reqs then i = 1 end
		return reqs[i]
	end
end

-- Every thread: its requests, the end of its window, and its pacing.
local deadline, next_slot, interval
function init(args)
	if lines_file then
		for line in io.lines(lines_file) do
			reqs[#reqs + 1] = wrk.format(method, nil, nil, line)
		end
	end
	deadline = now_ms() + window
	next_slot = 0
	if rate > 0 then interval = 1000 * nthreads / rate end
end

-- delay() runs before every request a connection sends, its first one
-- included: so it counts the answers that came within the window (calls
-- in the window, less one per connection) and the requests sent.
in_window = 0
sent = 0
local calls, finished = 0, false
function delay()
	local now = now_ms()
	calls = calls + 1
	if window > 0 and now >= deadline then
		-- Nothing more in this run; say so once all is answered.
		if not finished and sent - (calls - conns) <= 0 then
			finished = true
			local f = io.open(out .. ".done." .. tid, "w")
			if f then f:close() end
		end
		return 3600000
	end
	in_window = in_window + 1
	sent = sent + 1
	if interval then
		local slot = math.max(next_slot, now)
		next_slot = slot + interval
		return slot - now
	end
	return 0
end

counts = {}
if os.getenv("BENCH_STATUS") == "1" then
	function response(status, hdrs, body)
		counts[status] = (counts[status] or 0) + 1
	end
end

local threads = {}
tid = 0
function setup(thread)
	threads[#threads + 1] = thread
	thread:set("tid", #threads)
end

function done(summary, latency, requests)
	local all, calls, nsent = {}, 0, 0
	for _, t in ipairs(threads) do
		local c = t:get("counts")
		if c then
			for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
		end
		calls = calls + t:get("in_window")
		nsent = nsent + t:get("sent")
	end
	local st = {}
	for k, v in pairs(all) do
		st[#st + 1] = string.format('"%d": %d', k, v)
	end
	local e = summary.errors
	local f = assert(io.open(out, "w"))
	f:write(string.format(
	    '{"requests": %d, "duration_us": %d, "bytes": %d, '
	    .. '"errors": {"connect": %d, "read": %d, "write": %d, '
	    .. '"status": %d, "timeout": %d}, '
	    .. '"lat_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, '
	    .. '"mean": %.1f}, "status": {%s}, "window_calls": %d, '
	    .. '"sent": %d}\n',
	    summary.requests, summary.duration, summary.bytes,
	    e.connect, e.read, e.write, e.status, e.timeout,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, latency.mean,
	    table.concat(st, ", "), calls, nsent))
	f:close()
end
