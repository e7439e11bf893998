-- wrk script of bench/hardening.py: each request searches "s" followed by 998 random
-- letters, a new word every time (once 440-560 ms each, in the fuzzy lookup of "did
-- you mean").
--
--   wrk -t2 -c8 -d10s --latency -s bench/hostile.lua http://127.0.0.1:PORT

local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
end

function init(args)
  math.randomseed(998 + id)
end

function request()
  local letters = {}
  for i = 1, 998 do
    letters[i] = string.char(96 + math.random(26))
  end
  return wrk.format("GET", "/api/search?q=s" .. table.concat(letters))
end
