-- wrk script: sends the pre-signed restJson1 requests of the file given after
-- "--" in order, one per request, each once (the scripts sign more than a run
-- needs and check the store afterwards). Requests are formatted in init.
-- File format (bench/sign_request --lattice-*): method, path, body (may be
-- empty), then header name/value pairs, tab-separated.
local reqs = {}
local n = 0
local i = 0

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
  for line in io.lines(args[1]) do
    local fields = split(line)
    local headers = {}
    for k = 4, #fields - 1, 2 do headers[fields[k]] = fields[k + 1] end
    local body = nil
    if fields[3] ~= "" then body = fields[3] end
    n = n + 1
    reqs[n] = wrk.format(fields[1], fields[2], headers, body)
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
