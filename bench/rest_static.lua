-- wrk script: replays ONE pre-signed restJson1 request (the first line of the
-- file given after "--") on every connection; wrk builds it once.
-- File format (bench/sign_request --lattice-*): method, path, body (may be
-- empty), then header name/value pairs, tab-separated.
local function split(line)
  local fields, pos = {}, 1
  while true do
    local tab = string.find(line, "\t", pos, true)
    if not tab then
      fields[#fields + 1] = string.sub(line, pos)
      return fields
    end
    fields[#fields + 1] = string.sub(line, pos, tab - 1)
    pos = tab + 1
  end
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  local fields = split(f:read("*l"))
  f:close()
  wrk.method = fields[1]
  wrk.path = fields[2]
  if fields[3] ~= "" then wrk.body = fields[3] end
  for i = 4, #fields - 1, 2 do wrk.headers[fields[i]] = fields[i + 1] end
end
