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

-- Most strings need no escape at all (ids, flags, shorthand): one scan, no copy.
local function encode_string(s)
  if not s:find('[%c"\\\128-\255]') then return '"' .. s .. '"' end
  local body = s:gsub('[%c"\\]', esc_char)
  if not utf8.len(body) then
    body = body:gsub("[\128-\255]", function(c) return ("\\u%04x"):format(c:byte()) end)
  end
  return '"' .. body .. '"'
end

-- Object keys come back again and again (a campaign encodes millions of objects with
-- the same few dozen keys): their encoded form is kept, up to a bound.
local key_text, nkeys = {}, 0
local function encode_key(k)
  local e = key_text[k]
  if e then return e end
  e = encode_string(k)
  if nkeys < 4096 then key_text[k], nkeys = e, nkeys + 1 end
  return e
end

local function encode_number(n, path)
  if math.type(n) == "integer" then return tostring(n) end
  if n ~= n or n == math.huge or n == -math.huge then
    error(("json: %s is %s, which JSON cannot carry"):format(path(), tostring(n)), 0)
  end
  if n == math.floor(n) and math.abs(n) < 2^53 then return ("%d"):format(n) end
  -- The shortest of %.15g / %.17g that reads back as the same double.
  local short = ("%.15g"):format(n)
  if tonumber(short) == n then return short end
  return ("%.17g"):format(n)
end

local function is_array(t)
  if ARRAY[t] then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

-- The JSON text of v (one line: newlines inside strings are escaped). Errors name the
-- offending path ("json: value.t is nan, which JSON cannot carry"); the path is kept as
-- a stack of keys and spelt out only for an error.
function M.encode(v)
  local out, n = {}, 0
  local seen, keys_at, depth = {}, {}, 0
  local function path()
    local parts = {"value"}
    for i = 1, depth do
      local k = keys_at[i]
      parts[#parts + 1] = math.type(k) == "integer" and ("[" .. k .. "]") or ("." .. k)
    end
    return table.concat(parts)
  end
  local encode
  local function encode_table(t)
    if seen[t] then error(("json: %s refers to itself"):format(path()), 0) end
    seen[t] = true
    depth = depth + 1
    if is_array(t) then
      n = n + 1; out[n] = "["
      for i = 1, #t do
        if i > 1 then n = n + 1; out[n] = "," end
        keys_at[depth] = i
        encode(t[i])
      end
      n = n + 1; out[n] = "]"
    else
      local keys, nk = {}, 0
      for k in pairs(t) do
        if type(k) ~= "string" then
          depth = depth - 1
          error(("json: %s has a key of type %s; object keys must be strings"):format(path(),
            type(k)), 0)
        end
        nk = nk + 1
        keys[nk] = k
      end
      if nk > 1 then table.sort(keys) end
      n = n + 1; out[n] = "{"
      for i = 1, nk do
        local k = keys[i]
        if i > 1 then n = n + 1; out[n] = "," end
        n = n + 1; out[n] = encode_key(k)
        n = n + 1; out[n] = ":"
        keys_at[depth] = k
        encode(t[k])
      end
      n = n + 1; out[n] = "}"
    end
    depth = depth - 1
    seen[t] = nil
  end
  encode = function(x)
    local ty = type(x)
    if ty == "string" then n = n + 1; out[n] = encode_string(x)
    elseif ty == "table" then encode_table(x)
    elseif ty == "number" then n = n + 1; out[n] = encode_number(x, path)
    elseif ty == "boolean" then n = n + 1; out[n] = x and "true" or "false"
    elseif ty == "nil" then n = n + 1; out[n] = "null"
    else error(("json: %s is a %s, which JSON cannot carry"):format(path(), ty), 0) end
  end
  encode(v)
  return table.concat(out)
end

return M
