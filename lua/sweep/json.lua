-- sweep.json: a JSON encoder (RFC 8259) for the sweep's result lines. Pure Lua, no I/O.
--
--   json.encode{id = "x", t = 0.25, steps = json.array{}}  --> {"id":"x","steps":[],"t":0.25}
--
-- Objects come out with their keys sorted, so the same case gives the same line on every
-- run (reports can be diffed). A table is an array when its keys are exactly 1..n (n > 0)
-- or when json.array marked it (an empty list); otherwise an object, whose keys must be
-- strings. Strings are escaped as RFC 8259 7 requires; bytes that are not UTF-8 are
-- written as \u00XX (their Latin-1 reading) so the line is always valid JSON.
local M = {}

local ARRAY = setmetatable({}, {__mode = "k"})

-- Marks t as a JSON array even when it is empty; returns t.
function M.array(t)
  t = t or {}
  ARRAY[t] = true
  return t
end

local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}

local function esc_char(c)
  return escapes[c] or ("\\u%04x"):format(c:byte())
end

local function encode_string(s)
  local body = s:gsub('[%c"\\]', esc_char)
  if not utf8.len(body) then
    body = body:gsub("[\128-\255]", function(c) return ("\\u%04x"):format(c:byte()) end)
  end
  return '"' .. body .. '"'
end

local function encode_number(n, path)
  if math.type(n) == "integer" then return tostring(n) end
  if n ~= n or n == math.huge or n == -math.huge then
    error(("json: %s is %s, which JSON cannot carry"):format(path, tostring(n)), 0)
  end
  if n == math.floor(n) and math.abs(n) < 2^53 then return ("%d"):format(n) end
  -- The shortest of %.15g / %.17g that reads back as the same double.
  local short = ("%.15g"):format(n)
  if tonumber(short) == n then return short end
  return ("%.17g"):format(n)
end

local encode

local function is_array(t)
  if ARRAY[t] then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local function encode_table(t, path, seen, out)
  if seen[t] then error(("json: %s refers to itself"):format(path), 0) end
  seen[t] = true
  if is_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode(t[i], path .. "[" .. i .. "]", seen, out)
    end
    out[#out + 1] = "]"
  else
    local keys = {}
    for k in pairs(t) do
      if type(k) ~= "string" then
        error(("json: %s has a key of type %s; object keys must be strings"):format(path,
          type(k)), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = encode_string(k)
      out[#out + 1] = ":"
      encode(t[k], path .. "." .. k, seen, out)
    end
    out[#out + 1] = "}"
  end
  seen[t] = nil
end

encode = function(v, path, seen, out)
  local ty = type(v)
  if ty == "nil" then out[#out + 1] = "null"
  elseif ty == "boolean" then out[#out + 1] = tostring(v)
  elseif ty == "number" then out[#out + 1] = encode_number(v, path)
  elseif ty == "string" then out[#out + 1] = encode_string(v)
  elseif ty == "table" then encode_table(v, path, seen, out)
  else error(("json: %s is a %s, which JSON cannot carry"):format(path, ty), 0) end
end

-- The JSON text of v (one line: newlines inside strings are escaped). Errors name the
-- offending path ("json: value.t is nan, which JSON cannot carry").
function M.encode(v)
  local out = {}
  encode(v, "value", {}, out)
  return table.concat(out)
end

return M
