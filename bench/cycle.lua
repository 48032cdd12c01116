-- wrk script: sends the pre-signed requests of the file given after "--" in
-- order, one per request, each once (bench/run.sh signs more than a run
-- needs; it checks wrk's request count against the file's line count).
-- Requests are formatted in init, so request() only picks the next string.
-- File format (bench/sign_request): body, then header name/value pairs, tab-separated.
local reqs = {}
local n = 0
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
    local headers = {}
    for k = 2, #fields - 1, 2 do headers[fields[k]] = fields[k + 1] end
    n = n + 1
    reqs[n] = wrk.format("POST", "/", headers, fields[1])
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
