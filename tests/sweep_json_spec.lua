-- sweep.json's specification, run by tests/test_sweep_json.c: returns passed, failed.
local json = require "sweep.json"
local passed, failed = 0, 0
local function eq(got, want, what)
  if got == want then passed = passed + 1
  else failed = failed + 1; print(("FAIL %s: got %s, want %s"):format(what, got, want)) end
end
local function errs(f, pat, what)
  local ok, e = pcall(f)
  eq(not ok and tostring(e):find(pat, 1, true) ~= nil, true, what .. " (" .. tostring(e) .. ")")
end
eq(json.encode{b = 1, a = "x"}, '{"a":"x","b":1}', "object keys sorted")
eq(json.encode{1, 2, 3}, "[1,2,3]", "array")
eq(json.encode(json.array{}), "[]", "empty marked array")
eq(json.encode{}, "{}", "empty table is an object")
eq(json.encode("a\"b\\c\n\t\1"), '"a\\"b\\\\c\\n\\t\\u0001"', "escapes (RFC 8259 7)")
eq(json.encode("caf\195\169"), '"caf\195\169"', "UTF-8 passes")
eq(json.encode("\255x"), '"\\u00ffx"', "a byte that is not UTF-8 is \\u00XX")
eq(json.encode(0.25), "0.25", "float")
eq(json.encode(0.1), "0.1", "shortest float")
eq(json.encode(3.0), "3", "integral float")
eq(json.encode(4294967295), "4294967295", "32-bit number")
eq(json.encode{t = true, f = false}, '{"f":false,"t":true}', "booleans")
eq(json.encode{x = {y = {1, "z"}}}, '{"x":{"y":[1,"z"]}}', "nested")
errs(function() json.encode{t = 0/0} end, "value.t is", "NaN names its path")
errs(function() json.encode{[true] = 1} end, "keys must be strings", "non-string key")
errs(function() local t = {}; t.self = t; json.encode(t) end, "refers to itself", "cycle")
errs(function() json.encode{f = print} end, "value.f is a function", "function")
return passed, failed
