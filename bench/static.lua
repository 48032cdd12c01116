-- wrk script: replays ONE pre-signed request (the first line of the file
-- given after "--") on every connection. wrk builds the request once, as for
-- a plain URL, so the client does no per-request Lua work.
-- File format (bench/sign_request): body, then header name/value pairs, tab-separated.
-- An optional second argument paces each connection: it waits that many ms
-- after each response before its next request (a steady load, not the most
-- the server can take).
function init(args)
  local f = assert(io.open(args[1], "r"))
  local line = f:read("*l")
  f:close()
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
  wrk.method = "POST"
  wrk.path = "/"
  wrk.body = fields[1]
  for i = 2, #fields - 1, 2 do wrk.headers[fields[i]] = fields[i + 1] end
  local pause = tonumber(args[2] or "0")
  if pause > 0 then
    delay = function() return pause end
  end
end
