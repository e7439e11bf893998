-- wrk script of the search benchmark: each request sends the next query of a file.
--
--   wrk -t2 -c16 -d10s --latency -s bench/queries.lua http://127.0.0.1:PORT \
--       -- QUERIES PREFIX MODE THREADS
--
-- QUERIES holds one URL-encoded query a line; a request's path is PREFIX followed by
-- the query ("/api/search?q=..."). THREADS is wrk's -t.
--   MODE "distinct": thread k walks the k-th of THREADS disjoint slices of the file, so
--     no query is sent twice in a run; a thread that reaches the end of its slice
--     starts it again, and done() reports how many did ("wrapped: N").
--   MODE "popular": every thread cycles through the whole file, from its own offset.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  thread:set("wrapped", 0)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local file, mode, n = args[1], args[3], tonumber(args[4])
  prefix = args[2]
  queries = {}
  for line in io.lines(file) do
    if line ~= "" then
      queries[#queries + 1] = line
    end
  end
  local size = math.floor(#queries / n)
  if mode == "distinct" then
    first = id * size + 1
    last = first + size - 1
  else
    first, last = 1, #queries
  end
  if last < first then
    error("too few queries in " .. file .. " for " .. n .. " threads")
  end
  nxt = first + (mode == "distinct" and 0 or id * size)
  wrapped = 0
end

function request()
  local query = queries[nxt]
  nxt = nxt + 1
  if nxt > last then
    nxt = first
    wrapped = wrapped + 1 -- a global of this thread, read by done() through thread:get
  end
  return wrk.format("GET", prefix .. query)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("wrapped")
  end
  io.write(string.format("wrapped: %d\n", total))
end
