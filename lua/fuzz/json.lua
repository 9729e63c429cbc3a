-- fuzz.json: JSON for the fuzzer -- sweep.json's encoder (sorted keys, so a program's
-- text, and so its id, is canonical) and a decoder (RFC 8259) for corpus files and
-- --merge, whose errors name the byte offset and what was expected. Pure Lua, no I/O.
local sj = require "sweep.json"

local M = {encode = sj.encode, array = sj.array}

local ESC = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
  r = "\r", t = "\t"}

local function fail(s, i, what)
  error(("json: at byte %d: expected %s, got %s"):format(i, what,
    i > #s and "the end" or ("%q"):format(s:sub(i, i + 9))), 0)
end

local function ws(s, i) return s:find("[^ \t\r\n]", i) or #s + 1 end

local value

local function str(s, i)
  local out, j = {}, i + 1
  while true do
    local c = s:sub(j, j)
    if c == "" then fail(s, j, "a closing '\"'") end
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = s:sub(j + 1, j + 1)
      if e == "u" then
        local hex = s:sub(j + 2, j + 5)
        if not hex:match("^%x%x%x%x$") then fail(s, j, "four hex digits after \\u") end
        local cp = tonumber(hex, 16)
        -- \u00XX is how sweep.json writes a byte that is not UTF-8: read it back as that
        -- byte, so payload bytes survive a round trip.
        out[#out + 1] = cp < 256 and string.char(cp) or utf8.char(cp)
        j = j + 6
      elseif ESC[e] then
        out[#out + 1] = ESC[e]
        j = j + 2
      else
        fail(s, j, "an escape")
      end
    elseif c:byte() < 32 then
      fail(s, j, "no control character in a string")
    else
      local k = s:find('["\\%c]', j) or #s + 1
      out[#out + 1] = s:sub(j, k - 1)
      j = k
    end
  end
end

value = function(s, i, depth)
  if depth > 64 then fail(s, i, "nesting below 64 levels") end
  i = ws(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local t = {}
    i = ws(s, i + 1)
    if s:sub(i, i) == "}" then return t, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then fail(s, i, "a key string") end
      local k
      k, i = str(s, i)
      i = ws(s, i)
      if s:sub(i, i) ~= ":" then fail(s, i, "':'") end
      t[k], i = value(s, i + 1, depth + 1)
      i = ws(s, i)
      local d = s:sub(i, i)
      if d == "}" then return t, i + 1 end
      if d ~= "," then fail(s, i, "',' or '}'") end
      i = ws(s, i + 1)
    end
  elseif c == "[" then
    local t = sj.array{}
    i = ws(s, i + 1)
    if s:sub(i, i) == "]" then return t, i + 1 end
    while true do
      t[#t + 1], i = value(s, i, depth + 1)
      i = ws(s, i)
      local d = s:sub(i, i)
      if d == "]" then return t, i + 1 end
      if d ~= "," then fail(s, i, "',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then
    return str(s, i)
  elseif s:sub(i, i + 3) == "true" then return true, i + 4
  elseif s:sub(i, i + 4) == "false" then return false, i + 5
  elseif s:sub(i, i + 3) == "null" then return nil, i + 4
  else
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not num or num == "" or num == "-" then fail(s, i, "a value") end
    local n = math.tointeger(tonumber(num)) or tonumber(num)
    if n == nil then fail(s, i, "a number") end
    return n, i + #num
  end
end

-- The value of JSON text s; an error "json: at byte N: expected ..., got ..." otherwise.
function M.decode(s)
  if type(s) ~= "string" then error("json: expected a string, got " .. type(s), 0) end
  local v, i = value(s, 1, 0)
  i = ws(s, i)
  if i <= #s then fail(s, i, "the end of the text") end
  return v
end

return M
